import { isEventType, LogType, schemaFor } from '@app/contracts';
import { renderLog } from '../../logs/summary.renderer';

/** What re-rendering reads of a stored log. */
export interface StoredLog {
  id: string;
  event_type: string;
  event_version: number;
  data: unknown;
  summary: string;
  type: string;
  source: string;
}

export interface RerenderChange {
  id: string;
  summary: string;
  type: LogType;
}

export interface RerenderPlan {
  changes: RerenderChange[];
  /** Rows left as they are because they cannot be rendered (unknown type or version, data the schema refuses). */
  unrenderable: { id: string; reason: string }[];
}

/**
 * The new summary and type of each stored log, from its (event_type, event_version, data)
 * through the consumer's own renderers, kept only where they differ from what is stored.
 * A manual log (source `manual`) keeps the rep's text whatever its data says.
 * The stored data was validated when it was written; it is parsed again so a renderer
 * never sees a shape it does not expect (and an old row that no schema accepts is reported, not rendered).
 */
export function planRerender(rows: StoredLog[]): RerenderPlan {
  const plan: RerenderPlan = { changes: [], unrenderable: [] };
  for (const row of rows) {
    if (row.source === 'manual') continue;
    if (!isEventType(row.event_type)) {
      plan.unrenderable.push({ id: row.id, reason: `unknown event type ${row.event_type}` });
      continue;
    }
    const schema = schemaFor(row.event_type, row.event_version);
    if (!schema) {
      plan.unrenderable.push({ id: row.id, reason: `unknown version ${row.event_version} of ${row.event_type}` });
      continue;
    }
    const data = schema.safeParse(row.data);
    if (!data.success) {
      plan.unrenderable.push({ id: row.id, reason: `stored data no longer valid: ${data.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}` });
      continue;
    }
    try {
      const { summary, type } = renderLog(row.event_type, row.event_version, data.data);
      if (summary !== row.summary || type !== row.type) plan.changes.push({ id: row.id, summary, type });
    } catch (err) {
      plan.unrenderable.push({ id: row.id, reason: (err as Error).message });
    }
  }
  return plan;
}
