import { parseArgs } from 'node:util';

type Options = Record<string, { type: 'string' | 'boolean' }>;
export type Parsed = { values: Record<string, string | boolean | undefined>; positionals: string[] };
/** What node:util's parser refused: its error code and the word it names. */
export type Refused = { refused: 'unknown' | 'value' | 'positional'; word: string };

const REFUSALS: Record<string, Refused['refused']> = {
  ERR_PARSE_ARGS_UNKNOWN_OPTION: 'unknown',
  ERR_PARSE_ARGS_INVALID_OPTION_VALUE: 'value',
  ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL: 'positional',
};

/**
 * node:util's parseArgs (strict: unknown options are refused), with its refusals as
 * values: each command words its own message, printed with its usage.
 */
export function parseCommandLine(args: string[], options: Options, allowPositionals: boolean): Parsed | Refused {
  try {
    return parseArgs({ args, options, allowPositionals, strict: true });
  } catch (e) {
    const refused = REFUSALS[(e as NodeJS.ErrnoException).code ?? ''];
    if (!refused) throw e;
    // The parser's messages quote the word: "Unknown option '--all'", "Unexpected argument 'x'…".
    const word = /'(-{0,2}[^' ]+)/.exec((e as Error).message)?.[1] ?? '';
    return { refused, word };
  }
}

export const isRefused = (r: Parsed | Refused): r is Refused => 'refused' in r;

export const intRangeError = (name: string, max: number) => `--${name} must be an integer from 1 to ${max}`;

/** An integer option from 1 to max (fallback when absent), or the message saying so. */
export function intOption(name: string, value: string | boolean | undefined, fallback: number, max: number): number | string {
  if (value === undefined) return fallback;
  const n = Number(value);
  return Number.isInteger(n) && n >= 1 && n <= max ? n : intRangeError(name, max);
}
