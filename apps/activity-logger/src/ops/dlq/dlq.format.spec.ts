import { EXAMPLES, messageProperties } from '@app/contracts';
import { describeDeadLetter } from './dead-letter.view';
import { deadLettered } from './dead-lettered.fixture';
import { countByReason, formatList, formatShow } from './dlq.format';

describe('dlq output', () => {
  const event = EXAMPLES['lead.created'][1];
  const messages = [
    deadLettered('{ oops', { messageId: 'bad-1' }, 'not JSON: Unexpected token o'),
    deadLettered(JSON.stringify(event), messageProperties(event), 'write failed: refused\nby a trigger (P0001)', 'lead.created', 5),
    deadLettered('{ oops again', { messageId: 'bad-2' }, 'not JSON: Unexpected token o'),
  ];
  const views = messages.map(describeDeadLetter);

  it('lists one line per message (reason on one line) and the counts by reason, most frequent first', () => {
    const lines = formatList(views, 'activity-logger.dead-letter', 3);
    expect(lines[0]).toMatch(/^ID\s+TYPE\s+ATTEMPTS\s+DEAD-LETTERED AT\s+REASON$/);
    expect(lines[1]).toMatch(/^bad-1\s+lead\.created\s+1\s+2026-12-01T10:00:00\.000Z\s+not JSON: Unexpected token o$/);
    expect(lines[2]).toMatch(new RegExp(`^${event.id}\\s+lead\\.created\\s+5\\s+\\S+\\s+write failed: refused by a trigger \\(P0001\\)$`));
    expect(lines.slice(5)).toEqual(['3 dead letter(s) in activity-logger.dead-letter', 'by reason:', '       2  not_json', '       1  write_failed']);
    expect(countByReason(views)).toEqual([
      ['not_json', 2],
      ['write_failed', 1],
    ]);
  });

  it('says when it shows fewer than the queue holds, and when the queue is empty', () => {
    expect(formatList(views.slice(0, 1), 'q', 7)).toContain('1 of 7 dead letter(s) in q shown (--limit)');
    expect(formatList([], 'q', 0)).toEqual(['q: no dead letters']);
  });

  it('shows every header and the body pretty-printed, or as it is when it is not JSON', () => {
    const shown = formatShow(messages[1]).join('\n');
    expect(shown).toContain(`id:            ${event.id}`);
    expect(shown).toContain('replays to:    crm.events with routing key lead.created');
    expect(shown).toContain('  x-dead-letter-reason: "write failed: refused\\nby a trigger (P0001)"');
    expect(shown).toContain('  x-delivery-count: 2');
    expect(shown).toContain(`body:\n{\n  "specversion": "1.0",\n  "id": "${event.id}",`);
    expect(formatShow(messages[0]).slice(-2)).toEqual(['body:', '{ oops']);
  });
});
