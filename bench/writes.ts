import { Client } from 'pg';
import { apiLoad, LoadOptions } from './api-load';
import { HttpClient } from './lib/http';
import { log, sleep, until } from './lib/log';
import { perRequest, stackCpu } from './lib/stack-cpu';

/**
 * The write paths under load (issue 11, "the cost of a write"): `POST /api/leads/`, a
 * lead's status and an opportunity's stage changed by PATCH. Shared by bench/run.ts and
 * bench/write-ab.ts. Each write is one record and its outbox event in one transaction,
 * then relay → broker → logger → one log: a load's CPU is counted until the logger has
 * written the log of every write it accepted, so the figure is the whole cost of a write.
 */
export const WRITES = ['post', 'patch.lead', 'patch.opp'] as const;
export type Write = (typeof WRITES)[number];
export const WRITE_LABEL: Record<Write, string> = {
  post: 'POST /api/leads/',
  'patch.lead': 'PATCH /api/leads/:id/ (status)',
  'patch.opp': 'PATCH /api/opportunities/:id/ (stage)',
};

/**
 * Each PATCH changes its record (a no-op PATCH emits nothing): records are taken in turn,
 * so with more records than connections no two requests at once touch the same row, and
 * each flips between two values, neither of them final ('converted', 'won', 'lost').
 */
class Flipper {
  private readonly flipped: boolean[];
  private k = 0;

  constructor(
    private readonly ids: string[],
    private readonly path: string,
    private readonly field: string,
    private readonly values: readonly [string, string],
  ) {
    this.flipped = ids.map(() => false);
  }

  next = () => {
    const i = this.k++ % this.ids.length;
    this.flipped[i] = !this.flipped[i];
    return { path: `${this.path}${this.ids[i]}/`, body: { [this.field]: this.values[this.flipped[i] ? 1 : 0] }, memo: i };
  };

  /** An answer that is not 2xx changed nothing: its record keeps its value. */
  answered = (status: number, _body: string, memo: unknown) => {
    if (status < 200 || status >= 300) this.flipped[memo as number] = !this.flipped[memo as number];
  };
}

/** The records the PATCHes change, created through the API (so they are what the API makes), and the load of each write. */
export class WriteTargets {
  private readonly lead: Flipper;
  private readonly opp: Flipper;

  private constructor(leads: string[], opportunities: string[]) {
    this.lead = new Flipper(leads, '/api/leads/', 'status', ['contacted', 'qualified']);
    this.opp = new Flipper(opportunities, '/api/opportunities/', 'stage', ['proposal', 'negotiation']);
  }

  /** Creates the records through `via` in turn (write-ab.ts gives both builds, so neither is warmer for having created them). */
  static async seed(via: HttpClient[], records: number): Promise<WriteTargets> {
    const create = async (path: string, body: (i: number) => unknown) => {
      const ids: string[] = new Array(records);
      let n = 0;
      // A keep-alive socket the server closes as it is reused resets: try once more (a lead too many is harmless here).
      const post = (i: number) => via[i % via.length].json<{ id: string }>('POST', path, body(i), 201);
      const worker = async () => {
        for (let i = n++; i < records; i = n++) ids[i] = (await post(i).catch((e: NodeJS.ErrnoException) => (e.code === 'ECONNRESET' ? post(i) : Promise.reject(e)))).id;
      };
      await Promise.all(Array.from({ length: 16 }, worker));
      return ids;
    };
    const leads = await create('/api/leads/', (i) => ({ name: `Write Lead ${i}`, company: 'ACME Corp', status: 'contacted' }));
    const opps = await create('/api/opportunities/', (i) => ({ name: `Write Deal ${i}`, amount: '50000.00', stage: 'proposal' }));
    log(`seeded ${records} leads and ${records} opportunities for the PATCHes`);
    return new WriteTargets(leads, opps);
  }

  /** The load options of one write; `accepted` collects the ids of the leads a POST created (201). */
  load(write: Write, accepted?: string[]): Pick<LoadOptions, 'method' | 'request' | 'onResponse'> {
    if (write === 'post')
      return {
        method: 'POST',
        request: () => ({ path: '/api/leads/', body: { name: 'Bench Lead', company: 'ACME Corp' } }),
        onResponse: accepted ? (status, body) => status === 201 && accepted.push((JSON.parse(body) as { id: string }).id) : undefined,
      };
    const f = write === 'patch.lead' ? this.lead : this.opp;
    return { method: 'PATCH', request: f.next, onResponse: f.answered };
  }
}

/** Logs the logger has written since it started (its /metrics counter). */
export async function logsWritten(loggerUrl: string): Promise<number> {
  const res = await fetch(new URL('/metrics', loggerUrl));
  const m = /^activity_logger_logs_written_total (\d+)/m.exec(await res.text());
  if (!m) throw new Error(`${loggerUrl}/metrics has no activity_logger_logs_written_total`);
  return Number(m[1]);
}

/** Waits until crm-api's outbox is empty and the logger has written nothing new for 300 ms: nothing of earlier work is left in the pipeline. */
export async function settled(apiUrl: string, loggerUrl: string) {
  let last = -1;
  await until(
    'the outbox to be empty and the logger idle',
    async () => {
      const h = (await (await fetch(new URL('/health', apiUrl))).json()) as { outbox?: { pending: number } };
      const n = await logsWritten(loggerUrl);
      const idle = (h.outbox?.pending ?? 0) === 0 && n === last;
      last = n;
      return idle;
    },
    300_000,
    300,
  );
}

export interface WriteRun {
  apiUrl: string;
  token: string;
  databaseUrl: string;
  loggerUrl: string;
  /** The processes whose CPU is counted by name (crm-api(s), logger); PostgreSQL and RabbitMQ always are. */
  apps: Record<string, { pid: number }>;
  connections: number;
  seconds: number;
  label: string;
}

/**
 * One closed-loop load of a write, its CPU counted from its start until the logger has
 * written one log per accepted write (within 60 s, or it fails): per process and in all.
 */
export async function measureWrite(targets: WriteTargets, write: Write, run: WriteRun) {
  const accepted: string[] = [];
  const base = await logsWritten(run.loggerUrl);
  const w = await stackCpu(run.databaseUrl, run.apps);
  const load = await apiLoad({ url: run.apiUrl, token: run.token, connections: run.connections, seconds: run.seconds, label: run.label, ...targets.load(write, accepted) });
  const loadEnd = Date.now();
  await until('the logger to write a log per accepted write', async () => (await logsWritten(run.loggerUrl)) >= base + load.total, 60_000, 50);
  const caughtUpMs = Date.now() - loadEnd;
  const cpu = await w.end();
  const { perRequestUs, othersShare } = perRequest(cpu, load.total);
  const totalUs = Object.values(perRequestUs).reduce((a, b) => a + b, 0);
  log(
    `  CPU per write: ${Object.entries(perRequestUs)
      .map(([k, v]) => `${k} ${v} µs`)
      .join(', ')}, whole system ${totalUs} µs; logger caught up ${caughtUpMs} ms after the load; everything else took ${(othersShare * 100).toFixed(0)} % of the machine`,
  );
  return { ...load, loadEnd, caughtUpMs, cpu, perRequestUs, totalUs, othersShare, accepted };
}

/**
 * "Every accepted lead logged": polls activity.interaction_log until each lead a POST
 * answered 201 for has its `lead.created` log, for at most `timeoutMs` after the load's
 * end. `lastAfterMs`: the last one's `logged_at` (its batch's transaction start) after
 * the load's end (negative: all were logged before the load ended).
 */
export async function acceptedLogged(databaseUrl: string, ids: string[], loadEnd: number, timeoutMs = 60_000) {
  const c = new Client({ connectionString: databaseUrl, application_name: 'bench logged check' });
  await c.connect();
  try {
    for (;;) {
      const { rows } = await c.query<{ n: number; last: string | null }>(
        `select count(distinct lead_id)::int as n, (extract(epoch from max(logged_at)) * 1000)::text as last
           from activity.interaction_log where event_type = 'lead.created' and lead_id = any($1::uuid[])`,
        [ids],
      );
      const { n, last } = rows[0];
      const lastAfterMs = last === null ? NaN : Number(last) - loadEnd;
      if (n === ids.length) return { accepted: ids.length, logged: n, lastAfterMs };
      if (Date.now() - loadEnd > timeoutMs)
        throw new Error(`${ids.length - n} of the ${ids.length} leads accepted (201) have no lead.created log ${timeoutMs / 1000} s after the load`);
      await sleep(200);
    }
  } finally {
    await c.end();
  }
}
