import { Client } from 'pg';
import { CrmEvent } from '@app/contracts';
import { insertBatchSql } from '../apps/activity-logger/src/logs/insert-batch.sql';
import { cpuWindow } from './lib/cpu';
import { EventMix } from './lib/events';

const COLUMNS = ['id', 'timestamp', 'user_id', 'type', 'summary', 'lead_id', 'contact_id', 'opportunity_id', 'source', 'event_type', 'event_version', 'correlation_id', 'data'];

/** A log row as the logger writes it, from an event (the summary need not be the real one). */
function rowOf(e: CrmEvent): unknown[] {
  const d = e.data as Record<string, any>;
  return [
    e.id,
    e.time,
    d.actor?.id ?? d.owner_id,
    d.type ?? 'note',
    `${e.type}: ${d.name ?? d.summary ?? d.title ?? d.action ?? ''}`,
    d.lead_id ?? null,
    d.contact_id ?? null,
    d.opportunity_id ?? null,
    e.type === 'interaction.logged' ? 'manual' : 'auto',
    e.type,
    e.dataversion,
    e.correlationid,
    JSON.stringify(d),
  ];
}

function insertSql(table: string, rows: number) {
  const values: string[] = [];
  for (let r = 0; r < rows; r++) values.push(`(${COLUMNS.map((_, c) => `$${r * COLUMNS.length + c + 1}`).join(',')})`);
  return `insert into ${table} (${COLUMNS.map((c) => `"${c}"`).join(',')}) values ${values.join(',')} on conflict do nothing`;
}

/** A row array (COLUMNS order) as the logger's statement reads it: one JSON object per row. */
function batchRowOf(row: unknown[]) {
  const [id, ts, user_id, type, summary, lead_id, contact_id, opportunity_id, source, event_type, event_version, correlation_id, data] = row;
  return { id, ts, user_id, type, summary, lead_id, contact_id, opportunity_id, source, event_type, event_version, correlation_id, data: JSON.parse(data as string) };
}

/**
 * PostgreSQL's own speed for the logger's write: a parameterised multi-row insert of
 * `batch` rows per statement (ON CONFLICT DO NOTHING, as the logger: the key is (id, "timestamp"); each its own transaction)
 * into a copy of activity.interaction_log with all its indexes, constraints and
 * defaults (CREATE TABLE ... LIKE ... INCLUDING ALL), by `connections` sessions at once.
 * The rows are built before the clock starts; the table starts empty, as in the drain.
 */
export async function rawDb(databaseUrl: string, n: number, batch: number, connections: number, shape: 'values' | 'logger' = 'values') {
  const setup = new Client({ connectionString: databaseUrl, application_name: 'bench raw-db' });
  await setup.connect();
  const table = 'bench_raw.interaction_log';
  try {
    await setup.query('create schema if not exists bench_raw');
    await setup.query(`create table if not exists ${table} (like activity.interaction_log including all)`);
    await setup.query(`truncate ${table}`);
    const mix = new EventMix();
    const rows = Array.from({ length: n }, () => rowOf(mix.next()));
    const batches: unknown[][][] = [];
    for (let i = 0; i < rows.length; i += batch) batches.push(rows.slice(i, i + batch));
    const clients = await Promise.all(
      Array.from({ length: connections }, async () => {
        const c = new Client({ connectionString: databaseUrl, application_name: 'bench raw-db' });
        await c.connect();
        return c;
      }),
    );
    try {
      const backends = await Promise.all(clients.map(async (c) => (await c.query<{ pid: number }>('select pg_backend_pid() as pid')).rows[0].pid));
      const cpu = cpuWindow({ postgres: () => backends });
      let next = 0;
      const t0 = process.hrtime.bigint();
      await Promise.all(
        clients.map(async (c) => {
          for (;;) {
            const b = batches[next++];
            if (!b) return;
            if (shape === 'values') {
              // A named statement, as a pool-backed repository would reuse it: parsed and planned once per session.
              await c.query({ name: `raw_insert_${b.length}`, text: insertSql(table, b.length), values: b.flat() });
            } else {
              // The logger's own statement (analysis only), imported from it: the batch as one
              // JSON parameter through jsonb_to_recordset, RETURNING, the NOTIFY; autocommit.
              await c.query(insertBatchSql(table), [JSON.stringify(b.map(batchRowOf))]);
            }
          }
        }),
      );
      const s = Number(process.hrtime.bigint() - t0) / 1e9;
      const used = cpu.end();
      const { rows: cnt } = await setup.query<{ n: string }>(`select count(*) as n from ${table}`);
      if (Number(cnt[0].n) !== n) throw new Error(`raw insert: ${cnt[0].n} rows, expected ${n}`);
      return { rowsPerS: n / s, rows: n, batch, connections, shape, pgCpuUsPerRow: (used.groups.postgres * 1000) / n, machineBusyShare: used.machineBusyMs / used.machineTotalMs };
    } finally {
      await Promise.all(clients.map((c) => c.end()));
    }
  } finally {
    await setup.query(`truncate ${table}`).catch(() => undefined);
    await setup.end();
  }
}
