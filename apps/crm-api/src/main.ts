import { JsonLogger } from '@app/platform';
import { createApp } from './app.factory';
import { ApiConfig } from './config/api.config';
import { migrateCrm } from './database/migrate';

const SHUTDOWN_GRACE_MS = 8000;

async function main(): Promise<void> {
  // First, before anything connects: a bad variable stops the start with its name.
  const config = ApiConfig.load();
  const logger = new JsonLogger('crm-api', config.LOG_LEVEL);

  if (process.argv[2] === 'migrate') {
    const applied = await migrateCrm(config.DATABASE_URL);
    logger.log({ msg: 'migrated', applied });
    process.exit(0);
  }

  const app = await createApp(config, logger);
  await app.listen({ port: config.PORT, host: config.HOST, backlog: config.HTTP_LISTEN_BACKLOG });
  const address = app.getHttpServer().address();
  const port = typeof address === 'object' && address ? address.port : config.PORT;
  logger.log({ msg: 'listening', host: config.HOST, port });

  // Our own signal handling rather than Nest's enableShutdownHooks, which re-raises the
  // signal after closing (exit 143): app.close() stops accepting, ends live streams,
  // lets in-flight requests and the relay's batch finish, then closes the pools.
  const stop = (signal: NodeJS.Signals) => {
    logger.log({ msg: 'shutting down', signal });
    setTimeout(() => {
      logger.error({ msg: 'shutdown took too long; exiting' });
      process.exit(1);
    }, SHUTDOWN_GRACE_MS).unref();
    app.close().then(
      () => process.exit(0),
      (e: Error) => {
        logger.error({ msg: 'shutdown failed', error: e.message });
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

main().catch((error: Error) => {
  process.stderr.write(`${JSON.stringify({ time: new Date().toISOString(), level: 'error', service: 'crm-api', msg: error.message, stack: error.stack })}\n`);
  process.exit(1);
});
