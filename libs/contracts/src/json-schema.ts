import { z } from 'zod';
import { EnvelopeBase } from './envelope';
import { EVENT_SCHEMAS, EventType, schemaFor } from './registry';

/**
 * JSON Schema views of the zod contracts, for the AsyncAPI document, the committed
 * snapshots of released versions, and anyone outside TypeScript.
 *
 * Draft-07: the AsyncAPI 3.0 Schema Object is a superset of draft-07 and
 * @asyncapi/parser validates against draft-07 (no 2020-12 schema format).
 * Input mode: zod strips unknown keys, so a consumer built from these schemas must
 * tolerate them too (no `additionalProperties: false`); that is what makes adding an
 * optional field a non-breaking change.
 */
export const JSON_SCHEMA_DIALECT = 'http://json-schema.org/draft-07/schema#';

export type JsonSchema = { [keyword: string]: unknown };

/** Keys sorted at every level, `required` sorted: a reordered zod object is the same schema. */
export function canonicalize<T>(value: T): T {
  if (Array.isArray(value)) return (value as unknown[]).map((v) => canonicalize(v)) as T;
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value).sort()) {
    const v = (value as Record<string, unknown>)[key];
    out[key] = key === 'required' && Array.isArray(v) ? [...(v as unknown[])].sort() : canonicalize(v);
  }
  return out as T;
}

/** Stable text of a JSON value: what snapshots are written and compared as. */
export function canonicalJson(value: unknown): string {
  return `${JSON.stringify(canonicalize(value), null, 2)}\n`;
}

/** Any zod schema of the contracts as canonical draft-07 JSON Schema (with `$schema`). */
export function toJsonSchema(schema: z.ZodType): JsonSchema {
  const json = z.toJSONSchema(schema, { target: 'draft-07', io: 'input', unrepresentable: 'throw', reused: 'inline' });
  return canonicalize(json as JsonSchema);
}

/** The registered versions of a type, ascending. */
export function eventVersions(type: EventType): number[] {
  return Object.keys(EVENT_SCHEMAS[type])
    .map(Number)
    .sort((a, b) => a - b);
}

function requireSchema(type: EventType, version: number): z.ZodType {
  const schema = schemaFor(type, version);
  if (!schema) throw new Error(`no version ${version} of ${type} in EVENT_SCHEMAS`);
  return schema;
}

/** The `data` of one type and version. */
export function dataJsonSchema(type: EventType, version: number): JsonSchema {
  return toJsonSchema(requireSchema(type, version));
}

/** The whole CloudEvents envelope of one type and version: `type`, `dataversion` and `data` pinned. */
export function envelopeSchema(type: EventType, version: number) {
  return EnvelopeBase.extend({ type: z.literal(type), dataversion: z.literal(version), data: requireSchema(type, version) });
}

export function envelopeJsonSchema(type: EventType, version: number): JsonSchema {
  return toJsonSchema(envelopeSchema(type, version));
}

// ---------------------------------------------------------------------------------
// Breaking-change detection between two versions of one schema.

function isSchemaObject(value: unknown): value is JsonSchema {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** A schema as its alternatives: zod writes `nullable` as anyOf [X, {type: null}]. */
function alternatives(schema: JsonSchema): JsonSchema[] {
  const branches = (schema.anyOf ?? schema.oneOf) as unknown[] | undefined;
  if (!Array.isArray(branches)) return [schema];
  return branches.filter(isSchemaObject).flatMap(alternatives);
}

function typesOf(schema: JsonSchema): string[] {
  const t = schema.type;
  if (typeof t === 'string') return [t];
  if (Array.isArray(t)) return t.map(String);
  if ('const' in schema || Array.isArray(schema.enum)) return [];
  return schema.properties ? ['object'] : [];
}

function typeSet(schema: JsonSchema): string {
  const all = new Set(alternatives(schema).flatMap(typesOf));
  return [...all].sort().join('|');
}

function allowedValues(schema: JsonSchema): unknown[] | undefined {
  const alts = alternatives(schema);
  if (!alts.every((a) => 'const' in a || Array.isArray(a.enum) || a.type === 'null')) return undefined;
  return alts.flatMap((a) => ('const' in a ? [a.const] : Array.isArray(a.enum) ? (a.enum as unknown[]) : [null]));
}

function branchOfType(schema: JsonSchema, type: string): JsonSchema | undefined {
  return alternatives(schema).find((a) => typesOf(a).includes(type));
}

function compare(before: JsonSchema, after: JsonSchema, path: string, out: string[]): void {
  const where = path || '(root)';
  const oldTypes = typeSet(before);
  const newTypes = typeSet(after);
  if (oldTypes !== newTypes) out.push(`${where}: type changed from ${oldTypes || 'any'} to ${newTypes || 'any'}`);

  const oldValues = allowedValues(before);
  const newValues = allowedValues(after);
  if (oldValues) {
    const kept = new Set((newValues ?? oldValues).map((v) => JSON.stringify(v)));
    for (const v of oldValues) if (!kept.has(JSON.stringify(v))) out.push(`${where}: value ${JSON.stringify(v)} removed`);
  } else if (newValues) {
    out.push(`${where}: restricted to the values ${JSON.stringify(newValues)}`);
  }

  const oldObject = branchOfType(before, 'object');
  const newObject = branchOfType(after, 'object');
  if (oldObject && newObject) {
    const oldProps = (oldObject.properties ?? {}) as Record<string, JsonSchema>;
    const newProps = (newObject.properties ?? {}) as Record<string, JsonSchema>;
    const oldRequired = new Set((oldObject.required ?? []) as string[]);
    const newRequired = (newObject.required ?? []) as string[];
    for (const name of Object.keys(oldProps)) {
      const p = path ? `${path}.${name}` : name;
      if (!(name in newProps)) out.push(`${p}: property removed`);
      else compare(oldProps[name], newProps[name], p, out);
    }
    for (const name of newRequired) {
      if (oldRequired.has(name)) continue;
      const p = path ? `${path}.${name}` : name;
      out.push(name in oldProps ? `${p}: optional property made required` : `${p}: new required property`);
    }
  }

  const oldArray = branchOfType(before, 'array');
  const newArray = branchOfType(after, 'array');
  if (oldArray && newArray && isSchemaObject(oldArray.items) && isSchemaObject(newArray.items)) {
    compare(oldArray.items, newArray.items, `${path}[]`, out);
  }
}

/**
 * What would break if `after` replaced `before` under the same version number: a
 * property removed, a type changed (nullability included), an optional property made
 * required or a required one added, an enum/const value removed. Empty when compatible.
 * Added optional properties and added enum values are not reported.
 */
export function breakingChanges(before: JsonSchema, after: JsonSchema): string[] {
  const out: string[] = [];
  compare(before, after, '', out);
  return out;
}

export function isBackwardCompatible(before: JsonSchema, after: JsonSchema): boolean {
  return breakingChanges(before, after).length === 0;
}
