/**
 * Publishes sample traffic to `crm.events` in AMQP_URL's vhost, for trying the logger by
 * hand: every canonical example (twice, to show dedup), malformed messages (each must
 * land in the dead-letter queue with its reason), and optionally N fresh valid events.
 *
 *   AMQP_URL=amqp://guest:guest@127.0.0.1:5672/my_vhost \
 *     npx ts-node --transpile-only -r tsconfig-paths/register apps/activity-logger/scripts/publish-samples.ts [examples] [bad] [poison] [fresh=N]
 */
import { connect } from 'amqplib';
import { BrokerRotation } from '@app/platform';
import { randomUUID } from 'node:crypto';
import { buildEvent, CrmEvent, EXAMPLES, EXCHANGE, LOG_EVENT_TYPES, messageProperties } from '@app/contracts';
import { LoggerConfig } from '../src/config/logger.config';

const ALICE = { id: '0b8f3f4e-3f0c-4c56-9a55-2a3c7e1d0a01', name: 'Alice Admin' };

async function main() {
  const args = process.argv.slice(2);
  const want = (name: string) => args.length === 0 || args.includes(name);
  const fresh = Number(args.find((a) => a.startsWith('fresh='))?.slice(6) ?? 0);
  const { AMQP_URL } = LoggerConfig.load();
  const connection = await new BrokerRotation(AMQP_URL).connect((url) => connect(url));
  const channel = await connection.createConfirmChannel();
  await channel.assertExchange(EXCHANGE, 'topic', { durable: true });
  let sent = 0;
  const send = (routingKey: string, body: string | Buffer, props: object = {}) => {
    channel.publish(EXCHANGE, routingKey, Buffer.isBuffer(body) ? body : Buffer.from(body), { persistent: true, mandatory: true, ...props });
    sent++;
  };
  const sendEvent = (e: CrmEvent) => send(e.type, JSON.stringify(e), messageProperties(e));

  if (want('examples')) {
    const examples = LOG_EVENT_TYPES.flatMap((t) => Object.values(EXAMPLES[t]) as CrmEvent[]); // the changes of a log need that log first
    examples.forEach(sendEvent);
    examples.forEach(sendEvent); // redelivered / published twice: must be written once
  }
  if (want('bad')) {
    const valid = EXAMPLES['lead.created'][1];
    send('lead.created', '{oops', { messageId: 'bad-not-json' });
    send('lead.created', JSON.stringify({ hello: 'world' }), { messageId: 'bad-envelope' });
    send('lead.exploded', JSON.stringify({ ...valid, id: randomUUID(), type: 'lead.exploded' }), { messageId: 'bad-type' });
    send('lead.created', JSON.stringify({ ...valid, id: randomUUID(), dataversion: 9 }), { messageId: 'bad-version' });
    send('lead.created', JSON.stringify({ ...valid, id: randomUUID(), data: { ...valid.data, name: '' } }), { messageId: 'bad-data' });
  }
  if (want('poison')) {
    // Valid for the contracts, refused by PostgreSQL (text cannot hold NUL): fails on its own at write time.
    const e = buildEvent('interaction.logged', { type: 'note', summary: 'nul \u0000 byte', lead_id: null, contact_id: null, opportunity_id: null, actor: ALICE });
    sendEvent(e);
    console.log(JSON.stringify({ poison_event_id: e.id }));
  }
  for (let i = 0; i < fresh; i++) {
    sendEvent(buildEvent('interaction.logged', { type: 'call', summary: `Sample call ${i}`, lead_id: randomUUID(), contact_id: null, opportunity_id: null, actor: ALICE }));
  }
  await channel.waitForConfirms();
  console.log(JSON.stringify({ sent }));
  await connection.close();
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
