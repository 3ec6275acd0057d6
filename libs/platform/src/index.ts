export * from './env';
export * from './backoff';
export * from './json-logger';
export * from './database';
export * from './confirm-publisher';
export * from './pg-listener';
export * from './timeout';
export * from './consumer-stop';
