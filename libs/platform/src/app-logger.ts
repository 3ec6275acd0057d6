import { ConsoleLogger, type LogLevel } from '@nestjs/common';
import { inspect } from 'node:util';

/** LOG_LEVEL's values, each enabling itself and those above it. */
export type AppLogLevel = 'error' | 'warn' | 'info' | 'debug';
/** `json`: one JSON object per line (the default). `pretty`: coloured lines for a person at a terminal (scripts/start.js sets it). */
export const LOG_FORMATS = ['json', 'pretty'] as const;
export type LogFormat = (typeof LOG_FORMATS)[number];

const ENABLED: Record<AppLogLevel, LogLevel[]> = {
  error: ['fatal', 'error'],
  warn: ['fatal', 'error', 'warn'],
  info: ['fatal', 'error', 'warn', 'log'],
  debug: ['fatal', 'error', 'warn', 'log', 'debug', 'verbose'],
};
/** Nest's level names as our lines have always said them (operators alert on `"level":"error"`). */
const NAME: Record<LogLevel, AppLogLevel> = { fatal: 'error', error: 'error', warn: 'warn', log: 'info', debug: 'debug', verbose: 'debug' };
const isPlainObject = (v: unknown): v is Record<string, unknown> => !!v && typeof v === 'object' && Object.getPrototypeOf(v) === Object.prototype;

/**
 * Nest's ConsoleLogger for both apps. In JSON mode a line keeps the shape operators and
 * the tests read: `{"time","level","service","context"?,...fields,"stack"?}`, where the
 * fields of an object message (`msg`, `event_id`, …) sit at the top level so they can be
 * queried. Warnings and errors go to stderr, the rest to stdout, in both modes.
 */
export class AppLogger extends ConsoleLogger {
  constructor(
    private readonly service: string,
    level: AppLogLevel = 'info',
    format: LogFormat = 'json',
  ) {
    // Colours are asked for explicitly: under `npm start` stdout is a pipe to scripts/start.js, not the terminal.
    super({ json: format === 'json', colors: format === 'pretty', compact: true, prefix: service, logLevels: ENABLED[level] });
  }

  protected override printMessages(messages: unknown[], context?: string, logLevel: LogLevel = 'log', stream?: 'stdout' | 'stderr', errorStack?: unknown): void {
    const toStderr = logLevel === 'warn' || logLevel === 'error' || logLevel === 'fatal';
    super.printMessages(messages, context, logLevel, stream ?? (toStderr ? 'stderr' : 'stdout'), errorStack);
  }

  protected override printAsJson(message: unknown, options: { context: string; logLevel: LogLevel; writeStreamType?: 'stdout' | 'stderr'; errorStack?: unknown }): void {
    const line: Record<string, unknown> = { time: new Date().toISOString(), level: NAME[options.logLevel], service: this.service };
    if (options.context) line.context = options.context;
    if (message instanceof Error) Object.assign(line, { msg: message.message, stack: message.stack });
    else if (message && typeof message === 'object') Object.assign(line, message);
    else line.msg = String(message);
    if (options.errorStack) line.stack = options.errorStack;
    // Nest's serializer: bigints and Errors printed, cycles and huge values cut.
    process[options.writeStreamType ?? 'stdout'].write(`${this.stringifyJsonLogObject(line)}\n`);
  }

  /** Pretty mode: `msg` first, in the level's colour, then the other fields. */
  protected override stringifyMessage(message: unknown, logLevel: LogLevel): string {
    if (isPlainObject(message) && typeof message.msg === 'string') {
      const { msg, ...fields } = message;
      const rest = Object.keys(fields).length ? ` ${inspect(fields, this.inspectOptions)}` : '';
      return `${this.colorize(msg, logLevel)}${rest}`;
    }
    return super.stringifyMessage(message, logLevel) as string;
  }
}
