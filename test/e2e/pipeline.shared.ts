// The shared part of pipeline-*.e2e-spec.ts: pipelineSuite() starts the system for the describe it is
// called in (each file its own crm-api and logger), with the users and the wire capture the tests use.
import { AmqpCapture, amqpCapture, ApiClient, createUser, eventually, expectStatus, testEnv, User, withSystem } from '../utils';

/**
 * Every row of the activity table, end to end: a change through the real REST API, its
 * event through the real broker, the real activity-logger writing the log, and the log
 * read back from GET /api/interaction-logs/. Summaries are compared exactly.
 * Three users besides the admin make attribution visible: alice creates, bob is assigned
 * or owns, carol changes things (a manager: a rep may only change what they own).
 */
export const AUTO = { type: 'note', source: 'auto' } as const;

export function pipelineSuite() {
  let capture: AmqpCapture;
  let alice: User;
  let bob: User;
  let carol: User;
  const sys = withSystem();

  beforeAll(async () => {
    [alice, bob, carol] = await Promise.all([createUser(sys.admin), createUser(sys.admin), createUser(sys.admin, 'manager')]);
    capture = sys.closeAtEnd(await amqpCapture(testEnv().amqpUrl));
  });

  return {
    sys,
    get capture() {
      return capture;
    },
    get alice() {
      return alice;
    },
    get bob() {
      return bob;
    },
    get carol() {
      return carol;
    },
  };
}

/** GETs the URL until it answers 200 (the log is written asynchronously), returning the body. */
export function eventuallyGet(client: ApiClient, url: string): Promise<any> {
  return eventually(async () => expectStatus(await client.get(url), 200, `GET ${url}`));
}
