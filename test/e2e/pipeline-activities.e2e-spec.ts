// Every row of the activity table for tasks completed, conversions, reassignments, deletions and manual logs (pipeline.shared.ts has the suite's setup).
// The describe keeps the original file's name, so every test keeps its full name.
import { AmqpCapture, create, expectStatus, logsEventually, logWithSummary, uniq, update, User } from '../utils';
import { AUTO, eventuallyGet, pipelineSuite } from './pipeline.shared';

// jest reads testTimeout only from the top level of its config, not from a project's.
jest.setTimeout(120_000);

describe('activity pipeline: REST -> outbox -> RabbitMQ -> activity-logger -> feed', () => {
  const suite = pipelineSuite();
  const { sys } = suite;
  let capture: AmqpCapture;
  let alice: User;
  let bob: User;
  let carol: User;
  beforeAll(() => ({ capture, alice, bob, carol } = suite));

  describe('task completed', () => {
    let lead: any;
    let contact: any;
    let opportunity: any;

    beforeAll(async () => {
      lead = await create(sys.admin, 'leads', { name: uniq('Task Lead'), company: 'Umbrella' });
      contact = await create(sys.admin, 'contacts', { name: uniq('Task Contact'), company: 'Umbrella', lead: lead.id });
      opportunity = await create(sys.admin, 'opportunities', { name: uniq('Task Deal'), contact: contact.id, lead: lead.id });
    });

    const completeTask = async (body: Record<string, unknown>, completion?: Record<string, unknown>) => {
      const task = await create(alice.client, 'tasks', { assigned_to: bob.id, ...body });
      const done = expectStatus(await carol.client.post(`/api/tasks/${task.id}/mark_completed/`, completion), 200, 'mark_completed');
      expect(done.status).toBe('completed');
      return task;
    };

    it.each([
      ['call', 'call'],
      ['email', 'email'],
      ['meeting', 'meeting'],
      ['follow_up', 'note'],
      ['other', 'note'],
    ])('a %s task reads "Task completed: {action} {target} - Notes: {notes}", logged as %s, linked to its lead, contact and opportunity', async (taskType, logType) => {
      const action = uniq('Call');
      const target = 'John Doe at ACME Corp';
      await completeTask({ action, target, type: taskType, notes: 'Interested in the pro plan', lead: lead.id, contact: contact.id, opportunity: opportunity.id });
      const log = await logWithSummary(sys.admin, { lead: lead.id }, `Task completed: ${action} ${target} - Notes: Interested in the pro plan`);
      expect(log).toMatchObject({ type: logType, source: 'auto', user: carol.id, lead: lead.id, contact: contact.id, opportunity: opportunity.id });
    });

    it('leaves out " - Notes: …" when the task has none', async () => {
      const action = uniq('Email');
      await completeTask({ action, target: 'the buyer', type: 'email', lead: lead.id });
      const log = await logWithSummary(sys.admin, { lead: lead.id }, `Task completed: ${action} the buyer`);
      expect(log).toMatchObject({ type: 'email', source: 'auto', user: carol.id, lead: lead.id, contact: null, opportunity: null });
    });

    it('uses the notes given when the task is completed', async () => {
      const action = uniq('Meet');
      await completeTask({ action, target: 'the board', type: 'meeting', notes: 'before', opportunity: opportunity.id }, { notes: 'Agreed on a pilot' });
      const log = await logWithSummary(sys.admin, { opportunity: opportunity.id }, `Task completed: ${action} the board - Notes: Agreed on a pilot`);
      expect(log).toMatchObject({ type: 'meeting', source: 'auto', user: carol.id, opportunity: opportunity.id, lead: null, contact: null });
    });
  });

  describe('lead converted', () => {
    it('logs the conversion linked to the lead, the new contact and the new opportunity, with its companion logs under one correlation id', async () => {
      const name = uniq('Convertible');
      const opportunityName = uniq('Converted Deal');
      // bob converts the lead assigned to him (a rep converts only leads they own).
      const lead = await create(sys.admin, 'leads', { name, company: 'Globex', assigned_to: bob.id });
      const converted = expectStatus(await bob.client.post(`/api/leads/${lead.id}/convert/`, { opportunity: { name: opportunityName, amount: '2500' } }), 201, 'convert');
      expect(converted.lead).toMatchObject({ id: lead.id, status: 'converted' });
      const contactId: string = converted.contact.id;
      const opportunityId: string = converted.opportunity.id;
      expect(converted.opportunity).toMatchObject({ name: opportunityName, contact: contactId, lead: lead.id });

      const conversion = await logWithSummary(sys.admin, { lead: lead.id }, `Lead ${name} converted to opportunity ${opportunityName}`);
      expect(conversion).toMatchObject({ ...AUTO, user: bob.id, lead: lead.id, contact: contactId, opportunity: opportunityId });
      const status = await logWithSummary(sys.admin, { lead: lead.id }, `Lead ${name} successfully converted to opportunity`);
      expect(status).toMatchObject({ ...AUTO, user: bob.id, lead: lead.id });
      const contactLog = await logWithSummary(sys.admin, { contact: contactId }, `New contact created: ${name} from Globex`);
      expect(contactLog).toMatchObject({ ...AUTO, user: bob.id, contact: contactId });
      const opportunityLog = await logWithSummary(sys.admin, { opportunity: opportunityId }, `New opportunity created: ${opportunityName} worth $2500.00`);
      expect(opportunityLog).toMatchObject({ ...AUTO, user: bob.id, opportunity: opportunityId });

      // The four events of the one action share its correlation id, in body and properties.
      const events = await Promise.all([
        capture.waitFor((m) => m.routingKey === 'lead.converted' && m.body?.data?.lead_id === lead.id),
        capture.waitFor((m) => m.routingKey === 'contact.created' && m.body?.data?.contact_id === contactId),
        capture.waitFor((m) => m.routingKey === 'opportunity.created' && m.body?.data?.opportunity_id === opportunityId),
        capture.waitFor((m) => m.routingKey === 'lead.status_changed' && m.body?.data?.lead_id === lead.id && m.body?.data?.new_value === 'converted'),
      ]);
      const correlation = events[0].body.correlationid;
      expect(correlation).toEqual(expect.any(String));
      for (const event of events) {
        expect(event.body.correlationid).toBe(correlation);
        expect(event.properties.correlationId).toBe(correlation);
      }

      expect((await bob.client.post(`/api/leads/${lead.id}/convert/`, { opportunity: { name: 'again', amount: '1' } })).status).toBe(409);
    });
  });

  describe('reassignments and deletions (beyond the original signals)', () => {
    it('a new assignee or owner reads "… reassigned from {old} to {new}" (or "assigned to", "unassigned from"), attributed to who changed it', async () => {
      const name = uniq('Passed Lead');
      const lead = await create(alice.client, 'leads', { name, assigned_to: bob.id });
      await update(carol.client, 'leads', lead.id, { assigned_to: alice.id });
      await update(carol.client, 'leads', lead.id, { assigned_to: null });
      await update(carol.client, 'leads', lead.id, { assigned_to: null, company: 'no change of assignee' });
      await update(carol.client, 'leads', lead.id, { assigned_to: bob.id });
      const logs = await logsEventually(sys.admin, { lead: lead.id }, 4);
      expect(logs.map((l) => [l.summary, l.user])).toEqual([
        [`Lead ${name} assigned to ${bob.name}`, carol.id],
        [`Lead ${name} unassigned from ${alice.name}`, carol.id],
        [`Lead ${name} reassigned from ${bob.name} to ${alice.name}`, carol.id],
        [`New lead created: ${name}`, bob.id],
      ]);

      const deal = uniq('Passed Deal');
      const opportunity = await create(alice.client, 'opportunities', { name: deal, owner: bob.id, lead: lead.id });
      await update(carol.client, 'opportunities', opportunity.id, { owner: alice.id });
      const owner = await logWithSummary(sys.admin, { opportunity: opportunity.id }, `Opportunity ${deal} reassigned from ${bob.name} to ${alice.name}`);
      expect(owner).toMatchObject({ ...AUTO, user: carol.id, opportunity: opportunity.id, lead: lead.id });

      const action = uniq('Call');
      const task = await create(alice.client, 'tasks', { action, target: 'the buyer', opportunity: opportunity.id });
      await update(carol.client, 'tasks', task.id, { assigned_to: bob.id });
      const taskLog = await logWithSummary(sys.admin, { opportunity: opportunity.id }, `Task ${action} the buyer assigned to ${bob.name}`);
      expect(taskLog).toMatchObject({ ...AUTO, user: carol.id, opportunity: opportunity.id });
    });

    it('a deleted record reads "{Record} deleted: {name}", by who deleted it, and its earlier logs stay in its feed', async () => {
      const name = uniq('Gone Lead');
      const lead = await create(alice.client, 'leads', { name, company: 'Vandelay' });
      const contact = await create(alice.client, 'contacts', { name: uniq('Gone Contact'), lead: lead.id });
      const opportunity = await create(alice.client, 'opportunities', { name: uniq('Gone Deal'), contact: contact.id, lead: lead.id });
      const quote = await create(alice.client, 'quotes', { title: uniq('Gone Quote'), total_price: '10', opportunity: opportunity.id });
      const task = await create(alice.client, 'tasks', { action: uniq('Visit'), target: 'the plant', lead: lead.id, contact: contact.id, opportunity: opportunity.id });
      await logWithSummary(sys.admin, { lead: lead.id }, `New lead created: ${name} from Vandelay`);

      // Children first, as a user tidying up would; each DELETE is its own event.
      for (const [resource, id] of [
        ['tasks', task.id],
        ['quotes', quote.id],
        ['opportunities', opportunity.id],
        ['contacts', contact.id],
        ['leads', lead.id],
      ]) {
        expect((await carol.client.delete(`/api/${resource}/${id}/`)).status).toBe(204);
        expect((await carol.client.delete(`/api/${resource}/${id}/`)).status).toBe(404); // once only: one event
      }
      const expected = [
        [{ lead: lead.id }, `Task deleted: ${task.action} the plant`],
        [{ opportunity: opportunity.id }, `Quote deleted: ${quote.title}`],
        [{ lead: lead.id }, `Opportunity deleted: ${opportunity.name}`],
        [{ lead: lead.id }, `Contact deleted: ${contact.name}`],
        [{ lead: lead.id }, `Lead deleted: ${name}`],
      ] as const;
      for (const [query, summary] of expected) expect(await logWithSummary(sys.admin, query, summary)).toMatchObject({ ...AUTO, user: carol.id });
      // The lead's feed still holds its whole history, newest (its deletion) first.
      const history = await logsEventually(sys.admin, { lead: lead.id }, 7);
      expect(history.map((l) => l.summary)).toEqual([
        `Lead deleted: ${name}`,
        `Contact deleted: ${contact.name}`,
        `Opportunity deleted: ${opportunity.name}`,
        `Task deleted: ${task.action} the plant`,
        `New opportunity created: ${opportunity.name} worth $0.00`,
        `New contact created: ${contact.name}`,
        `New lead created: ${name} from Vandelay`,
      ]);
      const deletions = capture.messages.filter(
        (m) => m.routingKey.endsWith('.deleted') && m.body?.subject && [task.id, quote.id, opportunity.id, contact.id, lead.id].includes(m.body.subject),
      );
      expect(deletions.map((m) => m.routingKey).sort()).toEqual(['contact.deleted', 'lead.deleted', 'opportunity.deleted', 'quote.deleted', 'task.deleted']);
    });
  });

  describe('manual logs', () => {
    it.each([
      ['leads', 'call', 'lead'],
      ['contacts', 'email', 'contact'],
      ['opportunities', 'meeting', 'opportunity'],
      ['leads', 'note', 'lead'],
    ] as const)(
      'POST /api/%s/{id}/log_interaction/ (%s): 202 with the id and Location; the log carries the text, type and record, by the caller',
      async (resource, type, field) => {
        // bob is responsible for the record, alice (its creator, so one of its owners: a rep
        // logs only on records they own) logs: the log is alice's.
        const ownerField = resource === 'opportunities' ? { owner: bob.id } : resource === 'leads' ? { assigned_to: bob.id } : {};
        const record = await create(alice.client, resource, { name: uniq('Manual'), ...ownerField });
        const summary = `Had a great conversation about their requirements (${uniq(type)})`;
        const res = await alice.client.post(`/api/${resource}/${record.id}/log_interaction/`, { type, summary });
        expect(res.status).toBe(202);
        expect(res.body.id).toEqual(expect.any(String));
        const location = res.headers.get('location');
        expect(location).toBeTruthy();

        const log = await eventuallyGet(alice.client, new URL(location!, sys.crm.url).toString());
        const links = { lead: null, contact: null, opportunity: null, [field]: record.id };
        expect(log).toMatchObject({ id: res.body.id, summary, type, source: 'manual', user: alice.id, ...links });
        const inFeed = await logWithSummary(sys.admin, { [field]: record.id }, summary);
        expect(inFeed.id).toBe(res.body.id);
      },
    );
  });
});
