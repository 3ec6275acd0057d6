import { create, expectStatus, logsEventually, uniq, withSystem } from '../utils';

/**
 * Optimistic concurrency, as two clients editing one record would meet it: every record
 * answer carries an ETag; a PATCH sent with If-Match is applied only while the record is
 * still that version, otherwise 412 and nothing is written (no change, no event); without
 * If-Match a PATCH behaves as it always did.
 */
describe('ETag and If-Match on records', () => {
  const sys = withSystem();

  const etag = (res: { headers: Headers }) => {
    const tag = res.headers.get('etag');
    expect(tag).toMatch(/^"[0-9a-z]+"$/);
    return tag as string;
  };

  /** One record of each kind, and a change to make to it. */
  async function records(): Promise<[string, string, Record<string, unknown>][]> {
    const lead = await create(sys.admin, 'leads', { name: uniq('Etag Lead') });
    const contact = await create(sys.admin, 'contacts', { name: uniq('Etag Contact') });
    const opp = await create(sys.admin, 'opportunities', { name: uniq('Etag Opp'), contact: contact.id });
    const quote = await create(sys.admin, 'quotes', { title: uniq('Etag Quote'), total_price: '10.00', opportunity: opp.id });
    const task = await create(sys.admin, 'tasks', { action: 'Call', target: 'the buyer', lead: lead.id });
    return [
      ['leads', lead.id, { company: 'Changed Co' }],
      ['contacts', contact.id, { company: 'Changed Co' }],
      ['opportunities', opp.id, { amount: '99.00' }],
      ['quotes', quote.id, { title: uniq('Changed Quote') }],
      ['tasks', task.id, { target: 'someone else' }],
    ];
  }

  it('every kind of record: GET gives the tag, a PATCH on it succeeds with a new tag, a PATCH on the old one is 412 and writes nothing', async () => {
    for (const [resource, id, change] of await records()) {
      const path = `/api/${resource}/${id}/`;
      const read = await sys.admin.get(path);
      const v1 = etag(read);
      const updated = await sys.admin.patch(path, change, { 'if-match': v1 });
      expectStatus(updated, 200, `PATCH ${path} with its current tag`);
      const v2 = etag(updated);
      expect(v2).not.toBe(v1);
      expect(etag(await sys.admin.get(path))).toBe(v2);

      const stale = await sys.admin.patch(
        path,
        { ...change, ...Object.fromEntries(Object.keys(change).map((k) => [k, k === 'amount' ? '1.00' : uniq('Lost')])) },
        { 'if-match': v1 },
      );
      expect(stale.status).toBe(412);
      expect(stale.body).toMatchObject({ status: 412, message: expect.stringMatching(/If-Match/) });
      const after = await sys.admin.get(path);
      expect(etag(after)).toBe(v2);
      expect(after.body).toEqual(updated.body); // nothing written
    }
  });

  it('a lost update makes no event: the feed shows only the change that won', async () => {
    const lead = await create(sys.admin, 'leads', { name: uniq('Etag Status Lead') });
    const v1 = etag(await sys.admin.get(`/api/leads/${lead.id}/`));
    expectStatus(await sys.admin.patch(`/api/leads/${lead.id}/`, { status: 'contacted' }, { 'if-match': v1 }), 200, 'first change');
    expect((await sys.admin.patch(`/api/leads/${lead.id}/`, { status: 'qualified' }, { 'if-match': v1 })).status).toBe(412);
    // A marker change after the refused one: once its log is in, the refused one would be too.
    expectStatus(await sys.admin.patch(`/api/leads/${lead.id}/`, { status: 'disqualified' }), 200, 'marker change');
    const logs = await logsEventually(sys.admin, { lead: lead.id }, 3);
    expect(logs).toHaveLength(3);
    expect(logs.map((l) => l.summary).filter((s) => /qualified as a potential customer/.test(s))).toEqual([]);
  });

  it('ten clients PATCH the same version at once: exactly one wins, nine get 412', async () => {
    const lead = await create(sys.admin, 'leads', { name: uniq('Etag Race Lead') });
    const v1 = etag(await sys.admin.get(`/api/leads/${lead.id}/`));
    const answers = await Promise.all(Array.from({ length: 10 }, (_, i) => sys.admin.patch(`/api/leads/${lead.id}/`, { company: `Racer ${i}` }, { 'if-match': v1 })));
    const statuses = answers.map((a) => a.status).sort();
    expect(statuses).toEqual([200, ...Array(9).fill(412)]);
    const winner = answers.find((a) => a.status === 200)!;
    expect((await sys.admin.get(`/api/leads/${lead.id}/`)).body.company).toBe(winner.body.company);
  });

  it('without If-Match a PATCH works as before; `*` matches any version; a malformed header is a 400 naming it', async () => {
    const lead = await create(sys.admin, 'leads', { name: uniq('Etag Plain Lead') });
    expectStatus(await sys.admin.patch(`/api/leads/${lead.id}/`, { company: 'A' }), 200, 'no If-Match');
    expectStatus(await sys.admin.patch(`/api/leads/${lead.id}/`, { company: 'B' }, { 'if-match': '*' }), 200, 'If-Match: *');
    const created = await sys.admin.post('/api/leads/', { name: uniq('Etag New Lead') });
    expect(etag(created)).toBe(etag(await sys.admin.get(`/api/leads/${created.body.id}/`)));
    for (const bad of ['abc', 'W/"weak"', '"ok", bad']) {
      const res = await sys.admin.patch(`/api/leads/${lead.id}/`, { company: 'C' }, { 'if-match': bad });
      expect(res.status).toBe(400);
      expect(res.body.message).toMatch(/If-Match/);
    }
    expect((await sys.admin.get(`/api/leads/${lead.id}/`)).body.company).toBe('B');
  });
});
