// Every row of the activity table for records created and moving through their statuses and stages (pipeline.shared.ts has the suite's setup).
// The describe keeps the original file's name, so every test keeps its full name.
import { AmqpCapture, create, expectStatus, feed, logsEventually, logWithSummary, uniq, update, User } from '../utils';
import { AUTO, pipelineSuite } from './pipeline.shared';

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

  describe('lead created', () => {
    it('reads "New lead created: {name} from {company}", attributed to the assigned user', async () => {
      const name = uniq('John Doe');
      const lead = await create(alice.client, 'leads', { name, company: 'ACME Corp', email: 'john@example.com', assigned_to: bob.id });
      const log = await logWithSummary(sys.admin, { lead: lead.id }, `New lead created: ${name} from ACME Corp`);
      expect(log).toMatchObject({ ...AUTO, user: bob.id, lead: lead.id, contact: null, opportunity: null });
    });

    it('leaves out " from …" without a company, and is attributed to the creator when nobody is assigned', async () => {
      const name = uniq('Jane Roe');
      const lead = await create(alice.client, 'leads', { name });
      const log = await logWithSummary(sys.admin, { lead: lead.id }, `New lead created: ${name}`);
      expect(log).toMatchObject({ ...AUTO, user: alice.id, lead: lead.id, contact: null, opportunity: null });
    });
  });

  describe('lead status changed', () => {
    it('logs each new status with its message, attributed to who changed it', async () => {
      const name = uniq('Status Lead');
      const lead = await create(alice.client, 'leads', { name, company: 'Initech', assigned_to: bob.id });
      for (const status of ['contacted', 'qualified', 'disqualified', 'new']) expect(await update(carol.client, 'leads', lead.id, { status })).toMatchObject({ status });

      const logs = await logsEventually(sys.admin, { lead: lead.id }, 5);
      expect(logs.map((l) => l.summary)).toEqual([
        `Lead ${name} marked as new`,
        `Lead ${name} disqualified from sales process`,
        `Lead ${name} qualified as a potential customer`,
        `Lead ${name} contacted for the first time`,
        `New lead created: ${name} from Initech`,
      ]);
      for (const log of logs.slice(0, 4)) expect(log).toMatchObject({ ...AUTO, user: carol.id, lead: lead.id, contact: null, opportunity: null });
    });

    it('logs "successfully converted to opportunity" when the lead becomes converted (only ever through /convert)', async () => {
      const name = uniq('Converted Lead');
      const lead = await create(alice.client, 'leads', { name, assigned_to: bob.id });
      expectStatus(await carol.client.post(`/api/leads/${lead.id}/convert/`, { opportunity: { name: uniq('Deal'), amount: '1' } }), 201, 'convert');
      const log = await logWithSummary(sys.admin, { lead: lead.id }, `Lead ${name} successfully converted to opportunity`);
      expect(log).toMatchObject({ ...AUTO, user: carol.id, lead: lead.id });
    });

    it('logs nothing for a PATCH that changes no status (proved by a later change that is logged)', async () => {
      const name = uniq('Quiet Lead');
      const lead = await create(alice.client, 'leads', { name, company: 'Hooli' });
      await update(carol.client, 'leads', lead.id, { phone: '+1 555 0100', email: 'quiet@example.com' });
      await update(carol.client, 'leads', lead.id, { status: 'new' }); // the status it already has
      await update(carol.client, 'leads', lead.id, { status: 'contacted' }); // the marker

      await capture.waitFor((m) => m.routingKey === 'lead.status_changed' && m.body?.data?.lead_id === lead.id);
      const marker = await logWithSummary(sys.admin, { lead: lead.id }, `Lead ${name} contacted for the first time`);
      const { results } = await feed(sys.admin, { lead: lead.id });
      expect(results.map((l) => l.summary)).toEqual([marker.summary, `New lead created: ${name} from Hooli`]);
      // And on the wire: one status event for this lead, the marker's.
      const statusEvents = capture.messages.filter((m) => m.routingKey === 'lead.status_changed' && m.body?.data?.lead_id === lead.id);
      expect(statusEvents.map((m) => [m.body.data.old_value, m.body.data.new_value])).toEqual([['new', 'contacted']]);
    });
  });

  describe('opportunity created', () => {
    it('reads "New opportunity created: {name} worth ${amount}", attributed to the owner', async () => {
      const name = uniq('ACME Expansion');
      const opportunity = await create(alice.client, 'opportunities', { name, amount: 50000, owner: bob.id });
      expect(opportunity.amount).toBe('50000.00');
      const log = await logWithSummary(sys.admin, { opportunity: opportunity.id }, `New opportunity created: ${name} worth $50000.00`);
      expect(log).toMatchObject({ ...AUTO, user: bob.id, opportunity: opportunity.id, lead: null, contact: null });
    });

    it('writes the amount with two decimals and no separators; the caller owns it by default', async () => {
      const name = uniq('Small Deal');
      const opportunity = await create(alice.client, 'opportunities', { name, amount: '1234.5' });
      const log = await logWithSummary(sys.admin, { opportunity: opportunity.id }, `New opportunity created: ${name} worth $1234.50`);
      expect(log).toMatchObject({ ...AUTO, user: alice.id, opportunity: opportunity.id });
    });

    it('reads $0.00 when there is no amount', async () => {
      const name = uniq('No Amount Deal');
      const opportunity = await create(alice.client, 'opportunities', { name, owner: bob.id });
      const log = await logWithSummary(sys.admin, { opportunity: opportunity.id }, `New opportunity created: ${name} worth $0.00`);
      expect(log).toMatchObject({ ...AUTO, user: bob.id, opportunity: opportunity.id });
    });
  });

  describe('opportunity stage changed', () => {
    it('logs proposal, negotiation and won, attributed to who changed the stage', async () => {
      const name = uniq('Big Deal');
      const opportunity = await create(alice.client, 'opportunities', { name, amount: '90000', owner: bob.id });
      for (const stage of ['proposal', 'negotiation', 'won']) expect(await update(carol.client, 'opportunities', opportunity.id, { stage })).toMatchObject({ stage });

      const logs = await logsEventually(sys.admin, { opportunity: opportunity.id }, 4);
      expect(logs.map((l) => l.summary)).toEqual([
        `Opportunity ${name} WON! \u{1F389} Deal closed successfully`,
        `Opportunity ${name} entered negotiation phase`,
        `Opportunity ${name} moved to proposal stage - preparing quote`,
        `New opportunity created: ${name} worth $90000.00`,
      ]);
      for (const log of logs.slice(0, 3)) expect(log).toMatchObject({ ...AUTO, user: carol.id, opportunity: opportunity.id, lead: null, contact: null });
    });

    it('logs qualification and lost', async () => {
      const name = uniq('Lost Deal');
      const opportunity = await create(alice.client, 'opportunities', { name, stage: 'proposal', owner: bob.id });
      await update(carol.client, 'opportunities', opportunity.id, { stage: 'qualification' });
      await update(carol.client, 'opportunities', opportunity.id, { stage: 'lost' });

      const logs = await logsEventually(sys.admin, { opportunity: opportunity.id }, 3);
      expect(logs.map((l) => l.summary)).toEqual([
        `Opportunity ${name} marked as lost - opportunity closed`,
        `Opportunity ${name} moved to qualification stage`,
        `New opportunity created: ${name} worth $0.00`,
      ]);
      for (const log of logs.slice(0, 2)) expect(log).toMatchObject({ ...AUTO, user: carol.id, opportunity: opportunity.id });
    });

    it('logs nothing for a PATCH that changes no stage (proved by a later change that is logged)', async () => {
      const name = uniq('Steady Deal');
      const opportunity = await create(alice.client, 'opportunities', { name, amount: 10 });
      await update(carol.client, 'opportunities', opportunity.id, { amount: '20.00' });
      await update(carol.client, 'opportunities', opportunity.id, { stage: 'qualification' }); // unchanged
      await update(carol.client, 'opportunities', opportunity.id, { stage: 'negotiation' }); // the marker

      await capture.waitFor((m) => m.routingKey === 'opportunity.stage_changed' && m.body?.data?.opportunity_id === opportunity.id);
      await logWithSummary(sys.admin, { opportunity: opportunity.id }, `Opportunity ${name} entered negotiation phase`);
      const { results } = await feed(sys.admin, { opportunity: opportunity.id });
      expect(results.map((l) => l.summary)).toEqual([`Opportunity ${name} entered negotiation phase`, `New opportunity created: ${name} worth $10.00`]);
      const stageEvents = capture.messages.filter((m) => m.routingKey === 'opportunity.stage_changed' && m.body?.data?.opportunity_id === opportunity.id);
      expect(stageEvents).toHaveLength(1);
    });
  });

  describe('quote created', () => {
    it('reads "Quote created: {title} for ${total_price}", linked to its opportunity, attributed to the creator', async () => {
      // alice made the opportunity (bob owns it): a rep adds quotes only to opportunities they own.
      const opportunity = await create(alice.client, 'opportunities', { name: uniq('Quoted Deal'), owner: bob.id });
      const title = uniq('Q-1');
      const quote = await create(alice.client, 'quotes', { title, total_price: '1234.5', opportunity: opportunity.id });
      expect(quote.total_price).toBe('1234.50');
      const log = await logWithSummary(sys.admin, { opportunity: opportunity.id }, `Quote created: ${title} for $1234.50`);
      expect(log).toMatchObject({ ...AUTO, user: alice.id, opportunity: opportunity.id, lead: null, contact: null });

      const title2 = uniq('Q-2');
      await create(carol.client, 'quotes', { title: title2, total_price: 999, opportunity: opportunity.id });
      const log2 = await logWithSummary(sys.admin, { opportunity: opportunity.id }, `Quote created: ${title2} for $999.00`);
      expect(log2).toMatchObject({ ...AUTO, user: carol.id, opportunity: opportunity.id });
    });
  });
});
