import {
  ApiClient,
  create,
  createUser,
  eventually,
  expectNewestFirst,
  expectStatus,
  feed,
  InteractionLog,
  logsEventually,
  logWithSummary,
  uniq,
  update,
  User,
  withSystem,
} from '../utils';

// jest reads testTimeout only from the top level of its config, not from a project's.
jest.setTimeout(120_000);

/**
 * The spec's query examples, through the real pipeline: by lead, by rep, the 20 most
 * recent, and an opportunity together with its contact. Users are created per test, so
 * `?user=` sees only this file's logs whatever else runs beside it.
 */
describe('activity feed queries', () => {
  const sys = withSystem();

  const logInteraction = async (client: ApiClient, resource: string, id: string, type: string, summary: string) =>
    expectStatus<{ id: string }>(await client.post(`/api/${resource}/${id}/log_interaction/`, { type, summary }), 202, 'log_interaction');

  it("?lead= returns all of that lead's logs and no other, newest first", async () => {
    const rep = await createUser(sys.admin);
    const name = uniq('Feed Lead');
    const lead = await create(rep.client, 'leads', { name });
    const other = await create(rep.client, 'leads', { name: uniq('Other Lead') });
    await update(rep.client, 'leads', lead.id, { status: 'contacted' });
    await logInteraction(rep.client, 'leads', lead.id, 'call', `Called ${name}`);
    await logInteraction(rep.client, 'leads', other.id, 'call', 'Called the other lead');

    const logs = await logsEventually(sys.admin, { lead: lead.id }, 3);
    expect(logs.map((l) => l.summary)).toEqual([`Called ${name}`, `Lead ${name} contacted for the first time`, `New lead created: ${name}`]);
    expect(logs.every((l) => l.lead === lead.id)).toBe(true);
    expectNewestFirst(logs);
  });

  it('?user= returns every log attributed to that rep and only those, newest first', async () => {
    const rep = await createUser(sys.admin);
    const name = uniq('Rep Lead');
    const lead = await create(rep.client, 'leads', { name });
    await update(sys.admin, 'leads', lead.id, { status: 'qualified' }); // the admin's, not the rep's
    await logInteraction(rep.client, 'leads', lead.id, 'email', `Emailed ${name}`);
    await logWithSummary(sys.admin, { lead: lead.id }, `Lead ${name} qualified as a potential customer`);

    const logs = await logsEventually(sys.admin, { user: rep.id }, 2);
    expect(logs.map((l) => l.summary)).toEqual([`Emailed ${name}`, `New lead created: ${name}`]);
    expect(logs.every((l) => l.user === rep.id)).toBe(true);
  });

  it('answers the 20 most recent logs newest first, and the next page continues where it stopped', async () => {
    const rep: User = await createUser(sys.admin);
    const lead = await create(rep.client, 'leads', { name: uniq('Busy Lead') });
    const sent: string[] = [`New lead created: ${lead.name}`];
    for (let i = 1; i <= 25; i += 1) {
      const summary = `Note #${i} on ${lead.name}`;
      await logInteraction(rep.client, 'leads', lead.id, 'note', summary);
      sent.push(summary);
    }
    await logsEventually(sys.admin, { user: rep.id }, 26);

    const newestFirst = [...sent].reverse();
    const first = expectStatus(await sys.admin.get(`/api/interaction-logs/?user=${rep.id}`), 200, 'first page');
    expect(first.results.map((l: InteractionLog) => l.summary)).toEqual(newestFirst.slice(0, 20));
    expect(first.next).toEqual(expect.any(String));
    const second = expectStatus(await sys.admin.get(first.next), 200, 'next page');
    expect(second.results.map((l: InteractionLog) => l.summary)).toEqual(newestFirst.slice(20));
    expect(second.next).toBeNull();

    // Across all entities (other files write too): 20 by default, newest first.
    const recent = expectStatus(await sys.admin.get('/api/interaction-logs/'), 200, 'recent');
    expect(recent.results).toHaveLength(20);
    expectNewestFirst(recent.results);
    expect(recent.next).toEqual(expect.any(String));
  });

  it("?opportunity=X&include_contact=true returns the opportunity's logs and its contact's together", async () => {
    const rep = await createUser(sys.admin);
    const contact = await create(rep.client, 'contacts', { name: uniq('Feed Contact'), company: 'Wayne Enterprises' });
    const opportunity = await create(rep.client, 'opportunities', { name: uniq('Feed Deal'), amount: '700', contact: contact.id });
    const unrelatedContact = await create(rep.client, 'contacts', { name: uniq('Unrelated Contact') });
    const unrelatedOpportunity = await create(rep.client, 'opportunities', { name: uniq('Unrelated Deal') });

    const onContact = await logInteraction(rep.client, 'contacts', contact.id, 'call', `Called ${contact.name}`);
    const onOpportunity = await logInteraction(rep.client, 'opportunities', opportunity.id, 'meeting', `Met about ${opportunity.name}`);
    await update(rep.client, 'opportunities', opportunity.id, { stage: 'proposal' });
    const noise = [
      await logInteraction(rep.client, 'contacts', unrelatedContact.id, 'call', 'unrelated contact'),
      await logInteraction(rep.client, 'opportunities', unrelatedOpportunity.id, 'call', 'unrelated opportunity'),
    ];

    const ofOpportunity = await logsEventually(sys.admin, { opportunity: opportunity.id }, 3);
    const ofContact = await logsEventually(sys.admin, { contact: contact.id }, 1);
    expect(ofContact.map((l) => l.id)).toContain(onContact.id);
    expect(ofOpportunity.map((l) => l.id)).toContain(onOpportunity.id);
    expect(ofOpportunity.map((l) => l.id)).not.toContain(onContact.id);
    await logsEventually(sys.admin, { user: rep.id }, ofOpportunity.length + ofContact.length + noise.length);

    const { results } = await feed(sys.admin, { opportunity: opportunity.id, include_contact: 'true' });
    const expected = new Map([...ofOpportunity, ...ofContact].map((l) => [l.id, l]));
    expect(new Set(results.map((l) => l.id))).toEqual(new Set(expected.keys()));
    expect(results).toHaveLength(expected.size);
    expect(results.every((l) => l.opportunity === opportunity.id || l.contact === contact.id)).toBe(true);
    expectNewestFirst(results);
    for (const n of noise) expect(results.map((l) => l.id)).not.toContain(n.id);
  });

  it('GET /api/interaction-logs/{id}/ returns one log; Prefer: wait answers 201 with the written log', async () => {
    const rep = await createUser(sys.admin);
    const lead = await create(rep.client, 'leads', { name: uniq('Waited Lead') });
    const summary = `Waited for ${lead.name}`;
    const res = await rep.client.post(`/api/leads/${lead.id}/log_interaction/`, { type: 'call', summary }, { prefer: 'wait=10' });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ summary, type: 'call', source: 'manual', user: rep.id, lead: lead.id, contact: null, opportunity: null });
    const one = expectStatus(await sys.admin.get(`/api/interaction-logs/${res.body.id}/`), 200, 'GET one log');
    expect(one).toEqual(res.body);
  });

  it('?type=, ?source=, ?correlation_id=, ?since=, ?until= each return exactly the matching logs, newest first', async () => {
    const rep = await createUser(sys.admin);
    const lead = await create(rep.client, 'leads', { name: uniq('Filtered Lead') }); // auto, a note, now
    // Manual logs backdated to known instants, one of each type.
    const manual = [
      { type: 'call', timestamp: '2021-03-01T10:00:00.000Z' },
      { type: 'email', timestamp: '2021-06-01T10:00:00.000Z' },
      { type: 'meeting', timestamp: '2021-09-01T10:00:00.000Z' },
    ];
    const ids: Record<string, string> = {};
    for (const m of manual)
      ids[m.type] = expectStatus(await rep.client.post(`/api/leads/${lead.id}/log_interaction/`, { ...m, summary: `${m.type} on ${m.timestamp}` }), 202, 'log_interaction').id;
    // A conversion: one user action, several logs under one correlation id.
    const converted = await create(rep.client, 'leads', { name: uniq('Converted Lead') });
    expectStatus(await rep.client.post(`/api/leads/${converted.id}/convert/`, { opportunity: { name: uniq('Filtered Deal'), amount: '10' } }), 201, 'convert');
    const all = await eventually(async () => {
      const { results } = await feed(sys.admin, { user: rep.id });
      // 1 lead + 3 manual + the second lead's creation + its conversion's four logs
      expect(results.map((l) => l.summary)).toHaveLength(9);
      return results;
    });
    const ofRep = (query: Record<string, string>) => feed(sys.admin, { user: rep.id, ...query }).then((page) => page.results);
    const idsOf = (logs: InteractionLog[]) => logs.map((l) => l.id);
    const expectExactly = async (query: Record<string, string>, keep: (l: InteractionLog & { correlation_id?: string }) => boolean) => {
      const got = await ofRep(query);
      expect({ query, ids: idsOf(got) }).toEqual({ query, ids: idsOf(all.filter(keep)) }); // the same order too: newest first
      expectNewestFirst(got);
      return got;
    };

    expect(idsOf(await expectExactly({ type: 'call' }, (l) => l.type === 'call'))).toEqual([ids.call]);
    expect(idsOf(await expectExactly({ type: 'meeting' }, (l) => l.type === 'meeting'))).toEqual([ids.meeting]);
    await expectExactly({ type: 'note' }, (l) => l.type === 'note');
    expect(idsOf(await expectExactly({ source: 'manual' }, (l) => l.source === 'manual'))).toEqual([ids.meeting, ids.email, ids.call]);
    expect((await expectExactly({ source: 'auto' }, (l) => l.source === 'auto')).length).toBe(all.length - 3);
    // A window between the backdated logs, bounds away from any of them.
    expect(idsOf(await expectExactly({ since: '2021-05-01T00:00:00Z', until: '2021-10-01T00:00:00Z' }, (l) => l.timestamp > '2021-05' && l.timestamp < '2021-10'))).toEqual([
      ids.meeting,
      ids.email,
    ]);
    expect(idsOf(await expectExactly({ until: '2021-05-01' }, (l) => l.timestamp < '2021-05'))).toEqual([ids.call]);
    expect((await expectExactly({ since: '2022-01-01' }, (l) => l.timestamp >= '2022')).length).toBe(all.length - 3);
    // The conversion's logs share one correlation id; a manual log has one of its own.
    const conversion = all.find((l) => l.lead === converted.id && /converted/.test(l.summary)) as InteractionLog & { correlation_id: string };
    const together = await expectExactly({ correlation_id: conversion.correlation_id }, (l: any) => l.correlation_id === conversion.correlation_id);
    expect(together).toHaveLength(4);
    const call = all.find((l) => l.id === ids.call) as InteractionLog & { correlation_id: string };
    expect(idsOf(await ofRep({ correlation_id: call.correlation_id }))).toEqual([ids.call]);
  });

  it('a log_interaction timestamp may be up to a minute ahead (clock skew), not more', async () => {
    const rep = await createUser(sys.admin);
    const lead = await create(rep.client, 'leads', { name: uniq('Skew Lead') });
    // Bounds on both sides of the 60 s allowance that hold however slow the request: the
    // server's clock only moves on while it travels, which makes "ahead" smaller.
    const ahead = (s: number) => new Date(Date.now() + s * 1000).toISOString();
    const within = ahead(55);
    const accepted = expectStatus(
      await rep.client.post(`/api/leads/${lead.id}/log_interaction/`, { type: 'call', summary: 'slightly ahead', timestamp: within }),
      202,
      'timestamp 55 s ahead',
    );
    const beyond = await rep.client.post(`/api/leads/${lead.id}/log_interaction/`, { type: 'call', summary: 'too far ahead', timestamp: ahead(90) });
    expectStatus(beyond, 400, 'timestamp 90 s ahead');
    expect(JSON.stringify(beyond.body.message)).toMatch(/timestamp.*future/);
    const log = await eventually(async () => expectStatus(await sys.admin.get(`/api/interaction-logs/${accepted.id}/`), 200, 'the accepted log'));
    expect(log.timestamp).toBe(within);
    const { results } = await feed(sys.admin, { lead: lead.id });
    expect(results.map((l) => l.summary).sort()).toEqual(['New lead created: ' + lead.name, 'slightly ahead'].sort());
  });
});
