import { intOption, intRangeError, isRefused, parseCommandLine } from '../args';

export const DEFAULT_RERENDER_BATCH = 1000;
const MAX_RERENDER_BATCH = 10_000;

export const RERENDER_USAGE = `usage: main.js rerender [--batch N]
  Re-computes the summary and type of every automatic log from its stored event data with
  the renderers of this build; updates only rows whose text changed; resumes an interrupted
  pass (activity.rerender_progress). N logs per transaction (default ${DEFAULT_RERENDER_BATCH}).`;

/** Parses the words after `rerender`; a string is the error to print with the usage. */
export function parseRerenderArgs(argv: string[]): { batch: number } | string {
  const parsed = parseCommandLine(argv, { batch: { type: 'string' } }, false);
  // The only value the parser refuses is a missing one (`--batch` last).
  if (isRefused(parsed)) return parsed.refused === 'value' ? intRangeError('batch', MAX_RERENDER_BATCH) : `unexpected argument: ${parsed.word}`;
  const batch = intOption('batch', parsed.values.batch, DEFAULT_RERENDER_BATCH, MAX_RERENDER_BATCH);
  return typeof batch === 'string' ? batch : { batch };
}
