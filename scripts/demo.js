#!/usr/bin/env node
'use strict';
// `npm run demo`: the original test_interaction_signals.py, against the running system.
// Creates sample data through crm-api's REST API (start it first: `npm start`), waits
// for the activity-logger to write the feed, then prints the feed as a rep would see it.
//   DEMO_API_URL (default http://127.0.0.1:3000), ADMIN_EMAIL, ADMIN_PASSWORD.
const { randomBytes } = require('node:crypto');

const BASE = process.env.DEMO_API_URL || `http://127.0.0.1:${process.env.PORT || 3000}`;
const ADMIN = { email: process.env.ADMIN_EMAIL || 'admin@example.com', password: process.env.ADMIN_PASSWORD || 'admin' };
const WAIT_MS = 20_000;
const tag = randomBytes(2).toString('hex');

async function call(token, method, path, body) {
  const res = await fetch(new URL(path, BASE), {
    method,
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const data = res.status === 204 ? null : await res.json();
  if (res.status >= 300) throw new Error(`${method} ${path} -> ${res.status} ${JSON.stringify(data)}`);
  return data;
}

async function main() {
  const { token } = await call(null, 'POST', '/api/auth/token/', ADMIN);
  const as = (t) => ({
    post: (p, b) => call(t, 'POST', p, b),
    patch: (p, b) => call(t, 'PATCH', p, b),
    get: (p) => call(t, 'GET', p),
  });
  const admin = as(token);
  const me = await admin.get('/api/users/me/');
  const rep = await admin.post('/api/users/', {
    email: `rep.${tag}@example.com`, password: `demo-${randomBytes(6).toString('hex')}`, name: `Sam Rep ${tag}`, role: 'sales_rep',
  });
  const step = (text) => console.log(`- ${text}`);

  console.log(`Sample data (run ${tag}), as ${me.name}:`);
  const lead = await admin.post('/api/leads/', { name: `John Doe ${tag}`, email: 'john@example.com', company: 'ACME Corp', assigned_to: rep.id });
  step(`lead ${lead.name} from ${lead.company}, assigned to ${rep.name}`);
  for (const status of ['contacted', 'qualified']) {
    await admin.patch(`/api/leads/${lead.id}/`, { status });
    step(`lead status -> ${status}`);
  }
  await admin.patch(`/api/leads/${lead.id}/`, { phone: '+1 555 0100' });
  step('lead phone changed (no status change: no log)');
  const solo = await admin.post('/api/leads/', { name: `Jane Roe ${tag}` });
  step(`lead ${solo.name} with no company`);
  await admin.patch(`/api/leads/${solo.id}/`, { status: 'disqualified' });
  step('lead status -> disqualified');

  const converted = await admin.post(`/api/leads/${lead.id}/convert/`, { opportunity: { name: `ACME Expansion ${tag}`, amount: '50000' } });
  const opp = converted.opportunity;
  step(`lead converted: contact ${converted.contact.name}, opportunity ${opp.name} worth ${opp.amount}`);
  for (const stage of ['proposal', 'negotiation', 'won']) {
    await admin.patch(`/api/opportunities/${opp.id}/`, { stage });
    step(`opportunity stage -> ${stage}`);
  }
  await admin.post('/api/quotes/', { title: `ACME Q-${tag}`, total_price: 1234.5, opportunity: opp.id });
  step('quote for 1234.5');
  const task = await admin.post('/api/tasks/', {
    action: 'Call', target: `John Doe at ACME Corp`, type: 'call', lead: lead.id, contact: converted.contact.id, opportunity: opp.id,
  });
  await admin.post(`/api/tasks/${task.id}/mark_completed/`, { notes: 'Interested in the pro plan' });
  step('task completed with notes');
  const manual = await admin.post(`/api/leads/${lead.id}/log_interaction/`, { type: 'call', summary: 'Had a great conversation about their requirements' });
  step(`manual call logged (202, log id ${manual.id})`);

  // 15 logs are expected for this lead's records: wait for the last one, then print.
  const query = `/api/interaction-logs/?opportunity=${opp.id}&include_contact=true&limit=100`;
  const deadline = Date.now() + WAIT_MS;
  let logs = [];
  for (;;) {
    const [byLead, byOpp, bySolo] = await Promise.all([
      admin.get(`/api/interaction-logs/?lead=${lead.id}&limit=100`),
      admin.get(query),
      admin.get(`/api/interaction-logs/?lead=${solo.id}&limit=100`),
    ]);
    const seen = new Map([...byLead.results, ...byOpp.results, ...bySolo.results].map((l) => [l.id, l]));
    logs = [...seen.values()].sort((a, b) => (a.timestamp < b.timestamp ? 1 : a.timestamp > b.timestamp ? -1 : 0));
    if (logs.length >= 15 || Date.now() > deadline) break;
    await new Promise((r) => setTimeout(r, 200));
  }
  const names = new Map((await admin.get('/api/users/?limit=100')).results.map((u) => [u.id, u.name]));
  console.log(`\nActivity feed (newest first, ${logs.length} logs):`);
  for (const l of logs) {
    console.log(`${l.timestamp}  ${l.type.padEnd(7)} ${l.source.padEnd(6)} ${(names.get(l.user) || l.user).padEnd(18)} ${l.summary}`);
  }
  if (logs.length < 15) {
    console.error(`\nOnly ${logs.length} of 15 logs after ${WAIT_MS / 1000}s: is the activity-logger running? GET /api/interaction-logs/status/ says:`);
    console.error(JSON.stringify(await admin.get('/api/interaction-logs/status/'), null, 2));
    process.exit(1);
  }
}

main().catch((e) => {
  console.error(`demo failed: ${e.message}${e.cause ? ` (${e.cause.code || e.cause.message})` : ''}\nIs the system running? Start it with: npm start`);
  process.exit(1);
});
