import { CrmEvent, EXAMPLES } from '@app/contracts';
import { toRecord } from '../../logs/logs.service';
import { planRerender, StoredLog } from './rerender.plan';

/** A row as the logger stored it, from a canonical example. */
function stored(example: CrmEvent, over: Partial<StoredLog> = {}): StoredLog {
  const r = toRecord(example);
  return {
    id: r.id,
    event_type: r.eventType,
    event_version: r.eventVersion,
    data: JSON.parse(JSON.stringify(r.data)),
    summary: r.summary,
    type: r.type,
    source: r.source,
    ...over,
  };
}

describe('planRerender', () => {
  const lead = EXAMPLES['lead.created'][1];
  const task = EXAMPLES['task.completed'][1];
  const manual = EXAMPLES['interaction.logged'][1];

  it('changes nothing when every stored text is what the renderers say today', () => {
    expect(planRerender([stored(lead), stored(task), stored(manual)])).toEqual({ changes: [], unrenderable: [] });
  });

  it("re-renders an old summary and an old type with the consumer's renderers", () => {
    const plan = planRerender([stored(lead, { summary: 'Lead created: John Doe (ACME Corp)' }), stored(task, { type: 'note' })]);
    expect(plan.changes).toEqual([
      { id: lead.id, summary: 'New lead created: John Doe from ACME Corp', type: 'note' },
      { id: task.id, summary: 'Task completed: Call John Doe at ACME Corp - Notes: Interested in the pro plan', type: 'call' },
    ]);
  });

  it("leaves a manual log's text alone", () => {
    expect(planRerender([stored(manual, { summary: 'edited by the rep' })]).changes).toEqual([]);
  });

  it('reports, and leaves as they are, rows it cannot render', () => {
    const plan = planRerender([
      stored(lead, { id: 'a', event_version: 7 }),
      stored(lead, { id: 'b', event_type: 'lead.exploded' }),
      stored(lead, { id: 'c', data: { name: 'no ids' } }),
    ]);
    expect(plan.changes).toEqual([]);
    expect(plan.unrenderable.map((u) => u.id)).toEqual(['a', 'b', 'c']);
    expect(plan.unrenderable[0].reason).toBe('unknown version 7 of lead.created');
    expect(plan.unrenderable[1].reason).toBe('unknown event type lead.exploded');
    expect(plan.unrenderable[2].reason).toMatch(/^stored data no longer valid: lead_id/);
  });
});
