import { exitOnSignals, JsonLogger } from '@app/platform';
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

  // app.close() order: stop accepting, end live streams, let in-flight requests and the
  // relay's batch finish, then close the pools.
  exitOnSignals(app, logger, SHUTDOWN_GRACE_MS);
}

main().catch((error: Error) => {
  process.stderr.write(`${JSON.stringify({ time: new Date().toISOString(), level: 'error', service: 'crm-api', msg: error.message, stack: error.stack })}\n`);
  process.exit(1);
});
