/**
 * Generates docs/asyncapi.yaml from libs/contracts, the one definition of every message.
 *
 *   npm run asyncapi                 writes docs/asyncapi.yaml
 *   npm run asyncapi -- --snapshot   also writes libs/contracts/schemas/<type>.v<N>.json for
 *                                    every version that has none yet; never overwrites one
 *   npm run asyncapi -- --snapshot --accept-compatible
 *                                    also rewrites a released snapshot whose schema changed
 *                                    compatibly (breakingChanges finds nothing: e.g. a new
 *                                    optional field every consumer ignores); a breaking
 *                                    change is still refused (docs/contracts.md)
 *
 * test/unit/contracts checks that the committed document is what this script writes.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { stringify } from 'yaml';
import {
  CONTENT_TYPE,
  CURRENT_VERSION,
  EVENT_TYPES,
  EXCHANGE,
  EventType,
  HEADERS,
  JsonSchema,
  Uuid,
  canonicalJson,
  breakingChanges,
  dataJsonSchema,
  envelopeJsonSchema,
  eventVersions,
  messageProperties,
  toJsonSchema,
  exampleOf,
} from '@app/contracts';
import { z } from 'zod';

const ROOT = join(__dirname, '..');
export const ASYNCAPI_PATH = join(ROOT, 'docs', 'asyncapi.yaml');
export const SNAPSHOT_DIR = join(ROOT, 'libs', 'contracts', 'schemas');
const AMQP_BINDING_VERSION = '0.3.0';

/** lead.status_changed + 1 -> LeadStatusChangedV1 (the zod schema's own name). */
export function messageName(type: EventType, version: number): string {
  const pascal = type
    .split(/[._]/)
    .map((w) => w[0].toUpperCase() + w.slice(1))
    .join('');
  return `${pascal}V${version}`;
}

export function snapshotPath(type: EventType, version: number): string {
  return join(SNAPSHOT_DIR, `${type}.v${version}.json`);
}

/** Embedded in AsyncAPI the schema is an AsyncAPI Schema Object: the draft is implied. */
function embedded(schema: JsonSchema): JsonSchema {
  const { $schema: _dialect, ...rest } = schema;
  return rest;
}

function headersSchema(version: number): JsonSchema {
  return embedded(
    toJsonSchema(
      z.object({
        [HEADERS.version]: z.literal(version).describe('The payload schema version, equal to dataversion in the body.'),
        [HEADERS.correlationId]: Uuid.describe('Shared by every event of one user action, equal to correlationid in the body.'),
      }),
    ),
  );
}

function message(type: EventType, version: number) {
  const current = CURRENT_VERSION[type];
  const example = exampleOf(type, version)!;
  return {
    name: messageName(type, version),
    title: `${type} v${version}`,
    summary:
      version === current ? `${type}, version ${version}: what crm-api publishes today.` : `${type}, version ${version}: superseded by v${current}; consumers still accept it.`,
    ...(version === current ? {} : { deprecated: true }),
    contentType: CONTENT_TYPE,
    correlationId: { description: 'The user action this event belongs to.', location: `$message.header#/${HEADERS.correlationId}` },
    headers: headersSchema(version),
    payload: embedded(envelopeJsonSchema(type, version)),
    bindings: { amqp: { messageType: type, bindingVersion: AMQP_BINDING_VERSION } },
    examples: example ? [{ name: messageName(type, version), headers: messageProperties(example).headers, payload: example }] : [],
  };
}

/** The AsyncAPI 3.0.0 document, as a plain object in a fixed key order. */
export function buildAsyncApiDocument() {
  const channels: Record<string, unknown> = {};
  const operations: Record<string, unknown> = {};
  const messages: Record<string, unknown> = {};
  for (const type of EVENT_TYPES) {
    const names = eventVersions(type).map((v) => {
      messages[messageName(type, v)] = message(type, v);
      return messageName(type, v);
    });
    channels[type] = {
      address: type,
      title: type,
      description: `Routing key \`${type}\` on the topic exchange \`${EXCHANGE}\`: bind a queue with this key, or a pattern such as \`${type.split('.')[0]}.*\`.`,
      messages: Object.fromEntries(names.map((n) => [n, { $ref: `#/components/messages/${n}` }])),
      bindings: { $ref: '#/components/channelBindings/crmEvents' },
    };
    operations[`publish.${type}`] = {
      action: 'send',
      channel: { $ref: `#/channels/${type}` },
      summary: `crm-api publishes ${type} from its transactional outbox.`,
      messages: names.map((n) => ({ $ref: `#/channels/${type}/messages/${n}` })),
      bindings: { $ref: '#/components/operationBindings/outboxRelay' },
    };
  }
  return {
    asyncapi: '3.0.0',
    info: {
      title: 'CRM events',
      version: '1.0.0',
      description: [
        'Every change in the CRM, published by crm-api as a CloudEvents 1.0 structured JSON message',
        `on the topic exchange \`${EXCHANGE}\`, with the event type as routing key.`,
        '',
        'Generated from libs/contracts by `npm run asyncapi`: edit the contracts, not this file.',
        'Each version of an event is its own message (`LeadCreatedV1`, `LeadCreatedV2`, ...);',
        'a released version never changes, and consumers keep accepting every version.',
      ].join('\n'),
    },
    defaultContentType: CONTENT_TYPE,
    servers: {
      rabbitmq: {
        host: '{host}',
        protocol: 'amqp',
        protocolVersion: '0-9-1',
        description: 'RabbitMQ (a cluster with quorum queues in production).',
        variables: { host: { default: 'localhost:5672', description: 'host:port of the broker (AMQP_URL)' } },
      },
    },
    channels,
    operations,
    components: {
      messages,
      channelBindings: {
        crmEvents: {
          amqp: {
            is: 'routingKey',
            exchange: { name: EXCHANGE, type: 'topic', durable: true, autoDelete: false, vhost: '/' },
            bindingVersion: AMQP_BINDING_VERSION,
          },
        },
      },
      operationBindings: {
        // The outbox relay publishes persistent, mandatory (unroutable -> returned, not dropped), timestamped.
        outboxRelay: { amqp: { deliveryMode: 2, mandatory: true, timestamp: true, bindingVersion: AMQP_BINDING_VERSION } },
      },
    },
  };
}

export function renderAsyncApiYaml(): string {
  const header = '# Generated by `npm run asyncapi` from libs/contracts. Do not edit by hand.\n';
  return header + stringify(buildAsyncApiDocument(), { aliasDuplicateObjects: false, lineWidth: 0 });
}

/**
 * Writes a snapshot for each version that has none (and, with `acceptCompatible`, over
 * one whose schema changed without a breaking change). Returns what it wrote and what differs.
 */
export function writeMissingSnapshots(acceptCompatible = false): { written: string[]; changed: string[] } {
  mkdirSync(SNAPSHOT_DIR, { recursive: true });
  const written: string[] = [];
  const changed: string[] = [];
  for (const type of EVENT_TYPES) {
    for (const version of eventVersions(type)) {
      const path = snapshotPath(type, version);
      const text = canonicalJson(dataJsonSchema(type, version));
      if (!existsSync(path)) {
        writeFileSync(path, text);
        written.push(relative(ROOT, path));
      } else if (readFileSync(path, 'utf8') !== text) {
        const compatible = !breakingChanges(JSON.parse(readFileSync(path, 'utf8')) as JsonSchema, dataJsonSchema(type, version)).length;
        if (acceptCompatible && compatible) {
          writeFileSync(path, text);
          written.push(relative(ROOT, path));
        } else changed.push(relative(ROOT, path));
      }
    }
  }
  return { written, changed };
}

function main(argv: string[]): number {
  mkdirSync(join(ROOT, 'docs'), { recursive: true });
  writeFileSync(ASYNCAPI_PATH, renderAsyncApiYaml());
  console.log(`wrote ${relative(ROOT, ASYNCAPI_PATH)}`);
  if (!argv.includes('--snapshot')) return 0;
  const { written, changed } = writeMissingSnapshots(argv.includes('--accept-compatible'));
  for (const p of written) console.log(`wrote ${p}`);
  for (const p of changed) {
    console.error(
      `${p} differs from the current schema: a released version is frozen but for compatible changes (--accept-compatible); add a new version instead (docs/contracts.md)`,
    );
  }
  return changed.length ? 1 : 0;
}

if (require.main === module) process.exitCode = main(process.argv.slice(2));
