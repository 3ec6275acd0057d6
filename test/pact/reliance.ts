import { Matchers } from '@pact-foundation/pact';
import { envelopeJsonSchema, EventType, exampleOf, JsonSchema } from '@app/contracts';

/**
 * What a consumer that validates against the contracts relies on, as a Pact body:
 * every REQUIRED field of the envelope and its data, each with a matcher from its
 * schema (an enum as a regex of its values, a pattern or format as a regex, a const
 * exactly, anything else by type), the canonical example as the value.
 *
 * Optional fields are left out: a consumer cannot rely on them. A nullable field is
 * stated as the canonical example has it: Pact cannot say "a uuid or null", so the
 * example's case is the interaction's case (an interaction.logged on a lead carries
 * `contact_id: null`), and the provider states produce that same case.
 */
export function relianceOf(type: EventType, version: number): unknown {
  const example = exampleOf(type, version);
  if (!example) throw new Error(`no canonical example of ${type} v${version}`);
  return expectation(envelopeJsonSchema(type, version), example, '$');
}

/** The schema without its null branch (zod writes `nullable` as anyOf [X, {type: null}]). */
function nonNull(schema: JsonSchema): JsonSchema {
  const branches = (schema.anyOf ?? schema.oneOf) as JsonSchema[] | undefined;
  if (!Array.isArray(branches)) return schema;
  const rest = branches.filter((b) => b.type !== 'null');
  if (rest.length !== 1) throw new Error(`a union of ${rest.length} kinds: teach relianceOf how to state it`);
  return rest[0];
}

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const ISO_DATETIME = '^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}(\\.\\d+)?(Z|[+-]\\d{2}:\\d{2})$';

function expectation(anySchema: JsonSchema, value: unknown, path: string): unknown {
  if (value === null) return null; // matched by equality: this interaction's case is null
  const schema = nonNull(anySchema);
  if ('const' in schema) return schema.const;
  if (Array.isArray(schema.enum)) return Matchers.regex(`^(${schema.enum.map((v) => escape(String(v))).join('|')})$`, String(value));
  if (schema.type === 'object' && schema.properties) {
    if (value === null || typeof value !== 'object') throw new Error(`${path}: the example has no object here`);
    const out: Record<string, unknown> = {};
    const props = schema.properties as Record<string, JsonSchema>;
    for (const key of (schema.required as string[] | undefined) ?? []) {
      out[key] = expectation(props[key], (value as Record<string, unknown>)[key], `${path}.${key}`);
    }
    return out;
  }
  if (typeof schema.pattern === 'string') return Matchers.regex(schema.pattern, String(value));
  if (schema.format === 'date-time') return Matchers.regex(ISO_DATETIME, String(value));
  if (schema.type === 'array') throw new Error(`${path}: arrays are not in any contract yet; teach relianceOf how to state them`);
  return Matchers.like(value);
}
