import { readFileSync } from 'node:fs';
import { DiagnosticSeverity, Parser } from '@asyncapi/parser';
import Ajv from 'ajv';
import addFormats from 'ajv-formats';
import { parse as parseYaml } from 'yaml';
import { CONTENT_TYPE, EVENT_TYPES, EXAMPLES, EXCHANGE, eventVersions, exampleOf, messageProperties, parseEvent } from '@app/contracts';
import { ASYNCAPI_PATH, messageName, renderAsyncApiYaml } from '../../../scripts/asyncapi';

type Schema = Record<string, unknown>;
interface Message {
  contentType: string;
  headers: Schema;
  payload: Schema;
  bindings: { amqp: { messageType: string } };
  examples: Array<{ headers: Record<string, unknown>; payload: unknown }>;
}

const committed = readFileSync(ASYNCAPI_PATH, 'utf8');
const doc = parseYaml(committed) as {
  channels: Record<string, { address: string; messages: Record<string, unknown> }>;
  operations: Record<string, { action: string; channel: { $ref: string } }>;
  components: { messages: Record<string, Message>; channelBindings: { crmEvents: { amqp: { exchange: { name: string; type: string } } } } };
};
const versions = EVENT_TYPES.flatMap((type) => eventVersions(type).map((version) => ({ type, version, name: messageName(type, version) })));

describe('docs/asyncapi.yaml', () => {
  it('is what `npm run asyncapi` generates from the contracts today', () => {
    const generated = renderAsyncApiYaml();
    if (generated !== committed) {
      const a = committed.split('\n');
      const b = generated.split('\n');
      let line = 0;
      while (a[line] === b[line]) line += 1;
      throw new Error(
        `docs/asyncapi.yaml is stale: run npm run asyncapi and commit it.\n` + `first difference at line ${line + 1}:\n  committed: ${a[line]}\n  generated: ${b[line]}`,
      );
    }
  });

  it('parses in @asyncapi/parser without errors', async () => {
    const { document, diagnostics } = await new Parser().parse(committed);
    // eslint-disable-next-line @typescript-eslint/no-unsafe-enum-comparison -- the same enum (@stoplight/types), reached through two copies of the package
    const errors = diagnostics.filter((d) => d.severity === DiagnosticSeverity.Error);
    expect(errors.map((d) => `${d.path.join('/')}: ${d.message}`)).toEqual([]);
    expect(document).toBeDefined();
    expect(document!.channels().length).toBe(EVENT_TYPES.length);
    expect(document!.messages().length).toBe(versions.length);
    expect(
      document!
        .operations()
        .all()
        .every((o) => o.action() === 'send'),
    ).toBe(true);
  });

  it('has one channel per routing key on the topic exchange, each with a send operation', () => {
    expect(doc.components.channelBindings.crmEvents.amqp.exchange).toMatchObject({ name: EXCHANGE, type: 'topic' });
    for (const type of EVENT_TYPES) {
      expect(doc.channels[type].address).toBe(type);
      expect(
        Object.values(doc.operations)
          .filter((o) => o.channel.$ref === `#/channels/${type}`)
          .map((o) => o.action),
      ).toEqual(['send']);
    }
  });

  it('has a message per type and version, with an example', () => {
    expect(Object.keys(doc.components.messages).sort()).toEqual(versions.map((v) => v.name).sort());
    for (const { type, name } of versions) {
      const m = doc.components.messages[name];
      expect(m.contentType).toBe(CONTENT_TYPE);
      expect(m.bindings.amqp.messageType).toBe(type);
      expect(m.examples).toHaveLength(1);
      expect(doc.channels[type].messages).toHaveProperty(name);
    }
  });
});

describe('canonical examples', () => {
  const ajv = new Ajv({ allErrors: true, strict: true });
  addFormats(ajv);

  it('exist for exactly every registered type and version', () => {
    const examples = Object.entries(EXAMPLES).flatMap(([type, byVersion]) => Object.entries(byVersion).map(([v, e]) => ({ type, version: Number(v), e })));
    expect(examples.map(({ type, version }) => `${type} v${version}`).sort()).toEqual(versions.map((v) => `${v.type} v${v.version}`).sort());
    for (const { type, version, e } of examples) expect([e.type, e.dataversion]).toEqual([type, version]);
  });

  it.each(versions)('$name validates against its JSON Schema (ajv) and its zod schema (parseEvent)', ({ type, version, name }) => {
    const example = exampleOf(type, version)!;
    const message = doc.components.messages[name];
    const payload = ajv.compile(message.payload);
    expect(payload(example) ? [] : payload.errors).toEqual([]);
    const headers = ajv.compile(message.headers);
    expect(headers(messageProperties(example).headers) ? [] : headers.errors).toEqual([]);
    expect(message.examples[0].payload).toEqual(example);
    const parsed = parseEvent(JSON.stringify(example));
    expect(parsed.ok ? 'ok' : parsed.reason).toBe('ok');
  });

  it('are not accepted by a schema that accepts anything: a broken one fails ajv', () => {
    const { type, version, name } = versions[0];
    const example = exampleOf(type, version)!;
    const validate = ajv.compile(doc.components.messages[name].payload);
    expect(validate({ ...example, dataversion: version + 1 })).toBe(false);
    expect(validate({ ...example, type: 'something.else' })).toBe(false);
    expect(validate({ ...example, data: { ...example.data, actor: undefined } })).toBe(false);
    expect(validate({ ...example, time: 'yesterday' })).toBe(false);
  });
});
