import { CrmEvent, EXAMPLE_IDS, LOG_EVENT_TYPES, EXAMPLES, LEAD_STATUSES, OPPORTUNITY_STAGES, parseEvent } from '@app/contracts';
import { LEAD_STATUS_MESSAGES, OPPORTUNITY_STAGE_MESSAGES, renderEvent, renderLog, RenderedLog } from './summary.renderer';

const { ALICE, BOB, LEAD, CONTACT, OPP, QUOTE, TASK } = EXAMPLE_IDS;

const leadCreated = (over: object = {}) => ({
  lead_id: LEAD,
  name: 'John Doe',
  company: 'ACME Corp',
  status: 'new',
  assigned_to: BOB,
  actor: ALICE,
  ...over,
});
const oppCreated = (over: object = {}) => ({
  opportunity_id: OPP,
  name: 'ACME Expansion',
  amount: '50000.00',
  stage: 'qualification',
  owner_id: BOB,
  contact_id: CONTACT,
  lead_id: LEAD,
  actor: ALICE,
  ...over,
});
const taskCompleted = (over: object = {}) => ({
  task_id: TASK,
  action: 'Call',
  target: 'John Doe at ACME Corp',
  notes: 'Interested in the pro plan',
  task_type: 'call',
  lead_id: LEAD,
  contact_id: CONTACT,
  opportunity_id: OPP,
  actor: ALICE,
  ...over,
});
const auto = (log: Omit<RenderedLog, 'source'>): RenderedLog => ({ ...log, source: 'auto' });

describe('summary renderer', () => {
  describe('lead.created', () => {
    it('names the lead and its company, attributed to the assignee', () => {
      expect(renderLog('lead.created', 1, leadCreated())).toEqual(
        auto({ userId: BOB, type: 'note', summary: 'New lead created: John Doe from ACME Corp', leadId: LEAD, contactId: null, opportunityId: null }),
      );
    });
    it.each([null, '', '   '])('omits " from ..." when the company is %p', (company) => {
      expect(renderLog('lead.created', 1, leadCreated({ company })).summary).toBe('New lead created: John Doe');
    });
    it('falls back to the actor when nobody is assigned', () => {
      expect(renderLog('lead.created', 1, leadCreated({ assigned_to: null })).userId).toBe(ALICE.id);
    });
  });

  describe('lead.status_changed', () => {
    const expected: Record<string, string> = {
      new: 'Lead John Doe marked as new',
      contacted: 'Lead John Doe contacted for the first time',
      qualified: 'Lead John Doe qualified as a potential customer',
      converted: 'Lead John Doe successfully converted to opportunity',
      disqualified: 'Lead John Doe disqualified from sales process',
    };
    it('has a message for every status of the contracts', () => {
      expect(Object.keys(LEAD_STATUS_MESSAGES).sort()).toEqual([...LEAD_STATUSES].sort());
      expect(Object.keys(expected).sort()).toEqual([...LEAD_STATUSES].sort());
    });
    it.each(LEAD_STATUSES)('renders new_value %s', (status) => {
      const data = { lead_id: LEAD, name: 'John Doe', field: 'status', old_value: 'new', new_value: status, actor: ALICE };
      expect(renderLog('lead.status_changed', 1, data)).toEqual(
        auto({ userId: ALICE.id, type: 'note', summary: expected[status], leadId: LEAD, contactId: null, opportunityId: null }),
      );
    });
  });

  describe('opportunity.created', () => {
    it('renders the amount with two decimals, attributed to the owner, linking all three records', () => {
      expect(renderLog('opportunity.created', 1, oppCreated())).toEqual(
        auto({ userId: BOB, type: 'note', summary: 'New opportunity created: ACME Expansion worth $50000.00', leadId: LEAD, contactId: CONTACT, opportunityId: OPP }),
      );
    });
    it.each([
      [null, '$0.00'],
      ['0.00', '$0.00'],
      ['1234.50', '$1234.50'],
      ['1234.5', '$1234.50'],
      ['50000', '$50000.00'],
      ['1000000.00', '$1000000.00'],
      ['0.05', '$0.05'],
    ])('amount %p reads %s', (amount, money) => {
      expect(renderLog('opportunity.created', 1, oppCreated({ amount })).summary).toBe(`New opportunity created: ACME Expansion worth ${money}`);
    });
    it('keeps null links null', () => {
      const log = renderLog('opportunity.created', 1, oppCreated({ contact_id: null, lead_id: null }));
      expect([log.leadId, log.contactId, log.opportunityId]).toEqual([null, null, OPP]);
    });
  });

  describe('opportunity.stage_changed', () => {
    const expected: Record<string, string> = {
      qualification: 'Opportunity ACME Expansion moved to qualification stage',
      proposal: 'Opportunity ACME Expansion moved to proposal stage - preparing quote',
      negotiation: 'Opportunity ACME Expansion entered negotiation phase',
      won: 'Opportunity ACME Expansion WON! 🎉 Deal closed successfully',
      lost: 'Opportunity ACME Expansion marked as lost - opportunity closed',
    };
    it('has a message for every stage of the contracts', () => {
      expect(Object.keys(OPPORTUNITY_STAGE_MESSAGES).sort()).toEqual([...OPPORTUNITY_STAGES].sort());
    });
    it.each(OPPORTUNITY_STAGES)('renders new_value %s', (stage) => {
      const data = { opportunity_id: OPP, name: 'ACME Expansion', field: 'stage', old_value: 'qualification', new_value: stage, contact_id: CONTACT, lead_id: LEAD, actor: ALICE };
      expect(renderLog('opportunity.stage_changed', 1, data)).toEqual(
        auto({ userId: ALICE.id, type: 'note', summary: expected[stage], leadId: LEAD, contactId: CONTACT, opportunityId: OPP }),
      );
    });
    it('writes the party popper U+1F389 as UTF-8 F0 9F 8E 89', () => {
      const summary = OPPORTUNITY_STAGE_MESSAGES.won;
      expect(summary.codePointAt(5)).toBe(0x1f389);
      const bytes = Buffer.from(summary, 'utf8');
      expect(bytes.subarray(0, 10).toString('hex')).toBe(Buffer.from('WON! ').toString('hex') + 'f09f8e89' + '20');
      expect(bytes.includes(Buffer.from([0xf0, 0x9f, 0x8e, 0x89]))).toBe(true);
      // The mis-encoded form of the original text must not come back.
      expect(summary).not.toMatch(/\u00f0\u0178/);
    });
  });

  describe('quote.created', () => {
    it.each([
      ['1234.50', 'Quote created: ACME Q-1 for $1234.50'],
      ['0.00', 'Quote created: ACME Q-1 for $0.00'],
      ['50000.00', 'Quote created: ACME Q-1 for $50000.00'],
    ])('total %s', (total_price, summary) => {
      const data = { quote_id: QUOTE, title: 'ACME Q-1', total_price, opportunity_id: OPP, actor: ALICE };
      expect(renderLog('quote.created', 1, data)).toEqual(auto({ userId: ALICE.id, type: 'note', summary, leadId: null, contactId: null, opportunityId: OPP }));
    });
  });

  describe('task.completed', () => {
    it('renders action, target and notes, typed after the task, linking all three records', () => {
      expect(renderLog('task.completed', 1, taskCompleted())).toEqual(
        auto({
          userId: ALICE.id,
          type: 'call',
          summary: 'Task completed: Call John Doe at ACME Corp - Notes: Interested in the pro plan',
          leadId: LEAD,
          contactId: CONTACT,
          opportunityId: OPP,
        }),
      );
    });
    it.each([null, '', ' '])('omits " - Notes: ..." when notes are %p', (notes) => {
      expect(renderLog('task.completed', 1, taskCompleted({ notes })).summary).toBe('Task completed: Call John Doe at ACME Corp');
    });
    it.each([
      ['call', 'call'],
      ['email', 'email'],
      ['meeting', 'meeting'],
      ['follow_up', 'note'],
      ['other', 'note'],
    ])('task_type %s logs as %s', (task_type, type) => {
      expect(renderLog('task.completed', 1, taskCompleted({ task_type })).type).toBe(type);
    });
  });

  describe('lead.converted', () => {
    it('names the lead and the opportunity', () => {
      const data = { lead_id: LEAD, name: 'John Doe', contact_id: CONTACT, opportunity_id: OPP, opportunity_name: 'ACME Expansion', actor: ALICE };
      expect(renderLog('lead.converted', 1, data)).toEqual(
        auto({ userId: ALICE.id, type: 'note', summary: 'Lead John Doe converted to opportunity ACME Expansion', leadId: LEAD, contactId: CONTACT, opportunityId: OPP }),
      );
    });
  });

  describe('contact.created', () => {
    const data = (company: string | null) => ({ contact_id: CONTACT, name: 'John Doe', company, lead_id: LEAD, actor: ALICE });
    it('names the contact and company', () => {
      expect(renderLog('contact.created', 1, data('ACME Corp'))).toEqual(
        auto({ userId: ALICE.id, type: 'note', summary: 'New contact created: John Doe from ACME Corp', leadId: LEAD, contactId: CONTACT, opportunityId: null }),
      );
    });
    it.each([null, ''])('omits " from ..." when the company is %p', (company) => {
      expect(renderLog('contact.created', 1, data(company)).summary).toBe('New contact created: John Doe');
    });
  });

  describe('interaction.logged', () => {
    it.each(['call', 'email', 'meeting', 'note'])("keeps the rep's own %s summary, source manual", (type) => {
      const data = { type, summary: 'Left a voicemail', lead_id: null, contact_id: CONTACT, opportunity_id: OPP, actor: ALICE };
      expect(renderLog('interaction.logged', 1, data)).toEqual({
        userId: ALICE.id,
        type,
        summary: 'Left a voicemail',
        leadId: null,
        contactId: CONTACT,
        opportunityId: OPP,
        source: 'manual',
      });
    });
  });

  describe('reassignments (lead, opportunity, task)', () => {
    const bob = { id: BOB, name: 'Bob Rep' };
    const carol = { id: ALICE.id, name: 'Carol Rep' };
    const lead = (old_value: object | null, new_value: object | null) => ({ lead_id: LEAD, name: 'John Doe', field: 'assigned_to', old_value, new_value, actor: ALICE });
    it.each([
      [bob, carol, 'Lead John Doe reassigned from Bob Rep to Carol Rep'],
      [null, carol, 'Lead John Doe assigned to Carol Rep'],
      [bob, null, 'Lead John Doe unassigned from Bob Rep'],
      [null, null, 'Lead John Doe left unassigned'],
    ])('from %p to %p: %s, attributed to who made the change', (from, to, summary) => {
      expect(renderLog('lead.reassigned', 1, lead(from, to))).toEqual(auto({ userId: ALICE.id, type: 'note', summary, leadId: LEAD, contactId: null, opportunityId: null }));
    });
  });

  it('an API key as the actor (actor.kind) renders the same log, and the kind is kept in the parsed data', () => {
    for (const example of LOG_EVENT_TYPES.flatMap((type) => Object.values(EXAMPLES[type]) as CrmEvent[])) {
      const asKey = { ...example, data: { ...example.data, actor: { ...(example.data as { actor: object }).actor, kind: 'api_key' } } };
      const parsed = parseEvent(JSON.stringify(asKey));
      if (!parsed.ok) throw new Error(parsed.reason);
      expect((parsed.event.data as { actor: { kind?: string } }).actor.kind).toBe('api_key');
      expect(renderEvent(parsed.event)).toEqual(renderEvent(example));
    }
  });

  it('refuses a version it has no renderer for', () => {
    expect(() => renderLog('lead.created', 99, leadCreated())).toThrow('no renderer for lead.created v99');
  });

  describe('each canonical example of the contracts', () => {
    const expected: Record<string, Omit<RenderedLog, 'leadId' | 'contactId' | 'opportunityId'> & { links: (string | null)[] }> = {
      'lead.created': { userId: BOB, type: 'note', source: 'auto', summary: 'New lead created: John Doe from ACME Corp', links: [LEAD, null, null] },
      'lead.status_changed': { userId: ALICE.id, type: 'note', source: 'auto', summary: 'Lead John Doe qualified as a potential customer', links: [LEAD, null, null] },
      'lead.converted': { userId: ALICE.id, type: 'note', source: 'auto', summary: 'Lead John Doe converted to opportunity ACME Expansion', links: [LEAD, CONTACT, OPP] },
      'contact.created': { userId: ALICE.id, type: 'note', source: 'auto', summary: 'New contact created: John Doe from ACME Corp', links: [LEAD, CONTACT, null] },
      'opportunity.created': { userId: BOB, type: 'note', source: 'auto', summary: 'New opportunity created: ACME Expansion worth $50000.00', links: [LEAD, CONTACT, OPP] },
      'opportunity.stage_changed': {
        userId: ALICE.id,
        type: 'note',
        source: 'auto',
        summary: 'Opportunity ACME Expansion WON! 🎉 Deal closed successfully',
        links: [LEAD, CONTACT, OPP],
      },
      'quote.created': { userId: ALICE.id, type: 'note', source: 'auto', summary: 'Quote created: ACME Q-1 for $1234.50', links: [null, null, OPP] },
      'task.completed': {
        userId: ALICE.id,
        type: 'call',
        source: 'auto',
        summary: 'Task completed: Call John Doe at ACME Corp - Notes: Interested in the pro plan',
        links: [LEAD, CONTACT, OPP],
      },
      'interaction.logged': { userId: ALICE.id, type: 'call', source: 'manual', summary: 'Had a great conversation about their requirements', links: [LEAD, null, null] },
      'lead.reassigned': { userId: ALICE.id, type: 'note', source: 'auto', summary: 'Lead John Doe reassigned from Bob Rep to Carol Rep', links: [LEAD, null, null] },
      'opportunity.reassigned': {
        userId: ALICE.id,
        type: 'note',
        source: 'auto',
        summary: 'Opportunity ACME Expansion reassigned from Bob Rep to Carol Rep',
        links: [LEAD, CONTACT, OPP],
      },
      'task.reassigned': { userId: ALICE.id, type: 'note', source: 'auto', summary: 'Task Call John Doe at ACME Corp assigned to Bob Rep', links: [LEAD, CONTACT, OPP] },
      'lead.deleted': { userId: ALICE.id, type: 'note', source: 'auto', summary: 'Lead deleted: John Doe', links: [LEAD, null, null] },
      'contact.deleted': { userId: ALICE.id, type: 'note', source: 'auto', summary: 'Contact deleted: John Doe', links: [LEAD, CONTACT, null] },
      'opportunity.deleted': { userId: ALICE.id, type: 'note', source: 'auto', summary: 'Opportunity deleted: ACME Expansion', links: [LEAD, CONTACT, OPP] },
      'quote.deleted': { userId: ALICE.id, type: 'note', source: 'auto', summary: 'Quote deleted: ACME Q-1', links: [null, null, OPP] },
      'task.deleted': { userId: ALICE.id, type: 'note', source: 'auto', summary: 'Task deleted: Call John Doe at ACME Corp', links: [LEAD, CONTACT, OPP] },
    };
    const examples = LOG_EVENT_TYPES.flatMap((type) => Object.values(EXAMPLES[type]) as CrmEvent[]);

    it('covers every event type that becomes a log', () => {
      expect(Object.keys(expected).sort()).toEqual([...LOG_EVENT_TYPES].sort());
    });
    it.each(examples.map((e) => [`${e.type} v${e.dataversion}`, e] as const))('%s, sent over the wire, renders its log', (_name, example) => {
      const parsed = parseEvent(Buffer.from(JSON.stringify(example)));
      if (!parsed.ok) throw new Error(parsed.reason);
      const { links, ...log } = expected[example.type];
      expect(renderEvent(parsed.event)).toEqual({ ...log, leadId: links[0], contactId: links[1], opportunityId: links[2] });
    });
  });
});
