import { OutboxEvent } from '../outbox/outbox-event.entity';

/** Every entity of crm-api, listed explicitly (no folder globs inside a bundle). */
export const CRM_ENTITIES = [OutboxEvent];
