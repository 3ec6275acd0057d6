import { LoggerConfig } from '../config/logger.config';
import { runDlq } from './dlq/dlq.command';
import { runRerender } from './rerender/rerender.command';

/**
 * Operator commands of the built logger (`node dist/apps/activity-logger/main.js <command>`),
 * so they run wherever the logger's image runs, with its configuration (DATABASE_URL,
 * AMQP_URL). Human-readable text on stdout, problems on stderr; the exit code says how it went.
 */
const COMMANDS = {
  dlq: (args: string[], config: LoggerConfig, out: Out, err: Out) => runDlq(args, config.AMQP_URL, out, err),
  rerender: (args: string[], config: LoggerConfig, out: Out, err: Out) => runRerender(args, config.DATABASE_URL, out, err),
};

type Out = (line: string) => void;

export function isOpsCommand(word: string | undefined): word is keyof typeof COMMANDS {
  return word !== undefined && Object.hasOwn(COMMANDS, word);
}

/** Runs `argv` = [command, ...args]; resolves with the process's exit code. */
export async function runOpsCommand(argv: string[], config: LoggerConfig): Promise<number> {
  const [command, ...args] = argv;
  if (!isOpsCommand(command)) throw new Error(`not an operator command: ${command}`);
  // `dlq list | head`: a closed pipe must not kill the command halfway (it would still
  // give the messages back, but a replay would stop between publish and ack).
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code !== 'EPIPE') throw e;
  });
  const out: Out = (line) => process.stdout.write(`${line}\n`);
  const err: Out = (line) => process.stderr.write(`${line}\n`);
  try {
    return await COMMANDS[command](args, config, out, err);
  } catch (e) {
    err(`${command} failed: ${(e as Error).message}`);
    return 1;
  }
}
