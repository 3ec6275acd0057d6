import { create, expectStatus, logsEventually, uniq, update, withSystem } from '../utils';

/**
 * The feed for people: one user action's logs as one entry (`?group=correlation`), and a
 * manual log backdated to when the call happened.
 */
describe('feed: grouped actions and backdated logs', () => {
  const sys = withSystem();

  it("returns a conversion's four logs as one group, never split by a page boundary", async () => {
    const name = uniq('Group Lead');
    const lead = await create(sys.admin, 'leads', { name, company: 'Group Co' });
    await update(sys.admin, 'leads', lead.id, { status: 'qualified' });
    const opportunity = uniq('Group Opp');
    expectStatus(await sys.admin.post(`/api/leads/${lead.id}/convert/`, { opportunity: { name: opportunity, amount: '10' } }), 201, 'convert');
    const logs = await logsEventually(sys.admin, { lead: lead.id }, 6);

    const grouped = expectStatus(await sys.admin.get(`/api/interaction-logs/?lead=${lead.id}&group=correlation`), 200, 'grouped feed');
    expect(grouped.next).toBeNull();
    expect(grouped.results.map((g: any) => g.logs.map((l: any) => l.summary))).toEqual([
      [
        `Lead ${name} converted to opportunity ${opportunity}`,
        `Lead ${name} successfully converted to opportunity`,
        `New opportunity created: ${opportunity} worth $10.00`,
        `New contact created: ${name} from Group Co`,
      ],
      [`Lead ${name} qualified as a potential customer`],
      [`New lead created: ${name} from Group Co`],
    ]);
    for (const group of grouped.results) for (const log of group.logs) expect(log.correlation_id).toBe(group.correlation_id);
    expect(new Set(grouped.results.map((g: any) => g.correlation_id)).size).toBe(3);
    expect(grouped.results.flatMap((g: any) => g.logs.map((l: any) => l.id)).sort()).toEqual(logs.map((l) => l.id).sort());

    // limit=1 would cut the conversion: the page keeps the whole group and the next page goes on after it.
    const first = expectStatus(await sys.admin.get(`/api/interaction-logs/?lead=${lead.id}&group=correlation&limit=1`), 200, 'page 1');
    expect(first.results).toHaveLength(1);
    expect(first.results[0].logs).toHaveLength(4);
    const second = expectStatus(await sys.admin.get(first.next.replace(/^https?:\/\/[^/]+/, '')), 200, 'page 2');
    expect(second.results.map((g: any) => g.logs.map((l: any) => l.summary))).toEqual([[`Lead ${name} qualified as a potential customer`]]);
  });

  it('places a backdated manual log at the time the call happened, not when it was logged', async () => {
    const lead = await create(sys.admin, 'leads', { name: uniq('Backdated Lead') });
    const yesterday = new Date(Date.now() - 24 * 3600 * 1000).toISOString();
    expectStatus(await sys.admin.post(`/api/leads/${lead.id}/log_interaction/`, { type: 'call', summary: 'Called yesterday', timestamp: yesterday }), 202, 'log_interaction');
    const logs = await logsEventually(sys.admin, { lead: lead.id }, 2);
    expect(logs.map((l) => l.summary)).toEqual([`New lead created: ${lead.name}`, 'Called yesterday']); // newest first
    expect(logs[1].timestamp).toBe(yesterday);
    const future = new Date(Date.now() + 3600 * 1000).toISOString();
    const refused = expectStatus(await sys.admin.post(`/api/leads/${lead.id}/log_interaction/`, { type: 'call', summary: 'From the future', timestamp: future }), 400, 'future');
    expect(JSON.stringify(refused.message)).toContain('timestamp');
  });
});
