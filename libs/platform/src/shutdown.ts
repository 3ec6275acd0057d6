import type { INestApplicationContext, LoggerService } from '@nestjs/common';

const SIGNALS = ['SIGTERM', 'SIGINT'] as const;

/**
 * The one shutdown both apps use: on SIGTERM/SIGINT Nest's hooks run in order (stop
 * taking work, finish what is in flight, close pools and links) and the process exits 0
 * (`useProcessExit`: Nest would otherwise re-raise the signal, exit 143); a failing hook
 * exits 1. Past `graceMs` the process exits 1 whatever it was still waiting for.
 */
export function exitOnSignals(app: INestApplicationContext, logger: LoggerService, graceMs: number): void {
  app.enableShutdownHooks([...SIGNALS], { useProcessExit: true });
  for (const signal of SIGNALS) {
    process.once(signal, () => {
      logger.log({ msg: 'shutting down', signal });
      setTimeout(() => {
        logger.error({ msg: 'shutdown took too long: exiting', after_ms: graceMs });
        process.exit(1);
      }, graceMs).unref();
    });
  }
}
