import { LoggerConfig } from './logger.config';

describe('LoggerConfig', () => {
  it('has working defaults', () => {
    expect({ ...LoggerConfig.load({}) }).toEqual({
      DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/crm',
      AMQP_URL: 'amqp://guest:guest@127.0.0.1:5672',
      LOGGER_HTTP_PORT: 3001,
      LOGGER_BATCH_SIZE: 500,
      LOGGER_PREFETCH: 1000,
      LOGGER_FLUSH_MS: 5,
      LOGGER_WRITERS: 2,
      LOGGER_MAX_ATTEMPTS: 5,
      LOG_LEVEL: 'info',
      LOG_FORMAT: 'json',
      DB_POOL_SIZE: 4,
      LOG_RETENTION_MODE: 'delete',
      LOG_RETENTION_INTERVAL_SECONDS: 3600,
      LOG_RETENTION_BATCH_SIZE: 5000,
    });
  });

  it('reads numbers from their text, 0 port meaning ephemeral', () => {
    const config = LoggerConfig.load({ LOGGER_HTTP_PORT: '0', LOGGER_BATCH_SIZE: '50', AMQP_URL: 'amqp://u:p@rabbit:5672/vh' });
    expect(config.LOGGER_HTTP_PORT).toBe(0);
    expect(config.LOGGER_BATCH_SIZE).toBe(50);
    expect(config.AMQP_URL).toBe('amqp://u:p@rabbit:5672/vh');
  });

  it('fails fast, naming each bad variable', () => {
    const load = () => LoggerConfig.load({ LOGGER_PREFETCH: '0', DATABASE_URL: 'mysql://x', LOG_LEVEL: 'loud' });
    expect(load).toThrow(/DATABASE_URL: must be a URL/);
    expect(load).toThrow(/LOGGER_PREFETCH: Too small/);
    expect(load).toThrow(/LOG_LEVEL: /);
    expect(() => LoggerConfig.load({ LOGGER_MAX_ATTEMPTS: '50' })).toThrow(/LOGGER_MAX_ATTEMPTS/);
  });
});
