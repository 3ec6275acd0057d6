import { randomUUID } from 'node:crypto';
import { ChannelModel, ConfirmChannel, connect, ConsumeMessage } from 'amqplib';
import { buildEvent, EXCHANGE, HEADERS, messageProperties } from '@app/contracts';
import { api, ApiClient, AppProcess, create, eventually, expectStatus, feed, logWithSummary, startApi, startLogger, takeDeadLetters, testEnv, uniq } from '../utils';

// jest reads testTimeout only from the top level of its config, not from a project's.
jest.setTimeout(120_000);

/**
 * The delivery guarantees seen from outside, with messages published straight to the
 * broker beside crm-api's: a redelivered event writes nothing twice, and a message the
 * logger cannot read goes to the dead-letter queue with its reason without blocking the
 * messages behind it.
 */
describe('delivery guarantees', () => {
  let apiProcess: AppProcess;
  let loggerProcess: AppProcess;
  let admin: ApiClient;
  let me: { id: string; name: string };
  let broker: ChannelModel;
  let channel: ConfirmChannel;

  beforeAll(async () => {
    [apiProcess, loggerProcess] = await Promise.all([startApi(), startLogger()]);
    admin = await api(apiProcess.url);
    const user = expectStatus(await admin.get('/api/users/me/'), 200, 'GET /api/users/me/');
    me = { id: user.id, name: user.name ?? user.email };
    broker = await connect(testEnv().amqpUrl);
    channel = await broker.createConfirmChannel();
  });

  afterAll(async () => {
    await broker?.close().catch(() => undefined);
    await Promise.all([apiProcess?.stop(), loggerProcess?.stop()]);
  });

  const publish = async (routingKey: string, body: string, options: Record<string, unknown>) => {
    channel.publish(EXCHANGE, routingKey, Buffer.from(body), { persistent: true, ...options });
    await channel.waitForConfirms();
  };

  it('writes one log for an event delivered twice', async () => {
    const lead = await create(admin, 'leads', { name: uniq('Twice Lead') });
    const summary = `Delivered twice (${uniq('dup')})`;
    const event = buildEvent('interaction.logged', { type: 'call', summary, lead_id: lead.id, contact_id: null, opportunity_id: null, actor: me });
    for (let i = 0; i < 2; i += 1) await publish(event.type, JSON.stringify(event), messageProperties(event));

    const log = await logWithSummary(admin, { lead: lead.id }, summary);
    expect(log).toMatchObject({ id: event.id, type: 'call', source: 'manual', user: me.id, lead: lead.id });
    // A later event through the API, once logged, shows the duplicate had its chance.
    await admin.post(`/api/leads/${lead.id}/log_interaction/`, { type: 'note', summary: 'after the duplicate' });
    await logWithSummary(admin, { lead: lead.id }, 'after the duplicate');
    const { results } = await feed(admin, { lead: lead.id });
    expect(results.filter((l) => l.summary === summary)).toHaveLength(1);
  });

  it('dead-letters what it cannot read, with the reason, and goes on with the rest', async () => {
    const notJson = randomUUID();
    const invalid = randomUUID();
    await publish('lead.created', '{ this is not json', { messageId: notJson, type: 'lead.created', contentType: 'application/cloudevents+json' });
    const bad = buildEvent('lead.created', { lead_id: randomUUID(), name: '', company: null, status: 'new', assigned_to: null, actor: me } as any);
    await publish('lead.created', JSON.stringify({ ...bad, id: invalid }), { ...messageProperties(bad), messageId: invalid });

    // Not blocked: a change made after them is logged.
    const name = uniq('After Poison');
    const lead = await create(admin, 'leads', { name });
    await logWithSummary(admin, { lead: lead.id }, `New lead created: ${name}`);

    const dead = new Map<string, ConsumeMessage>();
    await eventually(async () => {
      await takeDeadLetters(testEnv().amqpUrl, [notJson, invalid], dead);
      expect([...dead.keys()].sort()).toEqual([notJson, invalid].sort());
    });
    expect(String(dead.get(notJson)!.properties.headers?.[HEADERS.deadLetterReason])).toMatch(/JSON/);
    expect(String(dead.get(invalid)!.properties.headers?.[HEADERS.deadLetterReason])).toMatch(/lead\.created/);
    expect(dead.get(notJson)!.content.toString()).toBe('{ this is not json');
  });
});
