/**
 * `npm run demo`: the original test_interaction_signals.py, against the running system,
 * through the typed client (libs/client), so the client is proven wherever the demo runs
 * (test/e2e/typed-client runs it on every test run).
 * Creates sample data through crm-api's REST API (start it first: `npm start`), waits
 * for the activity-logger to write the feed, then prints the feed as a rep would see it.
 *   DEMO_API_URL (default http://127.0.0.1:3000), ADMIN_EMAIL, ADMIN_PASSWORD.
 */
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { CrmClient, isLog, operations, signIn } from '@app/client';

const BASE = process.env.DEMO_API_URL || `http://127.0.0.1:${process.env.PORT || 3000}`;
const ADMIN = { email: process.env.ADMIN_EMAIL || 'admin@example.com', password: process.env.ADMIN_PASSWORD || 'admin' };
const WAIT_MS = 20_000;
const EXPECTED_LOGS = 15;
const tag = randomBytes(2).toString('hex');

/** The data of a successful call; otherwise an error naming the call and the API's answer. */
async function ok<R extends { data?: unknown; error?: unknown; response: Response }>(what: string, call: Promise<R>): Promise<NonNullable<R['data']>> {
  const { data, error, response } = await call;
  if (!response.ok) throw new Error(`${what} -> ${response.status} ${JSON.stringify(error)}`);
  return data as NonNullable<R['data']>;
}

type FeedQuery = NonNullable<operations['FeedController_list']['parameters']['query']>;

async function feed(admin: CrmClient, query: FeedQuery) {
  const page = await ok('GET /api/interaction-logs/', admin.GET('/api/interaction-logs', { params: { query: { ...query, limit: 100 } } }));
  return page.results.filter(isLog);
}

async function main(): Promise<void> {
  const admin = await signIn(BASE, ADMIN);
  const me = await ok('GET /api/users/me/', admin.GET('/api/users/me'));
  const rep = await ok(
    'POST /api/users/',
    admin.POST('/api/users', { body: { email: `rep.${tag}@example.com`, password: `demo-${randomBytes(6).toString('hex')}`, name: `Sam Rep ${tag}`, role: 'sales_rep' } }),
  );
  const step = (text: string) => console.log(`- ${text}`);

  console.log(`Sample data (run ${tag}), as ${me.name}:`);
  const lead = await ok('POST /api/leads/', admin.POST('/api/leads', { body: { name: `John Doe ${tag}`, email: 'john@example.com', company: 'ACME Corp', assigned_to: rep.id } }));
  step(`lead ${lead.name} from ${lead.company}, assigned to ${rep.name}`);
  const patchLead = (body: Record<string, unknown>) => ok('PATCH /api/leads/{id}/', admin.PATCH('/api/leads/{id}', { params: { path: { id: lead.id } }, body }));
  for (const status of ['contacted', 'qualified'] as const) {
    await patchLead({ status });
    step(`lead status -> ${status}`);
  }
  await patchLead({ phone: '+1 555 0100' });
  step('lead phone changed (no status change: no log)');
  const solo = await ok('POST /api/leads/', admin.POST('/api/leads', { body: { name: `Jane Roe ${tag}` } }));
  step(`lead ${solo.name} with no company`);
  await ok('PATCH /api/leads/{id}/', admin.PATCH('/api/leads/{id}', { params: { path: { id: solo.id } }, body: { status: 'disqualified' } }));
  step('lead status -> disqualified');

  const converted = await ok(
    'POST /api/leads/{id}/convert/',
    admin.POST('/api/leads/{id}/convert', { params: { path: { id: lead.id } }, body: { opportunity: { name: `ACME Expansion ${tag}`, amount: '50000' } } }),
  );
  const opp = converted.opportunity;
  step(`lead converted: contact ${converted.contact.name}, opportunity ${opp.name} worth ${opp.amount}`);
  for (const stage of ['proposal', 'negotiation', 'won'] as const) {
    await ok('PATCH /api/opportunities/{id}/', admin.PATCH('/api/opportunities/{id}', { params: { path: { id: opp.id } }, body: { stage } }));
    step(`opportunity stage -> ${stage}`);
  }
  await ok('POST /api/quotes/', admin.POST('/api/quotes', { body: { title: `ACME Q-${tag}`, total_price: 1234.5, opportunity: opp.id } }));
  step('quote for 1234.5');
  const task = await ok(
    'POST /api/tasks/',
    admin.POST('/api/tasks', { body: { action: 'Call', target: 'John Doe at ACME Corp', type: 'call', lead: lead.id, contact: converted.contact.id, opportunity: opp.id } }),
  );
  await ok(
    'POST /api/tasks/{id}/mark_completed/',
    admin.POST('/api/tasks/{id}/mark_completed', { params: { path: { id: task.id } }, body: { notes: 'Interested in the pro plan' } }),
  );
  step('task completed with notes');
  const manual = await ok(
    'POST /api/leads/{id}/log_interaction/',
    admin.POST('/api/leads/{id}/log_interaction', { params: { path: { id: lead.id } }, body: { type: 'call', summary: 'Had a great conversation about their requirements' } }),
  );
  step(`manual call logged (202, log id ${manual.id})`);

  // 15 logs are expected for this lead's records: wait for the last one, then print.
  const deadline = Date.now() + WAIT_MS;
  let logs: Awaited<ReturnType<typeof feed>>;
  for (;;) {
    const pages = await Promise.all([feed(admin, { lead: lead.id }), feed(admin, { opportunity: opp.id, include_contact: 'true' }), feed(admin, { lead: solo.id })]);
    logs = [...new Map(pages.flat().map((l) => [l.id, l])).values()].sort((a, b) => (a.timestamp < b.timestamp ? 1 : a.timestamp > b.timestamp ? -1 : 0));
    if (logs.length >= EXPECTED_LOGS || Date.now() > deadline) break;
    await sleep(200); // polling the feed until the logger caught up, bounded by WAIT_MS
  }
  const users = await ok('GET /api/users/', admin.GET('/api/users', { params: { query: { limit: 100 } } }));
  const names = new Map(users.results.map((u) => [u.id, u.name]));
  console.log(`\nActivity feed (newest first, ${logs.length} logs):`);
  for (const l of logs) console.log(`${l.timestamp}  ${l.type.padEnd(7)} ${l.source.padEnd(6)} ${(names.get(l.user ?? '') || l.user || '').padEnd(18)} ${l.summary}`);
  if (logs.length < EXPECTED_LOGS) {
    console.error(`\nOnly ${logs.length} of ${EXPECTED_LOGS} logs after ${WAIT_MS / 1000}s: is the activity-logger running? GET /api/interaction-logs/status/ says:`);
    console.error(JSON.stringify(await ok('GET /api/interaction-logs/status/', admin.GET('/api/interaction-logs/status')), null, 2));
    process.exit(1);
  }
}

main().catch((e: Error & { cause?: { code?: string; message?: string } }) => {
  console.error(`demo failed: ${e.message}${e.cause ? ` (${e.cause.code || e.cause.message})` : ''}\nIs the system running? Start it with: npm start`);
  process.exit(1);
});
