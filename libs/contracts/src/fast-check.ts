import type { z } from 'zod';

/**
 * A predicate compiled from a zod schema: true only when zod would accept the value AND
 * hand back a value deep-equal to it (no unknown key to strip, nothing transformed). It
 * says nothing about the other values: false means "ask zod", which then accepts (a value
 * with keys it strips, a number zod takes that this does not) or rejects with its reasons.
 * So parseEvent answers exactly as zod alone, and skips zod's copy of every object (most
 * of the contract's cost per message, and its garbage) when the message is plain valid.
 */
export type FastCheck = (value: unknown) => boolean;

interface Def {
  type: string;
  checks?: { _zod: { def: CheckDef } }[];
  shape?: Record<string, z.ZodType>;
  catchall?: unknown;
  innerType?: z.ZodType;
  coerce?: boolean;
  format?: string;
  pattern?: RegExp;
}

interface CheckDef {
  check: string;
  format?: string;
  minimum?: number;
  maximum?: number;
  value?: number;
  inclusive?: boolean;
  pattern?: RegExp;
}

const internals = (schema: z.ZodType) => (schema as unknown as { _zod: { def: Def; values?: Set<unknown> } })._zod;
const always: FastCheck = () => true;

/** What a string must pass, from zod's own check definitions (its regexes, its lengths); null for a check this does not know. */
function stringCheck(check: CheckDef): FastCheck | null {
  if (check.check === 'min_length' && typeof check.minimum === 'number') {
    const min = check.minimum;
    return (v) => (v as string).length >= min;
  }
  if (check.check === 'max_length' && typeof check.maximum === 'number') {
    const max = check.maximum;
    return (v) => (v as string).length <= max;
  }
  if (check.check === 'string_format' && check.pattern instanceof RegExp && !check.pattern.global && !check.pattern.sticky) {
    const pattern = check.pattern;
    return (v) => pattern.test(v as string);
  }
  return null;
}

function numberCheck(check: CheckDef): FastCheck | null {
  // zod's int(): a safe integer. Its base type already refuses NaN and the infinities.
  if (check.check === 'number_format' && check.format === 'safeint') return (v) => Number.isSafeInteger(v);
  if (check.check === 'greater_than' && typeof check.value === 'number') {
    const min = check.value;
    return check.inclusive ? (v) => (v as number) >= min : (v) => (v as number) > min;
  }
  if (check.check === 'less_than' && typeof check.value === 'number') {
    const max = check.value;
    return check.inclusive ? (v) => (v as number) <= max : (v) => (v as number) < max;
  }
  return null;
}

function all(checks: FastCheck[]): FastCheck {
  if (checks.length === 0) return always;
  if (checks.length === 1) return checks[0];
  if (checks.length === 2) {
    const [a, b] = checks;
    return (v) => a(v) && b(v);
  }
  return (v) => {
    for (const c of checks) if (!c(v)) return false;
    return true;
  };
}

function checksOf(def: Def, one: (check: CheckDef) => FastCheck | null): FastCheck[] | null {
  const out: FastCheck[] = [];
  for (const c of def.checks ?? []) {
    const f = one(c._zod.def);
    if (!f) return null;
    out.push(f);
  }
  return out;
}

/**
 * Compiles `schema` into a FastCheck, or null when it uses something not handled here
 * (parseEvent then leaves that schema to zod alone). Handled: plain objects (unknown keys
 * make it answer false: zod would strip them), strings with length and pattern checks
 * (uuid, datetime and regex formats run zod's own regex), literals, enums, nullable,
 * optional, numbers with int and bounds, unknown.
 */
export function compileFastCheck(schema: z.ZodType): FastCheck | null {
  const zod = internals(schema);
  const def = zod.def;
  switch (def.type) {
    case 'unknown':
      return def.checks?.length ? null : always;
    case 'string': {
      if (def.coerce) return null;
      const checks = checksOf(def, stringCheck);
      if (!checks) return null;
      // A format schema (z.uuid(), z.iso.datetime()) is its own check: its regex.
      if (def.format !== undefined) {
        if (!(def.pattern instanceof RegExp) || def.pattern.global || def.pattern.sticky) return null;
        const pattern = def.pattern;
        checks.unshift((v) => pattern.test(v as string));
      }
      const rest = all(checks);
      return (v) => typeof v === 'string' && rest(v);
    }
    case 'number': {
      if (def.coerce) return null;
      const checks = checksOf(def, numberCheck);
      if (!checks) return null;
      const rest = all(checks);
      return (v) => typeof v === 'number' && Number.isFinite(v) && rest(v);
    }
    case 'literal':
    case 'enum': {
      const values = zod.values;
      if (def.checks?.length || !(values instanceof Set)) return null;
      // Only primitive values compare alike under Set#has and zod's check.
      for (const v of values) if (v !== null && typeof v === 'object') return null;
      return (v) => values.has(v);
    }
    case 'nullable':
    case 'optional': {
      if (def.checks?.length || !def.innerType) return null;
      const inner = compileFastCheck(def.innerType);
      if (!inner) return null;
      const empty = def.type === 'nullable' ? null : undefined;
      return (v) => v === empty || inner(v);
    }
    case 'object': {
      if (def.checks?.length || def.catchall !== undefined || !def.shape) return null;
      const shape = def.shape;
      const keys = Object.keys(shape);
      if (Object.getOwnPropertySymbols(shape).length > 0 || keys.includes('__proto__')) return null;
      const checks: FastCheck[] = [];
      const lines: string[] = [];
      for (const [i, key] of keys.entries()) {
        const check = compileFastCheck(shape[key]);
        if (!check) return null;
        checks.push(check);
        // An absent key: an optional one stays absent in zod's output; any other is zod's to refuse.
        const optional = internals(shape[key]).def.type === 'optional';
        lines.push(`v = o[${JSON.stringify(key)}]; if (v !== undefined) { if (!c[${i}](v)) return false; seen++; }${optional ? '' : ' else return false;'}`);
      }
      // One function per object schema, its keys as literals: each schema's reads stay
      // monomorphic (a generic loop over the keys was 4 % of a drain's CPU, profiled).
      // Every enumerable key is counted: as many as the shape's keys found means no key
      // zod would strip (nor a __proto__ key, nor an inherited one).
      const source = [
        "if (typeof o !== 'object' || o === null || Array.isArray(o)) return false;",
        'let seen = 0;',
        'let v;',
        ...lines,
        'let n = 0;',
        'for (const k in o) n++;',
        'return n === seen;',
      ].join('\n');
      // Generated from the schema's own keys, each written as a JSON string literal. Where
      // code generation is disallowed (--disallow-code-generation-from-strings), zod alone.
      try {
        // eslint-disable-next-line @typescript-eslint/no-implied-eval
        const make = new Function('c', `return function check(o) {\n${source}\n};`) as (c: FastCheck[]) => FastCheck;
        return make(checks);
      } catch {
        return null;
      }
    }
    default:
      return null;
  }
}
