import { z } from 'zod';
import { LeadCreatedV1 } from './events/lead.events';
import {
  JSON_SCHEMA_DIALECT,
  JsonSchema,
  breakingChanges,
  canonicalJson,
  dataJsonSchema,
  envelopeJsonSchema,
  eventVersions,
  isBackwardCompatible,
  toJsonSchema,
} from './json-schema';
import { EVENT_TYPES } from './registry';

const obj = (properties: Record<string, JsonSchema>, required: string[] = Object.keys(properties)): JsonSchema => ({
  type: 'object',
  properties,
  required,
});
const str: JsonSchema = { type: 'string' };
const nullable = (s: JsonSchema): JsonSchema => ({ anyOf: [s, { type: 'null' }] });
const oneOf = (...values: string[]): JsonSchema => ({ type: 'string', enum: values });

describe('toJsonSchema', () => {
  it('writes draft-07 with the keys sorted, so field order in zod does not matter', () => {
    const a = toJsonSchema(z.object({ b: z.string(), a: z.number().int() }));
    const b = toJsonSchema(z.object({ a: z.number().int(), b: z.string() }));
    expect(a.$schema).toBe(JSON_SCHEMA_DIALECT);
    expect(canonicalJson(a)).toBe(canonicalJson(b));
    expect(Object.keys(a)).toEqual([...Object.keys(a)].sort());
    expect(a.required).toEqual(['a', 'b']);
  });

  it('leaves unknown properties allowed, as zod strips rather than rejects them', () => {
    expect(dataJsonSchema('lead.created', 1)).not.toHaveProperty('additionalProperties');
  });

  it('pins type and dataversion in the envelope of a version', () => {
    const schema = envelopeJsonSchema('lead.status_changed', 1) as { properties: Record<string, JsonSchema>; required: string[] };
    expect(schema.properties.type.const).toBe('lead.status_changed');
    expect(schema.properties.dataversion.const).toBe(1);
    expect(schema.properties.data).toEqual({ ...dataJsonSchema('lead.status_changed', 1), $schema: undefined });
    expect(schema.required).not.toContain('subject');
  });

  it('is the same text on every call', () => {
    for (const type of EVENT_TYPES) {
      for (const v of eventVersions(type)) expect(canonicalJson(envelopeJsonSchema(type, v))).toBe(canonicalJson(envelopeJsonSchema(type, v)));
    }
  });

  it('throws on a version that is not registered', () => {
    expect(() => dataJsonSchema('lead.created', 99)).toThrow('no version 99 of lead.created');
  });
});

describe('breakingChanges / isBackwardCompatible', () => {
  const base = obj({ id: str, name: str, stage: oneOf('a', 'b'), note: nullable(str) }, ['id', 'name', 'stage']);

  it('accepts an identical schema, an added optional property and an added enum value', () => {
    expect(breakingChanges(base, base)).toEqual([]);
    expect(isBackwardCompatible(base, { ...base, properties: { ...(base.properties as object), extra: str } })).toBe(true);
    expect(isBackwardCompatible(base, { ...base, properties: { ...(base.properties as object), stage: oneOf('a', 'b', 'c') } })).toBe(true);
  });

  it('reports a removed property', () => {
    const { name: _removed, ...rest } = base.properties as Record<string, JsonSchema>;
    expect(breakingChanges(base, obj(rest, ['id', 'stage']))).toEqual(['name: property removed']);
  });

  it('reports a changed type, nullability included', () => {
    const retyped = obj({ ...(base.properties as Record<string, JsonSchema>), id: { type: 'integer' } }, ['id', 'name', 'stage']);
    expect(breakingChanges(base, retyped)).toEqual(['id: type changed from string to integer']);
    const notNull = obj({ ...(base.properties as Record<string, JsonSchema>), note: str }, ['id', 'name', 'stage']);
    expect(breakingChanges(base, notNull)).toEqual(['note: type changed from null|string to string']);
    const nowNull = obj({ ...(base.properties as Record<string, JsonSchema>), name: nullable(str) }, ['id', 'name', 'stage']);
    expect(isBackwardCompatible(base, nowNull)).toBe(false);
  });

  it('reports an optional property made required, and a new required property', () => {
    expect(breakingChanges(base, { ...base, required: ['id', 'name', 'stage', 'note'] })).toEqual(['note: optional property made required']);
    const added = obj({ ...(base.properties as Record<string, JsonSchema>), owner: str }, ['id', 'name', 'stage', 'owner']);
    expect(breakingChanges(base, added)).toEqual(['owner: new required property']);
  });

  it('reports a removed enum or const value, and a free value newly restricted', () => {
    expect(breakingChanges(base, { ...base, properties: { ...(base.properties as object), stage: oneOf('a') } })).toEqual(['stage: value "b" removed']);
    expect(breakingChanges({ type: 'string', const: 'x' }, { type: 'string', const: 'y' })).toEqual(['(root): value "x" removed']);
    expect(breakingChanges(str, oneOf('a'))).toEqual(['(root): restricted to the values ["a"]']);
    expect(breakingChanges(oneOf('a'), str)).toEqual([]);
  });

  it('looks inside nested objects, nullable objects and arrays', () => {
    const before = obj({ actor: nullable(obj({ id: str, name: str })), tags: { type: 'array', items: oneOf('x', 'y') } });
    const after = obj({ actor: nullable(obj({ id: str })), tags: { type: 'array', items: oneOf('x') } });
    expect(breakingChanges(before, after)).toEqual(['actor.name: property removed', 'tags[]: value "y" removed']);
  });

  it('works on what zod generates', () => {
    const v1 = toJsonSchema(LeadCreatedV1);
    expect(isBackwardCompatible(v1, toJsonSchema(LeadCreatedV1.extend({ source: z.string().optional() })))).toBe(true);
    expect(breakingChanges(v1, toJsonSchema(LeadCreatedV1.omit({ company: true })))).toEqual(['company: property removed']);
    expect(breakingChanges(v1, toJsonSchema(LeadCreatedV1.extend({ company: z.string().max(255) })))).toEqual(['company: type changed from null|string to string']);
    expect(breakingChanges(v1, toJsonSchema(LeadCreatedV1.extend({ status: z.enum(['new', 'contacted']) })))).toEqual([
      'status: value "qualified" removed',
      'status: value "converted" removed',
      'status: value "disqualified" removed',
    ]);
    const optionalCompany = toJsonSchema(LeadCreatedV1.extend({ company: z.string().max(255).nullable().optional() }));
    expect(breakingChanges(optionalCompany, v1)).toEqual(['company: optional property made required']);
  });
});
