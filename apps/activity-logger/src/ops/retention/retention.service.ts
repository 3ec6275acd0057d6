import { Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { Counter, Gauge } from 'prom-client';
import { LoggerConfig } from '../../config/logger.config';
import { MetricsService } from '../../health/metrics.service';
import { RetentionRepository, RetentionSessions } from './retention.repository';
import { RETENTION_BATCH_PAUSE_MS, RETENTION_FIRST_ROUND_MAX_DELAY_MS, retentionCutoff, RetentionPolicy, retentionPolicy } from './retention.policy';

export type RoundOutcome = { ran: false } | { ran: true; removed: number; batches: number; complete: boolean };

/**
 * LOG_RETENTION_DAYS: a round every LOG_RETENTION_INTERVAL_SECONDS deletes (or archives)
 * logs older than that, LOG_RETENTION_BATCH_SIZE rows per short transaction, oldest
 * first, until none is left. Every logger schedules rounds; a session advisory lock lets
 * one run at a time, the others skip theirs. Nothing runs when the variable is unset.
 */
@Injectable()
export class RetentionService implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly log = new Logger(RetentionService.name);
  private readonly policy: RetentionPolicy | null;
  private readonly removed: Counter<'mode'>;
  private readonly lastRound: Gauge;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<unknown> | undefined;
  private stopping = false;

  constructor(
    config: LoggerConfig,
    metrics: MetricsService,
    private readonly sessions: RetentionSessions,
  ) {
    this.policy = retentionPolicy(config);
    this.removed = new Counter({
      name: 'activity_logger_retention_removed_total',
      help: 'Logs deleted or archived by the retention job of this process, by mode.',
      labelNames: ['mode'] as const,
      registers: [metrics.registry],
    });
    this.lastRound = new Gauge({
      name: 'activity_logger_retention_last_round_timestamp_seconds',
      help: 'When this process last completed a retention round (0: never; rounds run on one logger at a time).',
      registers: [metrics.registry],
    });
  }

  onApplicationBootstrap(): void {
    if (!this.policy) return;
    this.log.log({ msg: 'retention on', days: this.policy.days, mode: this.policy.mode, interval_s: this.policy.intervalMs / 1000, batch_size: this.policy.batchSize });
    this.schedule(Math.min(this.policy.intervalMs, RETENTION_FIRST_ROUND_MAX_DELAY_MS));
  }

  /** Before the pool and the transport go: no new round, and the running one stops after its batch. */
  async onModuleDestroy(): Promise<void> {
    this.stopping = true;
    clearTimeout(this.timer);
    await this.running;
  }

  private schedule(delayMs: number): void {
    this.timer = setTimeout(() => {
      this.running = this.round().finally(() => {
        this.running = undefined;
        if (!this.stopping && this.policy) this.schedule(this.policy.intervalMs);
      });
    }, delayMs);
  }

  /** One round; never throws (a failed round is logged and the next one tries again). */
  async round(now = new Date()): Promise<RoundOutcome> {
    const policy = this.policy;
    if (!policy) return { ran: false };
    const cutoff = retentionCutoff(now, policy.days);
    let repo: RetentionRepository | undefined;
    let removed = 0;
    let batches = 0;
    try {
      repo = await this.sessions.open();
      if (!(await repo.tryLock())) {
        this.log.log({ msg: 'retention round skipped: another logger is running one' });
        return { ran: false };
      }
      if (await repo.partitioned()) return await this.partitionRound(repo, policy, cutoff);
      for (;;) {
        const n = await repo.removeBatch(policy.mode, cutoff, policy.batchSize);
        removed += n;
        if (n > 0) batches++;
        this.removed.inc({ mode: policy.mode }, n);
        if (n < policy.batchSize) break;
        if (this.stopping) {
          this.log.log({ msg: 'retention round stopped for shutdown', mode: policy.mode, removed, batches });
          return { ran: true, removed, batches, complete: false };
        }
        await new Promise((resolve) => setTimeout(resolve, RETENTION_BATCH_PAUSE_MS));
      }
      this.lastRound.set(Date.now() / 1000);
      this.log.log({ msg: 'retention round done', mode: policy.mode, cutoff: cutoff.toISOString(), removed, batches });
      return { ran: true, removed, batches, complete: true };
    } catch (err) {
      this.log.warn({ msg: 'retention round failed: the next one retries', error: (err as Error).message, removed, batches });
      return { ran: true, removed, batches, complete: false };
    } finally {
      await repo?.close();
    }
  }

  /**
   * The partitioned log: whole months go once they are entirely past the cutoff (a log
   * may so outlive LOG_RETENTION_DAYS by up to a month), one partition per transaction.
   */
  private async partitionRound(repo: RetentionRepository, policy: RetentionPolicy, cutoff: Date): Promise<RoundOutcome> {
    let removed = 0;
    let batches = 0;
    for (const name of await repo.expiredPartitions(cutoff)) {
      if (this.stopping) return { ran: true, removed, batches, complete: false };
      const n = await repo.removePartition(policy.mode, name);
      removed += n;
      batches++;
      this.removed.inc({ mode: policy.mode }, n);
      this.log.log({ msg: policy.mode === 'delete' ? 'retention: partition dropped' : 'retention: partition detached as archive', partition: name, logs: n });
    }
    this.lastRound.set(Date.now() / 1000);
    this.log.log({ msg: 'retention round done', mode: policy.mode, cutoff: cutoff.toISOString(), removed, batches, partitions: true });
    return { ran: true, removed, batches, complete: true };
  }
}
