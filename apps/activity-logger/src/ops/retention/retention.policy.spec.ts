import { LoggerConfig } from '../../config/logger.config';
import { retentionCutoff, retentionPolicy } from './retention.policy';

describe('retention policy', () => {
  it('is off unless LOG_RETENTION_DAYS is set (empty counts as unset)', () => {
    expect(retentionPolicy(LoggerConfig.load({}))).toBeNull();
    expect(retentionPolicy(LoggerConfig.load({ LOG_RETENTION_DAYS: '' }))).toBeNull();
  });

  it('reads days, mode, interval and batch size', () => {
    expect(retentionPolicy(LoggerConfig.load({ LOG_RETENTION_DAYS: '90' }))).toEqual({ days: 90, mode: 'delete', intervalMs: 3_600_000, batchSize: 5000 });
    const config = LoggerConfig.load({ LOG_RETENTION_DAYS: '30', LOG_RETENTION_MODE: 'archive', LOG_RETENTION_INTERVAL_SECONDS: '60', LOG_RETENTION_BATCH_SIZE: '100' });
    expect(retentionPolicy(config)).toEqual({ days: 30, mode: 'archive', intervalMs: 60_000, batchSize: 100 });
  });

  it.each([
    [{ LOG_RETENTION_DAYS: '0' }, 'LOG_RETENTION_DAYS'],
    [{ LOG_RETENTION_DAYS: 'soon' }, 'LOG_RETENTION_DAYS'],
    [{ LOG_RETENTION_MODE: 'shred' }, 'LOG_RETENTION_MODE'],
    [{ LOG_RETENTION_BATCH_SIZE: '0' }, 'LOG_RETENTION_BATCH_SIZE'],
  ])('refuses %j, naming the variable', (env, name) => {
    expect(() => LoggerConfig.load(env)).toThrow(name);
  });

  it('cuts off exactly N days of 24 h before now', () => {
    expect(retentionCutoff(new Date('2026-12-31T12:00:00.000Z'), 30).toISOString()).toBe('2026-12-01T12:00:00.000Z');
  });
});
