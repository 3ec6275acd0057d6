import type { LoggerConfig } from '../../config/logger.config';

export type RetentionMode = 'delete' | 'archive';

export interface RetentionPolicy {
  days: number;
  mode: RetentionMode;
  intervalMs: number;
  batchSize: number;
}

/** Pause between two batches of a round: lets the logger's inserts and the feed's reads through. */
export const RETENTION_BATCH_PAUSE_MS = 50;
/** The first round comes this soon after start (or after one interval, if shorter), not a whole interval later. */
export const RETENTION_FIRST_ROUND_MAX_DELAY_MS = 30_000;

/** The retention the configuration asks for, or null: LOG_RETENTION_DAYS unset keeps every log forever. */
export function retentionPolicy(
  config: Pick<LoggerConfig, 'LOG_RETENTION_DAYS' | 'LOG_RETENTION_MODE' | 'LOG_RETENTION_INTERVAL_SECONDS' | 'LOG_RETENTION_BATCH_SIZE'>,
): RetentionPolicy | null {
  if (config.LOG_RETENTION_DAYS === undefined) return null;
  return {
    days: config.LOG_RETENTION_DAYS,
    mode: config.LOG_RETENTION_MODE,
    intervalMs: config.LOG_RETENTION_INTERVAL_SECONDS * 1000,
    batchSize: config.LOG_RETENTION_BATCH_SIZE,
  };
}

/** Logs whose timestamp (when it happened) is before this go: exactly `days` × 24 h before `now`. */
export function retentionCutoff(now: Date, days: number): Date {
  return new Date(now.getTime() - days * 86_400_000);
}
