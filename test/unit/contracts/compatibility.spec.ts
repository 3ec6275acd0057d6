import { readFileSync, readdirSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { join, relative } from 'node:path';
import Ajv from 'ajv';
import addFormats from 'ajv-formats';
import { CURRENT_VERSION, EVENT_TYPES, EventType, JsonSchema, breakingChanges, dataJsonSchema, eventVersions, isEventType, parseEvent, schemaFor, exampleOf } from '@app/contracts';
import { SNAPSHOT_DIR, snapshotPath } from '../../../scripts/asyncapi';

const ROOT = join(__dirname, '..', '..', '..');
const CONTRACTS_SRC = join(ROOT, 'libs', 'contracts', 'src');

const snapshots = readdirSync(SNAPSHOT_DIR)
  .filter((f) => f.endsWith('.json'))
  .sort()
  .map((file) => {
    const m = /^(.+)\.v(\d+)\.json$/.exec(file);
    if (!m) throw new Error(`${file}: snapshot names are <type>.v<version>.json`);
    return { file, type: m[1], version: Number(m[2]), schema: JSON.parse(readFileSync(join(SNAPSHOT_DIR, file), 'utf8')) as JsonSchema };
  });

describe('released versions (libs/contracts/schemas)', () => {
  const ajv = new Ajv({ allErrors: true, strict: true });
  addFormats(ajv);

  it('every registered version has a snapshot', () => {
    const missing = EVENT_TYPES.flatMap((t) => eventVersions(t).map((v) => snapshotPath(t, v))).filter((p) => !snapshots.some((s) => join(SNAPSHOT_DIR, s.file) === p));
    if (missing.length) {
      throw new Error(`no snapshot for ${missing.map((p) => relative(ROOT, p)).join(', ')}: run npm run asyncapi -- --snapshot and commit it`);
    }
  });

  describe.each(snapshots)('$file', ({ type, version, schema }) => {
    it('is still in the registry: the logger keeps accepting it', () => {
      expect(isEventType(type)).toBe(true);
      expect(schemaFor(type as EventType, version)).toBeDefined();
    });

    it('has had no breaking change (raise the version instead)', () => {
      const problems = breakingChanges(schema, dataJsonSchema(type as EventType, version));
      if (problems.length) {
        throw new Error(
          `breaking change to released ${type} v${version}:\n  ${problems.join('\n  ')}\n` +
            `restore v${version} and add v${version + 1} beside it in EVENT_SCHEMAS (docs/contracts.md)`,
        );
      }
    });

    it('is frozen: its JSON Schema is exactly the snapshot', () => {
      // A version number names one schema: a change to it is deliberate, its snapshot rewritten with
      // `npm run asyncapi -- --snapshot --accept-compatible`, which refuses anything breaking (docs/contracts.md).
      expect(dataJsonSchema(type as EventType, version)).toEqual(schema);
    });

    it('its canonical example passes the snapshot (ajv) and parseEvent', () => {
      const example = exampleOf(type as EventType, version);
      expect(example).toBeDefined();
      const validate = ajv.compile(schema);
      expect(validate(example!.data) ? [] : validate.errors).toEqual([]);
      const parsed = parseEvent(JSON.stringify(example));
      expect(parsed.ok ? 'ok' : parsed.reason).toBe('ok');
    });
  });
});

describe('version history', () => {
  it.each(EVENT_TYPES)('%s keeps every version from 1 to the current one', (type) => {
    // A newer version need not be compatible with the one before (that is why it is new),
    // but the old one stays: messages of it may still sit in the outbox, the queue or the DLQ.
    const current = CURRENT_VERSION[type];
    expect(eventVersions(type)).toEqual(Array.from({ length: current }, (_, i) => i + 1));
  });
});

/** The module specifiers a TypeScript source imports or requires. */
function importedModules(source: string): string[] {
  const found: string[] = [];
  const patterns = [
    /\bimport\s+(?:type\s+)?(?:[\w*{}\s,]+\s+from\s+)?['"]([^'"]+)['"]/g,
    /\bexport\s+(?:type\s+)?[\w*{}\s,]+\s+from\s+['"]([^'"]+)['"]/g,
    /\b(?:require|import)\s*\(\s*['"]([^'"]+)['"]\s*\)/g,
  ];
  for (const re of patterns) for (const m of source.matchAll(re)) found.push(m[1]);
  return found;
}

function isAllowed(specifier: string): boolean {
  if (specifier.startsWith('.')) return true;
  if (specifier === 'zod' || specifier.startsWith('zod/')) return true;
  return specifier.startsWith('node:') || builtinModules.includes(specifier);
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return sourceFiles(path);
    // Specs are not part of what apps import; the library itself is.
    return e.name.endsWith('.ts') && !e.name.endsWith('.spec.ts') ? [path] : [];
  });
}

describe('libs/contracts depends on nothing but zod and node built-ins', () => {
  it('finds imports, re-exports and requires', () => {
    const src = `import { Injectable } from '@nestjs/common';\nimport type { Channel } from 'amqplib';\nexport * from './a';\nimport 'reflect-metadata';\nconst orm = require('@mikro-orm/core');\n`;
    expect(
      importedModules(src)
        .filter((s) => !isAllowed(s))
        .sort(),
    ).toEqual(['@mikro-orm/core', '@nestjs/common', 'amqplib', 'reflect-metadata']);
  });

  it('in every source file', () => {
    const files = sourceFiles(CONTRACTS_SRC);
    expect(files.length).toBeGreaterThan(5);
    const offending = files.flatMap((f) =>
      importedModules(readFileSync(f, 'utf8'))
        .filter((s) => !isAllowed(s))
        .map((s) => `${relative(ROOT, f)} imports ${s}`),
    );
    expect(offending).toEqual([]);
  });
});
