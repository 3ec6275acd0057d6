import { ConfirmChannel } from 'amqplib';

export interface Outgoing {
  exchange: string;
  routingKey: string;
  body: Buffer;
  properties: Record<string, unknown>;
}

/**
 * Publishes every message on a confirm channel, pipelined with at most `window`
 * unconfirmed at a time, and resolves once the broker has confirmed all of them.
 * A nack or a returned (unroutable, mandatory) message fails the whole call.
 */
export async function publishConfirmed(ch: ConfirmChannel, messages: Iterable<Outgoing>, window = 1000): Promise<number> {
  let inFlight = 0;
  let sent = 0;
  let failure = null as Error | null; // set by callbacks: typed so the checks below are not narrowed to null
  let wake: (() => void) | null = null;
  const returned = (msg: { fields: { routingKey: string } }) => {
    failure ??= new Error(`message returned as unroutable (routing key ${msg.fields.routingKey})`);
  };
  ch.on('return', returned);
  const settle = () => {
    inFlight -= 1;
    const w = wake;
    wake = null;
    w?.();
  };
  try {
    for (const m of messages) {
      if (failure) throw failure;
      while (inFlight >= window) await new Promise<void>((r) => (wake = r));
      inFlight += 1;
      sent += 1;
      const ok = ch.publish(m.exchange, m.routingKey, m.body, m.properties, (err) => {
        if (err) failure ??= new Error(`nacked by the broker: ${String(err)}`);
        settle();
      });
      if (!ok) await new Promise<void>((r) => ch.once('drain', () => r()));
    }
    while (inFlight > 0) await new Promise<void>((r) => (wake = r));
    if (failure) throw failure;
    return sent;
  } finally {
    ch.off('return', returned);
  }
}
