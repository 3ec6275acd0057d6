import { ApiClient, create, createUser, eventually, expectNewestFirst, expectStatus, feed, openStream, uniq, update, withSystem } from '../utils';

jest.setTimeout(180_000);

interface Entry {
  id: string;
  timestamp: string;
  summary: string;
  event_type: string;
  kind: 'interaction' | 'change';
  via: { type: string; id: string; name: string } | null;
}

/**
 * rollup=true: a record's timeline with the logs of its related records, each naming the
 * record it came through; and the kind lanes. Through the real pipeline (crm-api, outbox,
 * RabbitMQ, activity-logger).
 */
describe('rolled-up timelines and kind lanes', () => {
  const sys = withSystem();

  const logOn = async (client: ApiClient, resource: string, id: string, summary: string, extra: Record<string, unknown> = {}) =>
    expectStatus<{ id: string }>(await client.post(`/api/${resource}/${id}/log_interaction/`, { type: 'note', summary, ...extra }), 202, 'log_interaction');

  /** Every entry of the query (pages of 100), once `summaries` are all there. */
  const timeline = (client: ApiClient, query: Record<string, string>, summaries: string[]): Promise<Entry[]> =>
    eventually(async () => {
      const { results } = (await feed(client, query)) as unknown as { results: Entry[] };
      const missing = summaries.filter((s) => !results.some((r) => r.summary === s));
      if (missing.length) throw new Error(`${JSON.stringify(query)}: still missing ${JSON.stringify(missing)}`);
      return results;
    });

  const bySummary = (entries: Entry[], summary: string) => {
    const found = entries.filter((e) => e.summary === summary);
    expect(found).toHaveLength(1);
    return found[0];
  };

  it("a contact's timeline has its opportunities', their quotes' and its tasks' logs, each with via; a log reachable two ways once", async () => {
    const rep = await createUser(sys.admin);
    const contact = await create(rep.client, 'contacts', { name: uniq('Roll Contact') });
    const deal = await create(rep.client, 'opportunities', { name: uniq('ACME Expansion'), amount: '100.00', contact: contact.id });
    const otherDeal = await create(rep.client, 'opportunities', { name: uniq('Unrelated Deal'), amount: '1.00' });
    const quote = await create(rep.client, 'quotes', { title: uniq('Q-1'), total_price: '90.00', opportunity: deal.id });
    // On the contact and on its opportunity: reachable through both (and as a task).
    const both = await create(rep.client, 'tasks', { action: 'Call', target: uniq('Both'), type: 'call', contact: contact.id, opportunity: deal.id });
    // Completed while on another opportunity, then moved to the contact's: the crm tables decide.
    const moved = await create(rep.client, 'tasks', { action: 'Email', target: uniq('Moved'), type: 'email', opportunity: otherDeal.id });
    expectStatus(await rep.client.post(`/api/tasks/${both.id}/mark_completed/`, {}), 200);
    expectStatus(await rep.client.post(`/api/tasks/${moved.id}/mark_completed/`, {}), 200);
    await update(rep.client, 'tasks', moved.id, { opportunity: deal.id });
    await logOn(rep.client, 'opportunities', deal.id, `Deal note ${deal.name}`);
    await logOn(rep.client, 'contacts', contact.id, `Contact note ${contact.name}`);
    await logOn(rep.client, 'opportunities', otherDeal.id, `Other note ${otherDeal.name}`);

    const bothDone = `Task completed: Call ${both.target}`;
    const movedDone = `Task completed: Email ${moved.target}`;
    const quoteMade = `Quote created: ${quote.title} for $90.00`;
    const entries = await timeline(rep.client, { contact: contact.id, rollup: 'true' }, [`Deal note ${deal.name}`, `Contact note ${contact.name}`, bothDone, movedDone, quoteMade]);
    expectNewestFirst(entries as never);
    expect(new Set(entries.map((e) => e.id)).size).toBe(entries.length);
    expect(bySummary(entries, `Deal note ${deal.name}`).via).toEqual({ type: 'opportunity', id: deal.id, name: deal.name });
    expect(bySummary(entries, `Contact note ${contact.name}`).via).toBeNull();
    expect(bySummary(entries, `New contact created: ${contact.name}`).via).toBeNull();
    expect(bySummary(entries, quoteMade).via).toEqual({ type: 'quote', id: quote.id, name: quote.title });
    expect(bySummary(entries, bothDone).via).toEqual({ type: 'task', id: both.id, name: `Call ${both.target}` });
    expect(bySummary(entries, movedDone).via).toEqual({ type: 'task', id: moved.id, name: `Email ${moved.target}` });
    expect(entries.some((e) => e.summary.includes(otherDeal.name))).toBe(false);

    // Without rollup: the contact's own logs only, and no via.
    const { results: plain } = (await feed(rep.client, { contact: contact.id })) as unknown as { results: Entry[] };
    expect(plain.every((e) => e.via === null)).toBe(true);
    expect(plain.map((e) => e.summary)).not.toContain(quoteMade);
    expect(plain.map((e) => e.summary)).not.toContain(`Deal note ${deal.name}`);
    expect(entries.map((e) => e.id)).toEqual(expect.arrayContaining(plain.map((e) => e.id)));
  });

  it("a lead's timeline has its converted contact's and opportunity's logs from the conversion on, not before", async () => {
    const rep = await createUser(sys.admin);
    const lead = await create(rep.client, 'leads', { name: uniq('Roll Lead') });
    await logOn(rep.client, 'leads', lead.id, `Lead note ${lead.name}`);
    const converted = expectStatus(await rep.client.post(`/api/leads/${lead.id}/convert/`, { opportunity: { name: uniq('Converted Deal'), amount: '5.00' } }), 201);
    const { contact, opportunity } = converted as { contact: { id: string; name: string }; opportunity: { id: string; name: string } };
    await logOn(rep.client, 'contacts', contact.id, `After on contact ${lead.name}`);
    await logOn(rep.client, 'opportunities', opportunity.id, `After on deal ${lead.name}`);
    // Backdated to before the conversion: the opportunity's, but not the lead's timeline.
    await logOn(rep.client, 'opportunities', opportunity.id, `Before on deal ${lead.name}`, { timestamp: new Date(Date.now() - 86_400_000).toISOString() });
    await eventually(async () => expect((await feed(rep.client, { opportunity: opportunity.id })).results.map((l) => l.summary)).toContain(`Before on deal ${lead.name}`));

    const entries = await timeline(rep.client, { lead: lead.id, rollup: 'true' }, [`After on contact ${lead.name}`, `After on deal ${lead.name}`, `Lead note ${lead.name}`]);
    expect(bySummary(entries, `After on contact ${lead.name}`).via).toEqual({ type: 'contact', id: contact.id, name: contact.name });
    expect(bySummary(entries, `After on deal ${lead.name}`).via).toEqual({ type: 'opportunity', id: opportunity.id, name: opportunity.name });
    expect(bySummary(entries, `Lead note ${lead.name}`).via).toBeNull();
    expect(bySummary(entries, `Lead ${lead.name} converted to opportunity ${opportunity.name}`).via).toBeNull();
    expect(entries.map((e) => e.summary)).not.toContain(`Before on deal ${lead.name}`);
    expect(new Set(entries.map((e) => e.id)).size).toBe(entries.length);
  });

  it("an opportunity's timeline has its quotes', tasks' and contact's logs; keyset pages of 2 equal the whole list", async () => {
    const rep = await createUser(sys.admin);
    const contact = await create(rep.client, 'contacts', { name: uniq('Opp Contact') });
    const deal = await create(rep.client, 'opportunities', { name: uniq('Paged Deal'), amount: '10.00', contact: contact.id });
    const quote = await create(rep.client, 'quotes', { title: uniq('Q-2'), total_price: '10.00', opportunity: deal.id });
    const task = await create(rep.client, 'tasks', { action: 'Meet', target: uniq('Paged'), type: 'meeting', opportunity: deal.id });
    expectStatus(await rep.client.post(`/api/tasks/${task.id}/mark_completed/`, {}), 200);
    for (let i = 1; i <= 3; i += 1) await logOn(rep.client, 'contacts', contact.id, `Contact note ${i} ${deal.name}`);
    for (let i = 1; i <= 3; i += 1) await logOn(rep.client, 'opportunities', deal.id, `Deal note ${i} ${deal.name}`);
    await update(rep.client, 'opportunities', deal.id, { stage: 'won' });

    const query = { opportunity: deal.id, rollup: 'true' };
    const all = await timeline(rep.client, query, [
      `Contact note 3 ${deal.name}`,
      `Deal note 3 ${deal.name}`,
      `Task completed: Meet ${task.target}`,
      `Opportunity ${deal.name} WON! \u{1F389} Deal closed successfully`,
    ]);
    expect(bySummary(all, `Contact note 2 ${deal.name}`).via).toEqual({ type: 'contact', id: contact.id, name: contact.name });
    expect(bySummary(all, `Quote created: ${quote.title} for $10.00`).via).toEqual({ type: 'quote', id: quote.id, name: quote.title });
    expect(bySummary(all, `Task completed: Meet ${task.target}`).via).toEqual({ type: 'task', id: task.id, name: `Meet ${task.target}` });
    expect(bySummary(all, `Deal note 1 ${deal.name}`).via).toBeNull();
    // contact.created, opportunity.created, quote, task, 3 + 3 notes, the stage change.
    expect(all).toHaveLength(11);

    const paged: Entry[] = [];
    let next: string | null = `/api/interaction-logs/?${new URLSearchParams({ ...query, limit: '2' })}`;
    while (next) {
      const page: { results: Entry[]; next: string | null } = expectStatus(await rep.client.get(next), 200);
      expect(page.results.length).toBeLessThanOrEqual(2);
      paged.push(...page.results);
      next = page.next;
    }
    expect(paged.map((e) => e.id)).toEqual(all.map((e) => e.id));
    expect(paged.map((e) => e.via)).toEqual(all.map((e) => e.via));
  });

  it('rollup without exactly one record filter is a 400 naming rollup', async () => {
    const [a, b] = ['00000000-0000-4000-8000-000000000000', '00000000-0000-4000-8000-000000000001'];
    for (const query of ['rollup=true', `rollup=true&user=${a}`, `rollup=true&lead=${a}&contact=${b}`]) {
      for (const path of ['/api/interaction-logs/', '/api/interaction-logs/stream/', '/api/interaction-logs/export/']) {
        const res = await sys.admin.get(`${path}?${query}${path.includes('export') ? '&format=csv' : ''}`);
        expect(res.status).toBe(400);
        expect(JSON.stringify(res.body)).toMatch(/rollup/);
      }
    }
  });

  it('the stream with rollup=true delivers a log of a record linked after it opened, with via', async () => {
    const rep = await createUser(sys.admin);
    const contact = await create(rep.client, 'contacts', { name: uniq('Live Contact') });
    const stream = openStream(rep.client, { contact: contact.id, rollup: 'true' });
    try {
      await stream.opened();
      const deal = await create(rep.client, 'opportunities', { name: uniq('Live Deal'), amount: '1.00', contact: contact.id });
      await logOn(rep.client, 'opportunities', deal.id, `Live note ${deal.name}`);
      const unrelated = await create(rep.client, 'opportunities', { name: uniq('Not Hers'), amount: '1.00' });
      await logOn(rep.client, 'opportunities', unrelated.id, `Unrelated note ${unrelated.name}`);
      await eventually(() => expect(stream.summaries()).toContain(`Live note ${deal.name}`));
      const live = stream.events.find((e) => e.data.summary === `Live note ${deal.name}`)!;
      expect(live.data.via).toEqual({ type: 'opportunity', id: deal.id, name: deal.name });
      expect(live.data.kind).toBe('interaction');
      const created = stream.events.find((e) => e.data.event_type === 'opportunity.created')!;
      expect(created.data.via).toBeNull(); // it names the contact: the contact's own
      expect(stream.summaries()).not.toContain(`Unrelated note ${unrelated.name}`);
    } finally {
      await stream.close();
    }
  });

  it('kind=interaction and kind=change split a feed into its two lanes, on the list and the stream; every log says its kind', async () => {
    const rep = await createUser(sys.admin);
    const stream = openStream(rep.client, { user: rep.id, kind: 'interaction' });
    try {
      await stream.opened();
      const lead = await create(rep.client, 'leads', { name: uniq('Lane Lead') });
      await update(rep.client, 'leads', lead.id, { status: 'contacted' });
      await logOn(rep.client, 'leads', lead.id, `Lane call ${lead.name}`);
      const task = await create(rep.client, 'tasks', { action: 'Call', target: uniq('Lane'), type: 'call', lead: lead.id, assigned_to: rep.id });
      expectStatus(await rep.client.post(`/api/tasks/${task.id}/mark_completed/`, {}), 200);

      const all = await timeline(rep.client, { lead: lead.id }, [`Lane call ${lead.name}`, `Task completed: Call ${task.target}`]);
      expect(all.map((e) => [e.event_type, e.kind])).toEqual(
        expect.arrayContaining([
          ['lead.created', 'change'],
          ['lead.status_changed', 'change'],
          ['interaction.logged', 'interaction'],
          ['task.completed', 'interaction'],
        ]),
      );
      const interactions = (await feed(rep.client, { lead: lead.id, kind: 'interaction' })).results as unknown as Entry[];
      const changes = (await feed(rep.client, { lead: lead.id, kind: 'change' })).results as unknown as Entry[];
      expect(interactions.map((e) => e.summary).sort()).toEqual([`Lane call ${lead.name}`, `Task completed: Call ${task.target}`].sort());
      expect(changes.map((e) => e.event_type).sort()).toEqual(['lead.created', 'lead.status_changed']);
      expect([...interactions, ...changes].map((e) => e.id).sort()).toEqual(all.map((e) => e.id).sort());

      await eventually(() => expect(stream.summaries()).toEqual(expect.arrayContaining([`Lane call ${lead.name}`, `Task completed: Call ${task.target}`])));
      expect(stream.events.every((e) => e.data.kind === 'interaction')).toBe(true);
    } finally {
      await stream.close();
    }

    const bad = await sys.admin.get('/api/interaction-logs/?kind=chat');
    expect(bad.status).toBe(400);
    expect(JSON.stringify(bad.body)).toMatch(/kind/);
  });
});
