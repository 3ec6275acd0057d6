import { EntityManager } from '@mikro-orm/postgresql';
import { Injectable, Optional } from '@nestjs/common';
import { settlesWithin, withTimeout } from '@app/platform';
import { OutboxRelay } from '../outbox/outbox.relay';

const CHECK_TIMEOUT_MS = 2000;

export interface Health {
  healthy: boolean;
  body: Record<string, unknown>;
}

/**
 * Healthy means the database answers: without it no request can succeed. The broker
 * is reported but does not decide: while it is down writes still commit to the outbox
 * and the relay catches up, so taking the API out of a load balancer would only hurt.
 */
@Injectable()
export class HealthService {
  constructor(
    private readonly em: EntityManager,
    @Optional() private readonly relay?: OutboxRelay,
  ) {}

  async check(): Promise<Health> {
    const database = (await settlesWithin(this.em.getConnection().execute('select 1'), CHECK_TIMEOUT_MS)) ? 'up' : 'down';
    const body: Record<string, unknown> = { status: database === 'up' ? 'ok' : 'unavailable', database };
    if (this.relay) {
      const status = this.relay.status();
      body.broker = status.brokerConnected ? 'up' : 'down';
      if (status.lastError) body.relay_error = status.lastError;
      if (database === 'up') {
        const backlog = await withTimeout(this.relay.backlog(), CHECK_TIMEOUT_MS).catch(() => null);
        if (backlog) body.outbox = { pending: backlog.pending, oldest_age_seconds: backlog.oldestAgeSeconds };
      }
    }
    return { healthy: database === 'up', body };
  }
}
