import { MessageConsumerPact } from '@pact-foundation/pact';
import { mkdtempSync, readFileSync, copyFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

// Pact phones home unless told not to; this machine and CI have no use for it.
process.env.PACT_DO_NOT_TRACK = 'true';

/** The committed pact files: what crm-api is verified against (test/e2e/pact-provider). */
export const PACT_DIR = join(__dirname, '..', '..', 'pacts');
export const PROVIDER = 'crm-api';

export function pactFile(consumer: string): string {
  return join(PACT_DIR, `${consumer}-${PROVIDER}.json`);
}

/**
 * A consumer's pact, written to a scratch directory by its spec; `committedMatches`
 * then compares it with the committed file, so an expectation changed in a consumer
 * spec but not committed fails the run instead of going unverified.
 */
export function consumerPact(consumer: string) {
  const dir = mkdtempSync(join(tmpdir(), `pact-${consumer}-`));
  return {
    pact: () => new MessageConsumerPact({ consumer, provider: PROVIDER, dir, spec: 3, logLevel: 'warn' }),
    written: () => join(dir, `${consumer}-${PROVIDER}.json`),
  };
}

/** The interactions of a pact file, without Pact's own metadata (its versions). */
function interactionsOf(file: string): unknown {
  return JSON.parse(readFileSync(file, 'utf8')).messages;
}

/**
 * True when the freshly written pact says what the committed one says.
 * With PACT_UPDATE=1 the committed file is replaced first (how a consumer team
 * publishes a new expectation: `PACT_UPDATE=1 npm test -- test/unit/pact`).
 */
export function committedMatches(consumer: string, written: string): { ok: boolean; committed: string } {
  const committed = pactFile(consumer);
  if (process.env.PACT_UPDATE === '1') copyFileSync(written, committed);
  if (!existsSync(committed)) return { ok: false, committed };
  return { ok: JSON.stringify(interactionsOf(written)) === JSON.stringify(interactionsOf(committed)), committed };
}
