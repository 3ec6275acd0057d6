import { intOption, intRangeError, isRefused, parseCommandLine } from '../args';

/** Most messages one invocation reads (the consumer's prefetch: AMQP allows 65535 at most). */
export const DEFAULT_BROWSE_LIMIT = 10_000;
const MAX_BROWSE_LIMIT = 65_535;

export type DlqCommand =
  | { action: 'list'; limit: number }
  | { action: 'show'; id: string; limit: number }
  | { action: 'replay'; ids: string[]; all: boolean; force: boolean; limit: number }
  | { action: 'purge'; yes: boolean };

export const DLQ_USAGE = `usage: main.js dlq <command>
  list [--limit N]                      one line per dead letter (id, type, attempts, when, reason), then counts by reason
  show ID [--limit N]                   every header and the body of one dead letter
  replay (ID... | --all) [--force] [--limit N]
                                        republish to crm.events with the original routing key, then remove from the DLQ;
                                        messages that still fail validation stay unless --force
  purge [--yes]                         delete every dead letter (without --yes: only say how many)`;

/** The flags each command takes besides --limit. */
const FLAGS = { list: [], show: [], replay: ['all', 'force'], purge: ['yes'] } as const;
type Action = keyof typeof FLAGS;
const OPTIONS = { limit: { type: 'string' }, all: { type: 'boolean' }, force: { type: 'boolean' }, yes: { type: 'boolean' } } as const;

/** Parses the words after `dlq`; a string is the error to print with the usage. */
export function parseDlqArgs(argv: string[]): DlqCommand | string {
  const [action, ...rest] = argv;
  if (!action || !(action in FLAGS)) return action ? `unknown dlq command: ${action}` : 'which dlq command?';
  const parsed = parseCommandLine(rest, OPTIONS, true);
  if (isRefused(parsed)) {
    // A missing --limit value, or a value given to a flag; else an option no command takes.
    if (parsed.refused === 'value') return parsed.word === '--limit' ? intRangeError('limit', MAX_BROWSE_LIMIT) : `${parsed.word} takes no value`;
    return `${action} does not take ${parsed.word}`;
  }
  const { values, positionals: words } = parsed;
  const flags = Object.keys(values).filter((name) => name !== 'limit');
  const unknown = flags.filter((f) => !(FLAGS[action as Action] as readonly string[]).includes(f));
  if (unknown.length) return `${action} does not take ${unknown.map((f) => `--${f}`).join(', ')}`;
  const limit = intOption('limit', values.limit, DEFAULT_BROWSE_LIMIT, MAX_BROWSE_LIMIT);
  if (typeof limit === 'string') return limit;
  switch (action as Action) {
    case 'list':
      return words.length ? `list takes no arguments (got ${words.join(' ')})` : { action: 'list', limit };
    case 'show':
      return words.length === 1 ? { action: 'show', id: words[0], limit } : 'show takes exactly one ID';
    case 'replay': {
      const all = values.all === true;
      if (all === words.length > 0) return 'replay takes either IDs or --all';
      return { action: 'replay', ids: words, all, force: values.force === true, limit };
    }
    case 'purge':
      return words.length ? `purge takes no IDs (got ${words.join(' ')})` : { action: 'purge', yes: values.yes === true };
  }
}
