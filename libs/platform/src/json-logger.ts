import type { LoggerService } from '@nestjs/common';

type Level = 'error' | 'warn' | 'info' | 'debug';
const ORDER: Record<Level, number> = { error: 0, warn: 1, info: 2, debug: 3 };

/**
 * Structured JSON logs, one object per line, for both services. Fields passed as an
 * object (event_id, correlation_id, ...) land at the top level so they can be queried.
 */
export class JsonLogger implements LoggerService {
  constructor(
    private readonly service: string,
    private readonly level: Level = 'info',
  ) {}

  private write(level: Level, message: unknown, context?: unknown, extra?: Record<string, unknown>) {
    if (ORDER[level] > ORDER[this.level]) return;
    const line: Record<string, unknown> = { time: new Date().toISOString(), level, service: this.service };
    if (typeof context === 'string') line.context = context;
    if (message instanceof Error) {
      line.msg = message.message;
      line.stack = message.stack;
    } else if (message && typeof message === 'object') {
      Object.assign(line, message);
    } else {
      line.msg = String(message);
    }
    if (extra) Object.assign(line, extra);
    (level === 'error' || level === 'warn' ? process.stderr : process.stdout).write(`${JSON.stringify(line)}\n`);
  }

  log(message: unknown, context?: string) {
    this.write('info', message, context);
  }
  error(message: unknown, stackOrContext?: string, context?: string) {
    this.write('error', message, context ?? stackOrContext, context && stackOrContext ? { stack: stackOrContext } : undefined);
  }
  warn(message: unknown, context?: string) {
    this.write('warn', message, context);
  }
  debug(message: unknown, context?: string) {
    this.write('debug', message, context);
  }
  verbose(message: unknown, context?: string) {
    this.write('debug', message, context);
  }
}
