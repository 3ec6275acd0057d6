import type { Logger } from '@nestjs/common';
import type { ConsumeMessage } from 'amqplib';
import type { Link } from './broker-link';
import { ids } from './message-ids';

/**
 * Acks deliveries on the channels that delivered them: per channel one multiple-ack when
 * the ledger says no earlier tag is held elsewhere, else one by one. Deliveries of a dead
 * link are skipped: the broker has them back.
 */
export function ack(deliveries: { link: Link; msg: ConsumeMessage }[], log: Logger): void {
  const byLink = new Map<Link, Map<number, ConsumeMessage>>();
  for (const { link, msg } of deliveries) {
    if (!link.alive) continue;
    const tags = byLink.get(link) ?? new Map<number, ConsumeMessage>();
    tags.set(msg.fields.deliveryTag, msg);
    byLink.set(link, tags);
  }
  for (const [link, tags] of byLink) {
    const plan = link.ledger.settle([...tags.keys()]);
    try {
      if ('upTo' in plan) link.channel.ack(tags.get(plan.upTo)!, true);
      else for (const tag of plan.each) link.channel.ack(tags.get(tag)!);
    } catch (err) {
      // The channel is closing under us: the broker redelivers, the event id dedups.
      log.warn({ msg: 'ack failed: the broker will redeliver', error: (err as Error).message, link: link.id });
    }
  }
}

/** Gives one delivery back to the queue (requeue), once. */
export function nack(link: Link, msg: ConsumeMessage, log: Logger): void {
  if (!link.alive || !link.ledger.drop(msg.fields.deliveryTag)) return;
  try {
    link.channel.nack(msg, false, true);
  } catch (err) {
    log.warn({ msg: 'nack failed: the broker will redeliver', ...ids(msg), error: (err as Error).message });
  }
}
