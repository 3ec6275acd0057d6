import { api, ApiClient } from './api-client';
import { AppProcess, startApi, startLogger } from './processes';
import { isolatedStack, IsolatedStack } from './stack';

export interface SystemOptions {
  /** A database and vhost of the file's own (isolatedStack), dropped at the end, instead of the run's shared ones. */
  isolated?: boolean;
  /** Extra env for crm-api. */
  api?: NodeJS.ProcessEnv;
  /** Extra env for the activity-logger. */
  logger?: NodeJS.ProcessEnv;
}

export interface System {
  readonly crm: AppProcess;
  readonly logger: AppProcess;
  /** Signed in as the run's admin. */
  readonly admin: ApiClient;
  /** Only with `isolated`. */
  readonly stack: IsolatedStack;
  /** Closes `it` at the end, before the apps stop and the stack is dropped; returns it. */
  closeAtEnd<T extends { close(): Promise<unknown> }>(it: T): T;
}

/**
 * The setup most e2e files share: crm-api and the logger started (side by side), the admin
 * signed in; at the end, what closeAtEnd was given closed, both apps stopped and an
 * isolated stack dropped. Registers its own beforeAll/afterAll (call it inside describe);
 * the fields are there once its beforeAll has run.
 */
export function withSystem(options: SystemOptions = {}): System {
  let crm: AppProcess | undefined;
  let logger: AppProcess | undefined;
  let admin: ApiClient | undefined;
  let stack: IsolatedStack | undefined;
  const closers: { close(): Promise<unknown> }[] = [];

  beforeAll(async () => {
    if (options.isolated) stack = await isolatedStack();
    const env = stack?.env ?? {};
    [crm, logger] = await Promise.all([startApi({ ...env, ...options.api }), startLogger({ ...env, ...options.logger })]);
    admin = await api(crm.url);
  });

  afterAll(async () => {
    for (const c of closers.splice(0)) await c.close();
    await Promise.all([crm?.stop(), logger?.stop()]);
    await stack?.destroy();
  });

  const ready = <T>(what: string, value: T | undefined): T => {
    if (value === undefined) throw new Error(`withSystem(): no ${what} (used before its beforeAll ran, or the start failed)`);
    return value;
  };
  return {
    get crm() {
      return ready('crm-api', crm);
    },
    get logger() {
      return ready('logger', logger);
    },
    get admin() {
      return ready('admin client', admin);
    },
    get stack() {
      return ready('isolated stack (withSystem({ isolated: true }))', stack);
    },
    closeAtEnd(it) {
      closers.push(it);
      return it;
    },
  };
}
