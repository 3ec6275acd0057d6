import { ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import Ajv from 'ajv';
import addFormats from 'ajv-formats';
import { connect } from 'amqplib';
import { CrmEvent, EVENT_TYPES, EXAMPLES, EXCHANGE, LOG_EVENT_TYPES, messageProperties } from '@app/contracts';
import { amqpCapture, AmqpCapture, ApiClient, create, createUser, eventually, expectStatus, uniq, update, withSystem } from '../utils';

const ROOT = join(__dirname, '..', '..');

/** Every kind of change a user can make, so every event type crosses the broker. */
async function everyKindOfChange(admin: ApiClient) {
  const rep = await createUser(admin);
  const lead = await create(admin, 'leads', { name: uniq('Contract Lead'), company: 'Contract Co', assigned_to: rep.id });
  await update(admin, 'leads', lead.id, { status: 'qualified' });
  const contact = await create(admin, 'contacts', { name: uniq('Contract Contact'), lead: lead.id });
  const opp = await create(admin, 'opportunities', { name: uniq('Contract Opp'), contact: contact.id, lead: lead.id });
  await update(admin, 'opportunities', opp.id, { stage: 'proposal' });
  await create(admin, 'quotes', { title: uniq('Contract Quote'), total_price: '99.90', opportunity: opp.id });
  const task = await create(admin, 'tasks', { action: 'Email', target: 'the buyer', type: 'email', lead: lead.id });
  expectStatus(await admin.post(`/api/tasks/${task.id}/mark_completed/`, {}), 200, 'mark_completed');
  const other = await create(admin, 'leads', { name: uniq('Convert Me') });
  expectStatus(await admin.post(`/api/leads/${other.id}/convert/`, { opportunity: { name: uniq('Converted Opp'), amount: 10 } }), 201, 'convert');
  for (const [resource, id] of [
    ['leads', lead.id],
    ['contacts', contact.id],
    ['opportunities', opp.id],
  ])
    expectStatus(await admin.post(`/api/${resource}/${id}/log_interaction/`, { type: 'meeting', summary: 'Contract check' }), 202, 'log_interaction');
  // A manual log corrected, and one deleted (each once the logger has written it).
  for (const change of ['edit', 'delete'] as const) {
    const log = expectStatus(await admin.post(`/api/leads/${lead.id}/log_interaction/`, { type: 'note', summary: 'Contract typo' }, { prefer: 'wait=10' }), 201, 'log_interaction');
    const res = change === 'edit' ? await admin.patch(`/api/interaction-logs/${log.id}/`, { summary: 'Contract fixed' }) : await admin.delete(`/api/interaction-logs/${log.id}/`);
    expectStatus(res, 202, `${change} the log`);
  }
  // Reassignments, then deletions (children first).
  await update(admin, 'leads', lead.id, { assigned_to: null });
  await update(admin, 'opportunities', opp.id, { owner: rep.id });
  const open = await create(admin, 'tasks', { action: 'Call', target: 'the buyer', lead: lead.id });
  await update(admin, 'tasks', open.id, { assigned_to: rep.id });
  const quote = await create(admin, 'quotes', { title: uniq('Doomed Quote'), total_price: '1.00', opportunity: opp.id });
  for (const [resource, id] of [
    ['tasks', open.id],
    ['quotes', quote.id],
    ['opportunities', opp.id],
    ['contacts', contact.id],
    ['leads', lead.id],
  ])
    expectStatus(await admin.delete(`/api/${resource}/${id}/`), 204, `DELETE /api/${resource}/${id}/`);
}

/** The outside team's consumer (test/external-consumer/consumer.js), as a child process. */
function startExternalConsumer(amqpUrl: string) {
  const child: ChildProcessWithoutNullStreams = spawn(process.execPath, [join(ROOT, 'test/external-consumer/consumer.js'), join(ROOT, 'docs/asyncapi.yaml'), amqpUrl]);
  const lines: any[] = [];
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  createInterface({ input: child.stdout }).on('line', (l) => lines.push(JSON.parse(l)));
  return {
    ready: () => eventually(() => expect(lines.some((l) => l.ready)).toBe(true)),
    seen: () => Math.max(0, ...lines.map((l) => l.seen ?? 0)),
    async finish() {
      child.kill('SIGTERM');
      return eventually(() => {
        const last = lines.find((l) => l.report);
        if (!last) throw new Error(`no report yet; stderr: ${stderr}`);
        return last.report as { valid: number; invalid: unknown[]; byType: Record<string, number> };
      });
    },
  };
}

/**
 * The file has a database and vhost of its own: the outside consumer and the capture judge
 * EVERY message on their vhost, and other files publish deliberately invalid or unrelated
 * messages on the run's shared one (delivery, infra, poison, fuzz).
 */
describe('message contracts on the wire', () => {
  let capture: AmqpCapture;
  const sys = withSystem({ isolated: true });

  beforeAll(async () => {
    capture = sys.closeAtEnd(await amqpCapture(sys.stack.amqpUrl));
  });

  it('every message crm-api publishes matches the AsyncAPI document, checked by a consumer that knows only the document', async () => {
    const external = startExternalConsumer(sys.stack.amqpUrl);
    await external.ready();
    const before = capture.messages.length;
    await everyKindOfChange(sys.admin);
    // Both witnesses saw the traffic: our capture, and the outside consumer.
    const seenTypes = () => new Set(capture.messages.slice(before).map((m) => m.routingKey));
    await eventually(() => expect([...seenTypes()].sort()).toEqual([...EVENT_TYPES].sort()));
    await eventually(() => expect(external.seen()).toBeGreaterThanOrEqual(capture.messages.length - before));
    const report = await external.finish();
    expect(report.invalid).toEqual([]);
    expect(Object.keys(report.byType).sort()).toEqual([...EVENT_TYPES].sort());
  });

  it('every captured payload also matches the frozen JSON Schema snapshot of its version (ajv, not zod)', async () => {
    const ajv = new Ajv({ allErrors: true, strict: false });
    addFormats(ajv);
    const before = capture.messages.length;
    await everyKindOfChange(sys.admin);
    await eventually(() => expect(new Set(capture.messages.slice(before).map((m) => m.routingKey)).size).toBe(EVENT_TYPES.length));
    for (const m of capture.messages) {
      const version = m.properties.headers?.['x-event-version'];
      const schema = JSON.parse(readFileSync(join(ROOT, `libs/contracts/schemas/${m.routingKey}.v${version}.json`), 'utf8'));
      const validate = ajv.getSchema(`${m.routingKey}.v${version}`) ?? (ajv.addSchema(schema, `${m.routingKey}.v${version}`), ajv.getSchema(`${m.routingKey}.v${version}`)!);
      if (!validate(m.body.data)) throw new Error(`${m.routingKey} v${version}: ${ajv.errorsText(validate.errors)}\n${JSON.stringify(m.body)}`);
      expect(m.properties).toMatchObject({ messageId: m.body.id, type: m.body.type, contentType: 'application/cloudevents+json', deliveryMode: 2 });
      expect(m.body.type).toBe(m.routingKey);
    }
  });

  it('the logger turns each canonical example into its log', async () => {
    const expected: Record<string, { summary: string; type: string; source: string }> = {
      'lead.created': { summary: 'New lead created: John Doe from ACME Corp', type: 'note', source: 'auto' },
      'lead.status_changed': { summary: 'Lead John Doe qualified as a potential customer', type: 'note', source: 'auto' },
      'lead.converted': { summary: 'Lead John Doe converted to opportunity ACME Expansion', type: 'note', source: 'auto' },
      'contact.created': { summary: 'New contact created: John Doe from ACME Corp', type: 'note', source: 'auto' },
      'opportunity.created': { summary: 'New opportunity created: ACME Expansion worth $50000.00', type: 'note', source: 'auto' },
      'opportunity.stage_changed': { summary: 'Opportunity ACME Expansion WON! 🎉 Deal closed successfully', type: 'note', source: 'auto' },
      'quote.created': { summary: 'Quote created: ACME Q-1 for $1234.50', type: 'note', source: 'auto' },
      'task.completed': { summary: 'Task completed: Call John Doe at ACME Corp - Notes: Interested in the pro plan', type: 'call', source: 'auto' },
      'interaction.logged': { summary: 'Had a great conversation about their requirements', type: 'call', source: 'manual' },
      'lead.reassigned': { summary: 'Lead John Doe reassigned from Bob Rep to Carol Rep', type: 'note', source: 'auto' },
      'opportunity.reassigned': { summary: 'Opportunity ACME Expansion reassigned from Bob Rep to Carol Rep', type: 'note', source: 'auto' },
      'task.reassigned': { summary: 'Task Call John Doe at ACME Corp assigned to Bob Rep', type: 'note', source: 'auto' },
      'lead.deleted': { summary: 'Lead deleted: John Doe', type: 'note', source: 'auto' },
      'contact.deleted': { summary: 'Contact deleted: John Doe', type: 'note', source: 'auto' },
      'opportunity.deleted': { summary: 'Opportunity deleted: ACME Expansion', type: 'note', source: 'auto' },
      'quote.deleted': { summary: 'Quote deleted: ACME Q-1', type: 'note', source: 'auto' },
      'task.deleted': { summary: 'Task deleted: Call John Doe at ACME Corp', type: 'note', source: 'auto' },
    };
    expect(Object.keys(expected).sort()).toEqual([...LOG_EVENT_TYPES].sort());
    const connection = await connect(sys.stack.amqpUrl);
    const channel = await connection.createConfirmChannel();
    const published: { id: string; type: string }[] = [];
    for (const type of LOG_EVENT_TYPES) {
      for (const example of Object.values(EXAMPLES[type])) {
        // A fresh id per run: the examples' own ids would collide with an earlier run's logs.
        const event = { ...example, id: randomUUID() };
        channel.publish(EXCHANGE, type, Buffer.from(JSON.stringify(event)), { ...messageProperties(event), mandatory: true });
        published.push({ id: event.id, type });
      }
    }
    await channel.waitForConfirms();
    await connection.close();
    for (const { id, type } of published) {
      const log = await eventually(async () => expectStatus(await sys.admin.get(`/api/interaction-logs/${id}/`), 200, `log of ${type}`));
      expect({ summary: log.summary, type: log.type, source: log.source }).toEqual(expected[type]);
    }
  });

  it("the logger applies the canonical changes of a log to that log: the edit's text and type, the delete's tombstone", async () => {
    const connection = await connect(sys.stack.amqpUrl);
    const channel = await connection.createConfirmChannel();
    const send = (e: CrmEvent) => channel.publish(EXCHANGE, e.type, Buffer.from(JSON.stringify(e)), { ...messageProperties(e), mandatory: true });
    // Each change names the canonical manual log: here a fresh copy of it each.
    const logOf = () => ({ ...EXAMPLES['interaction.logged'][1], id: randomUUID() });
    const [edited, deleted] = [logOf(), logOf()];
    const edit = EXAMPLES['interaction.edited'][1];
    const del = EXAMPLES['interaction.deleted'][1];
    send(edited);
    send(deleted);
    send({ ...edit, id: randomUUID(), data: { ...edit.data, log_id: edited.id } });
    send({ ...del, id: randomUUID(), data: { ...del.data, log_id: deleted.id } });
    await channel.waitForConfirms();
    await connection.close();
    await eventually(async () => {
      const log = expectStatus(await sys.admin.get(`/api/interaction-logs/${edited.id}/`), 200);
      expect({ summary: log.summary, type: log.type, edited_by: log.edited_by, edited_at: log.edited_at }).toEqual({
        summary: edit.data.summary,
        type: edit.data.type,
        edited_by: edit.data.actor,
        edited_at: edit.time,
      });
    });
    await eventually(async () => expectStatus(await sys.admin.get(`/api/interaction-logs/${deleted.id}/`), 404));
  });
});
