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

/** Parses the words after `dlq`; a string is the error to print with the usage. */
export function parseDlqArgs(argv: string[]): DlqCommand | string {
  const [action, ...rest] = argv;
  const flags = new Set(rest.filter((a) => a.startsWith('--') && !a.startsWith('--limit')));
  const words: string[] = [];
  let limit = DEFAULT_BROWSE_LIMIT;
  for (let i = 0; i < rest.length; i++) {
    const arg = rest[i];
    if (arg === '--limit' || arg.startsWith('--limit=')) {
      const value = arg === '--limit' ? rest[++i] : arg.slice('--limit='.length);
      const n = Number(value);
      if (!Number.isInteger(n) || n < 1 || n > MAX_BROWSE_LIMIT) return `--limit must be an integer from 1 to ${MAX_BROWSE_LIMIT}`;
      limit = n;
    } else if (!arg.startsWith('--')) {
      words.push(arg);
    }
  }
  const allowed: Record<string, string[]> = { list: [], show: [], replay: ['--all', '--force'], purge: ['--yes'] };
  if (!action || !(action in allowed)) return action ? `unknown dlq command: ${action}` : 'which dlq command?';
  const unknown = [...flags].filter((f) => !allowed[action].includes(f));
  if (unknown.length) return `${action} does not take ${unknown.join(', ')}`;
  switch (action) {
    case 'list':
      return words.length ? `list takes no arguments (got ${words.join(' ')})` : { action, limit };
    case 'show':
      return words.length === 1 ? { action, id: words[0], limit } : 'show takes exactly one ID';
    case 'replay': {
      const all = flags.has('--all');
      if (all === words.length > 0) return 'replay takes either IDs or --all';
      return { action, ids: words, all, force: flags.has('--force'), limit };
    }
    default:
      return words.length ? `purge takes no IDs (got ${words.join(' ')})` : { action: 'purge', yes: flags.has('--yes') };
  }
}
