import { CURRENT_VERSION, EVENT_TYPES, EventType, isLogChange, parseEvent } from '@app/contracts';
import { toChange } from '../../../apps/activity-logger/src/logs/log-changes';
import { toRecord } from '../../../apps/activity-logger/src/logs/logs.service';
import { committedMatches, consumerPact } from '../../pact/pact-files';
import { relianceOf } from '../../pact/reliance';

/**
 * The activity-logger's pact with crm-api: per event type, at the version crm-api
 * publishes, the message it relies on (relianceOf: every required field, matched by its
 * schema), in the case the canonical example shows. The handler is the logger's own
 * path from a message body to a log row (parse and validate, then render): a message
 * the pact allows must become a log with a summary, or for a change of a log
 * (LOG_CHANGE_TYPES) the change the logger applies to the log it names.
 *
 * Older versions are not in the pact: crm-api no longer produces them, so it cannot be
 * verified against them; the logger's acceptance of them is pinned by the contracts'
 * compatibility snapshots and the renderer's tests of every canonical example.
 */
const STATES: Record<EventType, string> = {
  'lead.created': 'a lead with a company is created, assigned to a rep',
  'lead.status_changed': 'a new lead is qualified',
  'lead.converted': 'a lead is converted into a contact and an opportunity',
  'contact.created': 'a contact with a company is created from a lead',
  'opportunity.created': 'an opportunity with an amount is created for a contact and a lead',
  'opportunity.stage_changed': 'an opportunity of a contact and a lead moves from negotiation to won',
  'quote.created': 'a quote is added to an opportunity',
  'task.completed': 'a call task with notes, on a lead, a contact and an opportunity, is completed',
  'interaction.logged': 'a call is logged on a lead',
  'lead.reassigned': 'a lead is handed from one rep to another',
  'opportunity.reassigned': 'an opportunity of a contact and a lead is handed from one rep to another',
  'task.reassigned': 'an unassigned task on a lead, a contact and an opportunity is assigned to a rep',
  'lead.deleted': 'a lead is deleted',
  'contact.deleted': 'a contact from a lead is deleted',
  'opportunity.deleted': 'an opportunity of a contact and a lead is deleted',
  'quote.deleted': 'a quote is deleted',
  'task.deleted': 'a task on a lead, a contact and an opportunity is deleted',
  'interaction.edited': 'a call logged on a lead is corrected into a meeting by its author',
  'interaction.deleted': 'a call logged on a lead is deleted by its author',
};

const CONSUMER = 'activity-logger';
const { pact, written } = consumerPact(CONSUMER);

describe("the activity-logger's pact with crm-api", () => {
  it.each(EVENT_TYPES)('%s: the message it relies on becomes a log (or a change of one)', async (type) => {
    const version = CURRENT_VERSION[type];
    await pact()
      .given(STATES[type])
      .expectsToReceive(`${type} v${version}`)
      .withContent(relianceOf(type, version))
      .verify(async (message) => {
        const parsed = parseEvent(JSON.stringify(message.contents));
        if (!parsed.ok) throw new Error(`the logger would dead-letter it: ${parsed.reason}`);
        if (isLogChange(type)) {
          const change = toChange(parsed.event);
          expect(change.logId).toMatch(/^[0-9a-f-]{36}$/);
          expect(change.kind === 'delete' || change.summary!.length > 0).toBe(true);
          return;
        }
        const log = toRecord(parsed.event);
        expect(log.summary.length).toBeGreaterThan(0);
        expect(log.eventType).toBe(type);
      });
  });

  it('is the pact committed in pacts/, which crm-api is verified against', () => {
    const { ok, committed } = committedMatches(CONSUMER, written());
    if (!ok) throw new Error(`${committed} differs from what this spec states: commit it with PACT_UPDATE=1 npm test -- test/unit/pact`);
  });
});
