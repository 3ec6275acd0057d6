import { JsonLogger } from '@app/platform';
import { createApp } from './app.factory';
import { ApiConfig } from './config/api.config';
import { migrateCrm } from './database/migrate';

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
  await app.listen({ port: config.PORT, host: config.HOST });
  const address = app.getHttpServer().address();
  const port = typeof address === 'object' && address ? address.port : config.PORT;
  logger.log({ msg: 'listening', host: config.HOST, port });
}

main().catch((error: Error) => {
  process.stderr.write(`${JSON.stringify({ time: new Date().toISOString(), level: 'error', service: 'crm-api', msg: error.message, stack: error.stack })}\n`);
  process.exit(1);
});
