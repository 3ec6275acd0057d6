import { create, eventually, expectStatus, feed, uniq, withSystem } from '../utils';

jest.setTimeout(180_000);

/**
 * `converted` is a one-way door: only POST /convert opens it, nothing closes it, and a
 * conversion racing PATCHes of the same lead still makes one contact, one opportunity
 * and one set of logs (both hold the lead's row, FOR UPDATE, while they decide).
 */
describe('lead conversion is a one-way door', () => {
  const sys = withSystem();

  const convert = (id: string) => sys.admin.post(`/api/leads/${id}/convert/`, { opportunity: { name: uniq('Deal'), amount: '10' } });
  const made = async (leadId: string) => ({
    contacts: expectStatus(await sys.admin.get(`/api/contacts/?lead=${leadId}`), 200).results.length,
    opportunities: expectStatus(await sys.admin.get(`/api/opportunities/?lead=${leadId}`), 200).results.length,
  });

  it("the issue's repro: convert, PATCH status qualified, convert again -> the PATCH and the second conversion are refused with 409 naming the rule", async () => {
    const lead = await create(sys.admin, 'leads', { name: uniq('Door Lead') });
    expectStatus(await convert(lead.id), 201, 'first conversion');
    const back = await sys.admin.patch(`/api/leads/${lead.id}/`, { status: 'qualified' });
    expect(back.status).toBe(409);
    expect(back.body.message).toMatch(/converted is reached only through POST \/api\/leads\/\{id\}\/convert\/ and is final/);
    expect((await convert(lead.id)).status).toBe(409);
    expect(expectStatus(await sys.admin.get(`/api/leads/${lead.id}/`), 200).status).toBe('converted');
    expect(await made(lead.id)).toEqual({ contacts: 1, opportunities: 1 });
    // Other fields of a converted lead may still change: only its status is final.
    expectStatus(await sys.admin.patch(`/api/leads/${lead.id}/`, { company: 'Still Editable', status: 'converted' }), 200, 'edit a converted lead');
  });

  it('converted cannot be set on create (400) or by PATCH (409): the lead keeps its status and no event is emitted', async () => {
    const created = await sys.admin.post('/api/leads/', { name: uniq('Direct'), status: 'converted' });
    expect(created.status).toBe(400);
    expect(JSON.stringify(created.body.message)).toMatch(/status: .*converted is reached only through/);
    const lead = await create(sys.admin, 'leads', { name: uniq('Patch Door') });
    const res = await sys.admin.patch(`/api/leads/${lead.id}/`, { status: 'converted' });
    expect(res.status).toBe(409);
    expect(res.body.message).toMatch(/reached only through POST/);
    expect(expectStatus(await sys.admin.get(`/api/leads/${lead.id}/`), 200).status).toBe('new');
    expect(await made(lead.id)).toEqual({ contacts: 0, opportunities: 0 });
  });

  it('20 conversions racing 20 PATCHes to qualified: exactly one conversion, one contact, one opportunity, one set of logs', async () => {
    const lead = await create(sys.admin, 'leads', { name: uniq('Race Lead') });
    const requests = Array.from({ length: 40 }, (_, i) => (i % 2 ? convert(lead.id) : sys.admin.patch(`/api/leads/${lead.id}/`, { status: 'qualified' })));
    const answers = await Promise.all(requests);
    const converts = answers.filter((_, i) => i % 2).map((r) => r.status);
    const patches = answers.filter((_, i) => !(i % 2)).map((r) => r.status);
    expect(converts.filter((s) => s === 201)).toHaveLength(1);
    expect(converts.filter((s) => s !== 201).every((s) => s === 409)).toBe(true);
    expect(patches.every((s) => s === 200 || s === 409)).toBe(true);
    expect(expectStatus(await sys.admin.get(`/api/leads/${lead.id}/`), 200).status).toBe('converted');
    expect(await made(lead.id)).toEqual({ contacts: 1, opportunities: 1 });
    // One set of conversion logs, once the logger has written them.
    const kinds = ['lead.converted', 'contact.created', 'opportunity.created'];
    const eventOf = (l: object) => (l as { event_type: string }).event_type;
    await eventually(async () => {
      const { results } = await feed(sys.admin, { lead: lead.id });
      const missing = kinds.filter((k) => !results.some((l) => eventOf(l) === k));
      if (missing.length) throw new Error(`not in the feed yet: ${missing.join(', ')}`);
    });
    const { results } = await feed(sys.admin, { lead: lead.id });
    for (const kind of kinds) expect(results.filter((l) => eventOf(l) === kind)).toHaveLength(1);
    // One move into converted, none out of it.
    const moves = results.filter((l) => eventOf(l) === 'lead.status_changed').map((l) => (l as unknown as { data: { new_value: string; old_value: string } }).data);
    expect(moves.filter((d) => d.new_value === 'converted')).toHaveLength(1);
    expect(moves.filter((d) => d.old_value === 'converted')).toHaveLength(0);
  });
});
