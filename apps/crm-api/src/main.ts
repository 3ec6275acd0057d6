import { AppLogger, exitOnSignals } from '@app/platform';
import { createApp } from './app.factory';
import { bindWithoutDeprecatedProperty } from './common/async-resource-bind';
import { ApiConfig } from './config/api.config';
import { migrateCrm } from './database/migrate';

const SERVICE = 'crm-api';
/** Past this after SIGTERM/SIGINT the process exits whatever it was waiting for. */
const HARD_EXIT_MS = 8000;

async function main(): Promise<void> {
  // Before any request: Node 20's AsyncResource#bind is costly per call (common/async-resource-bind.ts).
  bindWithoutDeprecatedProperty();
  // First, before anything connects: a bad variable stops the start with its name. Loaded
  // once, here, and passed in: no module reads the environment again.
  const config = ApiConfig.load();
  const logger = new AppLogger(SERVICE, config.LOG_LEVEL, config.LOG_FORMAT);

  if (process.argv[2] === 'migrate') {
    const applied = await migrateCrm(config.DATABASE_URL);
    logger.log({ msg: 'migrated', applied });
    process.exit(0);
  }

  const app = await createApp(config, logger);
  // SIGTERM/SIGINT -> app.close(): stop accepting, end live streams, let in-flight requests
  // and the relay's batch finish, then close the pools.
  exitOnSignals(app, logger, HARD_EXIT_MS);
  await app.listen({ port: config.PORT, host: config.HOST, backlog: config.HTTP_LISTEN_BACKLOG });
  const address = app.getHttpServer().address();
  const port = typeof address === 'object' && address ? address.port : config.PORT;
  logger.log({ msg: 'listening', host: config.HOST, port });
}

main().catch((error: Error) => {
  // The configuration may be what failed: JSON, the default format.
  new AppLogger(SERVICE).error({ msg: error.message, stack: error.stack });
  process.exit(1);
});
