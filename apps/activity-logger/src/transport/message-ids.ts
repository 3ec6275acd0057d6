import type { ConsumeMessage } from 'amqplib';
import { CrmEvent, HEADERS } from '@app/contracts';

/**
 * The ids every log line about a message carries: the event's own, or for a message that
 * failed validation whatever its properties or its body still say.
 */
export function ids(msg: ConsumeMessage, event?: CrmEvent): { event_id?: string; correlation_id?: string } {
  if (event) return { event_id: event.id, correlation_id: event.correlationid };
  const header: unknown = msg.properties.headers?.[HEADERS.correlationId];
  let body: { id?: unknown; correlationid?: unknown } = {};
  try {
    const parsed: unknown = JSON.parse(msg.content.toString('utf8'));
    if (parsed && typeof parsed === 'object') body = parsed;
  } catch {
    // not JSON: the properties are all there is
  }
  const text = (v: unknown) => (typeof v === 'string' && v ? v : undefined);
  return {
    event_id: text(msg.properties.messageId) ?? text(body.id),
    correlation_id: text(msg.properties.correlationId) ?? text(header) ?? text(body.correlationid),
  };
}
