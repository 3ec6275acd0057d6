import { EntityManager } from '@mikro-orm/postgresql';
import { Injectable } from '@nestjs/common';
import { BuildOptions, buildEvent, CrmEvent, EventDataMap, EventType } from '@app/contracts';
import { OutboxEvent } from './outbox-event.entity';

/**
 * Adds events to the outbox inside the caller's unit of work, so they commit (or roll
 * back) with the change they describe. The type parameter ties each payload to its
 * routing key: a wrong payload does not compile.
 */
@Injectable()
export class OutboxService {
  add<K extends EventType>(em: EntityManager, type: K, data: EventDataMap[K], opts: BuildOptions = {}): CrmEvent<K> {
    const event = buildEvent(type, data, opts);
    em.persist(em.create(OutboxEvent, { id: event.id, type, payload: event as unknown as Record<string, unknown> }));
    return event;
  }
}
