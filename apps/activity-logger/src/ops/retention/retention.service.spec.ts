import type { Type } from '@nestjs/common';
import { automock, Mocked, newTestService } from '../../../../../test/utils/service-test';
import { LoggerConfig } from '../../config/logger.config';
import { MetricsService } from '../../health/metrics.service';
import { RetentionRepository, RetentionSessions } from './retention.repository';
import { RetentionService } from './retention.service';

/**
 * The retention job's service tier: what a round asks the repository to remove, when it
 * stops, and what it answers, with the round's session (RetentionRepository.connect)
 * mocked. The SQL itself: test/medium/retention.repository.medium-spec.ts.
 */
const NOW = new Date('2026-11-30T12:00:00.000Z');
const CUTOFF = new Date('2026-10-31T12:00:00.000Z'); // 30 days before NOW
const ON = { LOG_RETENTION_DAYS: '30', LOG_RETENTION_BATCH_SIZE: '100', DATABASE_URL: 'postgres://db.test/crm' };

describe('RetentionService', () => {
  let repo: Mocked<RetentionRepository>;
  let connect: jest.SpyInstance;
  beforeEach(() => {
    // The private constructor keeps it out of Type<T>; automock reads the prototype only.
    repo = automock(RetentionRepository as unknown as Type<RetentionRepository>);
    repo.close.mockResolvedValue();
    repo.tryLock.mockResolvedValue(true);
    repo.partitioned.mockResolvedValue(false);
    connect = jest.spyOn(RetentionRepository, 'connect').mockResolvedValue(repo as unknown as RetentionRepository);
  });
  afterEach(() => {
    jest.restoreAllMocks();
    jest.useRealTimers();
  });
  async function service(env: NodeJS.ProcessEnv) {
    const t = await newTestService(RetentionService, { config: LoggerConfig, env, providers: [MetricsService, RetentionSessions] });
    const removed = async (mode: string) =>
      (await t.module.get(MetricsService).registry.getSingleMetric('activity_logger_retention_removed_total')!.get()).values.find((v) => v.labels.mode === mode)?.value ?? 0;
    return { sut: t.sut, removed };
  }

  it('LOG_RETENTION_DAYS unset: no round, not even a connection', async () => {
    const { sut } = await service({});
    expect(await sut.round(NOW)).toEqual({ ran: false });
    expect(connect).not.toHaveBeenCalled();
  });

  it('another logger is running a round: this one skips, removes nothing and lets its session go', async () => {
    repo.tryLock.mockResolvedValue(false);
    const { sut } = await service(ON);
    expect(await sut.round(NOW)).toEqual({ ran: false });
    expect(connect).toHaveBeenCalledWith('postgres://db.test/crm');
    expect(repo.removeBatch).not.toHaveBeenCalled();
    expect(repo.close).toHaveBeenCalled();
  });

  it('a plain log: batches of LOG_RETENTION_BATCH_SIZE before now - LOG_RETENTION_DAYS until a short one; counted by mode', async () => {
    repo.removeBatch.mockResolvedValueOnce(100).mockResolvedValueOnce(100).mockResolvedValueOnce(7);
    const { sut, removed } = await service({ ...ON, LOG_RETENTION_MODE: 'archive' });
    expect(await sut.round(NOW)).toEqual({ ran: true, removed: 207, batches: 3, complete: true });
    expect(repo.removeBatch.mock.calls).toEqual([
      ['archive', CUTOFF, 100],
      ['archive', CUTOFF, 100],
      ['archive', CUTOFF, 100],
    ]);
    expect(await removed('archive')).toBe(207);
    expect(repo.close).toHaveBeenCalled();
  });

  it('nothing past the window: one batch that removes nothing, a complete round of 0', async () => {
    repo.removeBatch.mockResolvedValue(0);
    const { sut } = await service(ON);
    expect(await sut.round(NOW)).toEqual({ ran: true, removed: 0, batches: 0, complete: true });
    expect(repo.removeBatch).toHaveBeenCalledTimes(1);
  });

  it('a partitioned log: whole months past the cutoff go, one at a time; no row batches', async () => {
    repo.partitioned.mockResolvedValue(true);
    repo.expiredPartitions.mockResolvedValue(['interaction_log_y2026m08', 'interaction_log_y2026m09']);
    repo.removePartition.mockResolvedValueOnce(40).mockResolvedValueOnce(2);
    const { sut, removed } = await service(ON);
    expect(await sut.round(NOW)).toEqual({ ran: true, removed: 42, batches: 2, complete: true });
    expect(repo.expiredPartitions).toHaveBeenCalledWith(CUTOFF);
    expect(repo.removePartition.mock.calls).toEqual([
      ['delete', 'interaction_log_y2026m08'],
      ['delete', 'interaction_log_y2026m09'],
    ]);
    expect(repo.removeBatch).not.toHaveBeenCalled();
    expect(await removed('delete')).toBe(42);
  });

  it('never throws: a failed batch or connection ends the round incomplete, with what was removed so far', async () => {
    repo.removeBatch.mockResolvedValueOnce(100).mockRejectedValueOnce(new Error('lock timeout'));
    const { sut } = await service(ON);
    expect(await sut.round(NOW)).toEqual({ ran: true, removed: 100, batches: 1, complete: false });
    expect(repo.close).toHaveBeenCalled();
    connect.mockRejectedValueOnce(new Error('connection refused'));
    expect(await sut.round(NOW)).toEqual({ ran: true, removed: 0, batches: 0, complete: false });
  });

  it('shutdown during a round: it stops after the batch in progress', async () => {
    const { sut } = await service(ON);
    repo.removeBatch.mockImplementation(async () => {
      void sut.onModuleDestroy();
      return 100;
    });
    expect(await sut.round(NOW)).toEqual({ ran: true, removed: 100, batches: 1, complete: false });
    expect(repo.removeBatch).toHaveBeenCalledTimes(1);
  });

  it('schedules: the first round after one interval (at most 30 s), then every interval; none after shutdown', async () => {
    jest.useFakeTimers({ now: NOW });
    repo.removeBatch.mockResolvedValue(0);
    const { sut } = await service({ ...ON, LOG_RETENTION_INTERVAL_SECONDS: '10' });
    sut.onApplicationBootstrap();
    await jest.advanceTimersByTimeAsync(9_999);
    expect(connect).not.toHaveBeenCalled();
    await jest.advanceTimersByTimeAsync(1);
    expect(connect).toHaveBeenCalledTimes(1);
    await jest.advanceTimersByTimeAsync(10_000);
    expect(connect).toHaveBeenCalledTimes(2);
    await sut.onModuleDestroy();
    await jest.advanceTimersByTimeAsync(60_000);
    expect(connect).toHaveBeenCalledTimes(2);
  });

  it('schedules the first round 30 s after start when the interval is longer', async () => {
    jest.useFakeTimers({ now: NOW });
    repo.removeBatch.mockResolvedValue(0);
    const { sut } = await service({ ...ON, LOG_RETENTION_INTERVAL_SECONDS: '3600' });
    sut.onApplicationBootstrap();
    await jest.advanceTimersByTimeAsync(30_000);
    expect(connect).toHaveBeenCalledTimes(1);
    await sut.onModuleDestroy();
  });
});
