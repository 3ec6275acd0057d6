import { Injectable, Optional } from '@nestjs/common';
import { HealthCheckService, MikroOrmHealthIndicator } from '@nestjs/terminus';
import { checkResult, indicatorState, withTimeout } from '@app/platform';
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
 *
 * Terminus runs the check (its MikroORM ping, given 2 s); the answer keeps the body clients
 * read (`status`, `database`, `broker`, `outbox`) rather than terminus' `info`/`error`/
 * `details`, and, as before, says nothing of a shutdown under way (docs/decisions.md).
 */
@Injectable()
export class HealthService {
  constructor(
    private readonly terminus: HealthCheckService,
    private readonly db: MikroOrmHealthIndicator,
    @Optional() private readonly relay?: OutboxRelay,
  ) {}

  async check(): Promise<Health> {
    const result = await checkResult(this.terminus.check([() => this.db.pingCheck('database', { timeout: CHECK_TIMEOUT_MS })]));
    const database = indicatorState(result, 'database');
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
