export * from './env';
export * from './eventually';
export * from './processes';
export * from './api-client';
export * from './tcp-proxy';
export * from './amqp-capture';
export * from './crm';
export * from './stack';
