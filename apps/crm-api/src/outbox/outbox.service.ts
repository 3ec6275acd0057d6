import { Injectable } from '@nestjs/common';
import { BuildOptions, buildEvent, CrmEvent, EventDataMap, EventType } from '@app/contracts';
import { actorOf, RequestCtx } from '../common/request-context';
import { OutboxEventsRepository } from './outbox.repository';

/**
 * Adds events to the outbox inside the current unit of work (a creation's, or a
 * change's transaction), so they commit (or roll back) with the change they describe.
 * The type parameter ties each payload to its routing key: a wrong payload does not
 * compile.
 */
@Injectable()
export class OutboxService {
  constructor(private readonly events: OutboxEventsRepository) {}

  /**
   * The event of a change the request `ctx` made: its caller is the event's actor, and
   * its correlation id is the event's, so every event of one user action shares it.
   */
  emit<K extends EventType>(ctx: RequestCtx, type: K, data: Omit<EventDataMap[K], 'actor'>, opts: Omit<BuildOptions, 'correlationId'> & { subject: string }): CrmEvent<K> {
    const event = buildEvent(type, { ...data, actor: actorOf(ctx) } as EventDataMap[K], { ...opts, correlationId: ctx.correlationId });
    this.events.add(event);
    return event;
  }
}
