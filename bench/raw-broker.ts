import { connect } from 'amqplib';
import { EventMix } from './lib/events';
import { publishConfirmed } from './lib/amqp';

const QUEUE = 'bench.raw';
const EXCHANGE = 'bench.raw';

/**
 * The broker's own speed for the logger's pattern, with nothing of ours in the way:
 * publish N persistent event-sized messages on a confirm channel (pipelined, 1,000
 * unconfirmed at most) through a topic exchange into a quorum queue; then consume them
 * with manual acks at prefetch 1,000, acking every `batch` deliveries at once (multiple),
 * which is what a batching consumer does after each commit.
 */
export async function rawBroker(amqpUrl: string, n: number, batch: number) {
  const mix = new EventMix();
  const bodies = Array.from({ length: n }, () => EventMix.message(mix.next()));
  const conn = await connect(amqpUrl);
  try {
    const ch = await conn.createConfirmChannel();
    await ch.assertExchange(EXCHANGE, 'topic', { durable: true });
    await ch.assertQueue(QUEUE, { durable: true, arguments: { 'x-queue-type': 'quorum' } });
    await ch.bindQueue(QUEUE, EXCHANGE, '#');
    await ch.purgeQueue(QUEUE);

    const t0 = process.hrtime.bigint();
    await publishConfirmed(
      ch,
      bodies.map((m) => ({ exchange: EXCHANGE, routingKey: String(m.properties.type), body: m.body, properties: m.properties })),
    );
    const publishS = Number(process.hrtime.bigint() - t0) / 1e9;
    const depth = (await ch.checkQueue(QUEUE)).messageCount;
    if (depth !== n) throw new Error(`raw broker: ${depth} messages in the queue, expected ${n}`);

    const cch = await conn.createChannel();
    await cch.prefetch(1000);
    let got = 0;
    let pending = 0;
    const t1 = process.hrtime.bigint();
    await new Promise<void>((resolve, reject) => {
      cch
        .consume(
          QUEUE,
          (msg) => {
            if (!msg) return reject(new Error('consumer cancelled'));
            got += 1;
            pending += 1;
            if (pending >= batch || got === n) {
              cch.ack(msg, true);
              pending = 0;
            }
            if (got === n) resolve();
          },
          { noAck: false },
        )
        .catch(reject);
    });
    // A synchronous round trip on the same channel: the broker has processed every ack before it answers.
    await cch.checkQueue(QUEUE);
    const consumeS = Number(process.hrtime.bigint() - t1) / 1e9;
    await cch.close();
    await ch.deleteQueue(QUEUE);
    await ch.close();
    const bytes = bodies.reduce((s, m) => s + m.body.length, 0) / n;
    return { publishPerS: n / publishS, consumePerS: n / consumeS, messages: n, avgBodyBytes: Math.round(bytes) };
  } finally {
    await conn.close().catch(() => undefined);
  }
}
