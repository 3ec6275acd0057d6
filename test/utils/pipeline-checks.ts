import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { Client } from 'pg';
import { ROOT } from '../support/resources';
import { eventually } from './eventually';

/**
 * Every lead answered 201 is kept; every lead named `<prefix> …` (a 503 may have been
 * committed too, if the line died after the commit) is published and logged exactly
 * once, and nothing is left in the outbox. Polled until `timeoutMs`.
 */
export async function expectEveryLeadLoggedOnce(db: Client, prefix: string, createdIds: string[], timeoutMs = 30_000) {
  const kept = await db.query<{ n: number }>('select count(*)::int as n from crm.leads where id = any($1::uuid[])', [createdIds]);
  expect(kept.rows[0].n).toBe(createdIds.length);
  await eventually(
    async () => {
      const { rows } = await db.query<{ unsent: number; leads: number; logged_once: number; logs: number }>(
        `select (select count(*)::int from crm.outbox where sent_at is null) as unsent,
                count(*)::int as leads,
                count(*) filter (where n = 1)::int as logged_once,
                coalesce(sum(n), 0)::int as logs
         from (select l.id, (select count(*) from activity.interaction_log g where g.lead_id = l.id) as n
               from crm.leads l where l.name like $1) per_lead`,
        [`${prefix} %`],
      );
      expect(rows[0]).toEqual({ unsent: 0, leads: rows[0].leads, logged_once: rows[0].leads, logs: rows[0].leads });
      expect(rows[0].leads).toBeGreaterThanOrEqual(createdIds.length);
    },
    { timeout: timeoutMs, interval: 500 },
  );
}

/** Both apps' migrations (`npm run migrate`, built) against `databaseUrl`. */
export function migrate(databaseUrl: string, env: NodeJS.ProcessEnv = {}) {
  return new Promise<void>((resolve, reject) =>
    execFile(
      process.execPath,
      [join(ROOT, 'scripts', 'migrate.js')],
      { cwd: ROOT, env: { ...process.env, DATABASE_URL: databaseUrl, ...env }, timeout: 300_000 },
      (err, _out, stderr) => (err ? reject(new Error(`migrate failed: ${stderr || err.message}`)) : resolve()),
    ),
  );
}
