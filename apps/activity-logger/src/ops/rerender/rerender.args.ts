export const DEFAULT_RERENDER_BATCH = 1000;
const MAX_RERENDER_BATCH = 10_000;

export const RERENDER_USAGE = `usage: main.js rerender [--batch N]
  Re-computes the summary and type of every automatic log from its stored event data with
  the renderers of this build; updates only rows whose text changed; resumes an interrupted
  pass (activity.rerender_progress). N logs per transaction (default ${DEFAULT_RERENDER_BATCH}).`;

/** Parses the words after `rerender`; a string is the error to print with the usage. */
export function parseRerenderArgs(argv: string[]): { batch: number } | string {
  let batch = DEFAULT_RERENDER_BATCH;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--batch' || arg.startsWith('--batch=')) {
      const value = arg === '--batch' ? argv[++i] : arg.slice('--batch='.length);
      const n = Number(value);
      if (!Number.isInteger(n) || n < 1 || n > MAX_RERENDER_BATCH) return `--batch must be an integer from 1 to ${MAX_RERENDER_BATCH}`;
      batch = n;
    } else {
      return `unexpected argument: ${arg}`;
    }
  }
  return { batch };
}
