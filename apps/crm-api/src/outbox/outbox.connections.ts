import { EntityManager } from '@mikro-orm/postgresql';
import { Logger, Provider } from '@nestjs/common';
import { CHANNELS, EXCHANGE } from '@app/contracts';
import { ConfirmPublisher, PgListener } from '@app/platform';
import { ApiConfig } from '../config/api.config';
import { dbTimeouts } from '../database/db-timeouts';
import { OutboxRepository } from './outbox.repository';

/** The relay's broker connection: a ConfirmPublisher (publishes with mandatory, counts returns as failures). */
export const OUTBOX_PUBLISHER = Symbol('OUTBOX_PUBLISHER');
/** The relay's LISTEN connection on CHANNELS.outbox: the relay hands it its callbacks at start(). */
export const OUTBOX_LISTENER = Symbol('OUTBOX_LISTENER');

/** Tells the relay of crm-api's commits (see Commits). */
export const OUTBOX_COMMITS = Symbol('OUTBOX_COMMITS');

/**
 * Every commit crm-api makes: each root transaction of the ORM (afterTransactionCommit),
 * and each one-statement insert of insertNew outside one (it dispatches the same event).
 * The relay drains at each, so an event leaves within milliseconds of its commit without a
 * pg_notify per write (migration 20261204000100 says what that cost). A commit that added
 * no event costs an empty claim at most (none while a round is running).
 */
export interface Commits {
  onCommit(listener: () => void): void;
}

/**
 * The relay's connections (its pool on crm.outbox, the broker, the LISTEN), built by Nest
 * from the config (not by the relay), so a test can hand the relay others. The relay
 * opens and closes them: its shutdown order (the round in flight first, then the
 * listener, the publisher and the pool) is what matters.
 */
export const outboxConnections: Provider[] = [
  {
    provide: OUTBOX_COMMITS,
    inject: [EntityManager],
    // Registered on the global EntityManager's event manager: request forks share it, and
    // a transaction's fork clones it (subscribers included), so it must be there before any.
    useFactory: (em: EntityManager): Commits => ({ onCommit: (listener) => em.getEventManager().registerSubscriber({ afterTransactionCommit: () => listener() }) }),
  },
  {
    provide: OutboxRepository,
    inject: [ApiConfig],
    useFactory: (config: ApiConfig) => {
      const log = new Logger('OutboxRelay');
      return new OutboxRepository(config.DATABASE_URL, dbTimeouts(config), (e) => log.warn({ msg: 'database connection lost', pool: 'outbox relay', error: e.message }));
    },
  },
  {
    provide: OUTBOX_PUBLISHER,
    inject: [ApiConfig],
    useFactory: (config: ApiConfig) =>
      new ConfirmPublisher(config.AMQP_URL, 'crm-api outbox relay', async (ch) => {
        // Declared by the producer too, so publishing works before any consumer started.
        await ch.assertExchange(EXCHANGE, 'topic', { durable: true });
      }),
  },
  {
    provide: OUTBOX_LISTENER,
    inject: [ApiConfig],
    useFactory: (config: ApiConfig) =>
      new PgListener(config.DATABASE_URL, CHANNELS.outbox, undefined, undefined, {
        applicationName: `crm-api listen ${CHANNELS.outbox}`,
        timeouts: dbTimeouts(config),
      }),
  },
];
