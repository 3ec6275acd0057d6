import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import type { AddressInfo } from 'node:net';
import { AppLogger, exitOnSignals } from '@app/platform';
import { LoggerConfig } from './config/logger.config';
import { LoggerModule } from './logger.module';
import { isOpsCommand, runOpsCommand } from './ops/ops.command';
import { AmqpBatchServer } from './transport/amqp-batch.server';

const SERVICE = 'activity-logger';
/** Past this after SIGTERM/SIGINT the process exits whatever it was waiting for. */
const HARD_EXIT_MS = 10_000;

async function serve(config: LoggerConfig, logger: AppLogger): Promise<void> {
  const app = await NestFactory.create<NestFastifyApplication>(LoggerModule.forRoot(config), new FastifyAdapter(), { logger });
  // SIGTERM/SIGINT -> app.close(): the transport stops consuming, writes and acks what it
  // holds and closes the broker link; then the HTTP port; then the database pool.
  exitOnSignals(app, logger, HARD_EXIT_MS);
  app.connectMicroservice({ strategy: app.get(AmqpBatchServer) });
  // Health first, so readiness can say "not yet" while the broker is being reached.
  await app.listen(config.LOGGER_HTTP_PORT, '0.0.0.0');
  const { port } = app.getHttpServer().address() as AddressInfo;
  logger.log({ msg: 'listening', port });
  await app.startAllMicroservices();
}

async function main(): Promise<void> {
  // First, before anything connects: a bad variable stops the start with its name. Loaded
  // once, here, and passed in (LoggerModule.forRoot): no module reads the environment again.
  const config = LoggerConfig.load();
  const logger = new AppLogger(SERVICE, config.LOG_LEVEL, config.LOG_FORMAT);
  if (process.argv[2] === 'migrate') {
    // Loaded only here: MikroORM is for migrations alone (batches are plain SQL), and
    // leaving it out of the running logger saves ~20 MB of its resident memory.
    const { migrateActivity } = await import('./database/migrate');
    const applied = await migrateActivity(config.DATABASE_URL, (message) => logger.log({ msg: message }, 'MikroORM'));
    logger.log({ msg: 'migrated', applied });
    process.exit(0);
  }
  // dlq, rerender: operator commands (ops/ops.command.ts), then exit.
  if (isOpsCommand(process.argv[2])) process.exit(await runOpsCommand(process.argv.slice(2), config));
  await serve(config, logger);
}

main().catch((err: Error) => {
  // The configuration may be what failed: JSON, the default format.
  new AppLogger(SERVICE).error({ msg: err.message, stack: err.stack });
  process.exit(1);
});
