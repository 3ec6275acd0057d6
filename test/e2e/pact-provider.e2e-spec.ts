import { readFileSync } from 'node:fs';
import { MessageProviderPact } from '@pact-foundation/pact';
import type { MessageDescriptor } from '@pact-foundation/pact';
import { PROVIDER, pactFile } from '../pact/pact-files';
import { PROVIDER_STATES } from '../pact/provider-states';
import { amqpCapture, AmqpCapture, api, ApiClient, AppProcess, isolatedStack, IsolatedStack, startApi, startLogger } from '../utils';

/**
 * crm-api verified against every consumer's pact (pacts/*.json, written by the consumer
 * specs in test/unit/pact): for each interaction, the provider state is made true
 * through the API, and the message crm-api then publishes is taken off the broker and
 * checked by Pact against what the consumer relies on. On a vhost of its own, so no
 * other file's message is taken for ours.
 */
const CONSUMERS = ['activity-logger', 'billing'];

describe("crm-api keeps its consumers' pacts", () => {
  let stack: IsolatedStack;
  let crm: AppProcess;
  /** A change of a log (interaction.edited, .deleted) is accepted only for a log in the feed: the logger writes it. */
  let logger: AppProcess;
  let admin: ApiClient;
  let capture: AmqpCapture;

  beforeAll(async () => {
    stack = await isolatedStack();
    [crm, logger] = await Promise.all([startApi(stack.env), startLogger(stack.env)]);
    admin = await api(crm.url);
    capture = await amqpCapture(stack.amqpUrl);
  });

  afterAll(async () => {
    await capture?.close();
    await Promise.all([crm?.stop(), logger?.stop()]);
    await stack?.destroy();
  });

  /**
   * Pact calls the state handler of each interaction, then its message provider: the
   * handler makes the state true through the API, the provider takes the message it
   * caused off the broker (the first of its type since the handler began).
   */
  let caused: { type: string; from: number } | undefined;
  const stateHandlers = Object.fromEntries(
    Object.entries(PROVIDER_STATES).map(([name, state]) => [
      name,
      async () => {
        caused = { type: state.type, from: capture.messages.length };
        await state.run(admin);
      },
    ]),
  );

  async function published(message: MessageDescriptor): Promise<any> {
    const state = message.providerStates?.[0]?.name ?? '(none)';
    if (!caused || !PROVIDER_STATES[state]) throw new Error(`crm-api knows no provider state "${state}" (test/pact/provider-states.ts)`);
    const { type, from } = caused;
    caused = undefined;
    return (await capture.waitFor((c) => capture.messages.indexOf(c) >= from && c.routingKey === type)).body;
  }

  function verifier(pactUrl: string, produce: (m: MessageDescriptor) => Promise<any> = published) {
    const descriptions: string[] = JSON.parse(readFileSync(pactUrl, 'utf8')).messages.map((m: { description: string }) => m.description);
    const messageProviders = Object.fromEntries(descriptions.map((d) => [d, produce]));
    return new MessageProviderPact({ provider: PROVIDER, pactUrls: [pactUrl], messageProviders, stateHandlers, logLevel: 'warn' });
  }

  it.each(CONSUMERS)('every message %s relies on is what crm-api publishes', async (consumer) => {
    await verifier(pactFile(consumer)).verify();
  });

  it("a change that breaks a consumer's expectation fails, with Pact's message naming the missing field", async () => {
    // The billing pact, verified against crm-api's real messages with one field billing
    // reads renamed: what a careless refactor of the publisher would do.
    const renamed = async (m: MessageDescriptor) => {
      const real = await published(m);
      const { amount, ...data } = real.data;
      return { ...real, data: { ...data, price: amount } };
    };
    await expect(verifier(pactFile('billing'), renamed).verify()).rejects.toThrow(/missing the following keys: amount/);
  });
});
