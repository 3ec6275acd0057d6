import { Entity, Index, Opt, PrimaryKey, Property } from '@mikro-orm/core';

/**
 * One event waiting to be (or already) published. Written in the same transaction as
 * the change it describes; the relay sets `sent_at` only after the broker confirmed it.
 */
@Entity({ schema: 'crm', tableName: 'outbox' })
@Index({ name: 'outbox_unsent_idx', properties: ['createdAt'], expression: 'create index "outbox_unsent_idx" on "crm"."outbox" ("created_at") where "sent_at" is null' })
@Index({
  name: 'outbox_log_changes_idx',
  expression: `create index "outbox_log_changes_idx" on "crm"."outbox" ((payload #>> '{data,log_id}')) where "type" in ('interaction.edited', 'interaction.deleted')`,
})
export class OutboxEvent {
  /** The CloudEvent id: the consumer's dedup key, and the AMQP messageId. */
  @PrimaryKey({ type: 'uuid' })
  id!: string;

  /** Routing key = event type. */
  @Property({ type: 'text' })
  type!: string;

  /** The whole CloudEvent envelope, published as is. */
  @Property({ type: 'json' })
  payload!: Record<string, unknown>;

  @Property({ type: 'datetime', defaultRaw: 'now()' })
  createdAt: Date & Opt = new Date();

  @Property({ type: 'datetime', nullable: true })
  sentAt?: Date | null;

  @Property({ type: 'integer', default: 0 })
  attempts: number & Opt = 0;
}
