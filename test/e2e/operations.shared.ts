// The shared part of operations-*.e2e-spec.ts: running the logger's commands, reading its log lines,
// and operationsSuite(), which registers the hooks of the describe it is called in (a stack per file).
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { ChannelModel, ConfirmChannel, connect } from 'amqplib';
import { Client } from 'pg';
import { CrmEvent, EXCHANGE, LOGGER_DEAD_LETTER_QUEUE, messageProperties } from '@app/contracts';
import { ROOT } from '../support/resources';
import { AppProcess, eventually, IsolatedStack, isolatedStack, readMetric, startLogger } from '../utils';

export const ACTOR = { id: randomUUID(), name: 'Ops Tester' };
export const DAY_MS = 86_400_000;

export interface CommandResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs one operator command of the built logger (`node dist/apps/activity-logger/main.js
 * <args>`), as an operator would, against this file's stack. A helper of this file:
 * test/utils starts long-running apps only.
 */
export function loggerCommand(stack: IsolatedStack, args: string[]): Promise<CommandResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(ROOT, 'dist', 'apps', 'activity-logger', 'main.js'), ...args], {
      cwd: ROOT,
      env: { ...process.env, NODE_ENV: 'test', ...stack.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('error', reject);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** The command must have succeeded; its stdout. */
export async function ok(stack: IsolatedStack, args: string[]): Promise<string> {
  const r = await loggerCommand(stack, args);
  if (r.code !== 0) throw new Error(`${args.join(' ')} exited ${r.code}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`);
  return r.stdout;
}

/** One JSON log line of an app's output matching `msg` (and fields), or undefined. */
export function logLine(app: AppProcess, msg: string, fields: Record<string, unknown> = {}): Record<string, unknown> | undefined {
  for (const line of app.output().split('\n')) {
    try {
      const parsed = JSON.parse(line) as Record<string, unknown>;
      if (parsed.msg === msg && Object.entries(fields).every(([k, v]) => parsed[k] === v)) return parsed;
    } catch {
      // not a JSON line
    }
  }
  return undefined;
}

/**
 * The operator's tools on a database and vhost of this file's own (the DLQ's contents and
 * the table's rows are counted exactly, and a trigger is installed on the table): the
 * dead-letter command, re-rendering stored summaries, and the retention job.
 */
export function operationsSuite() {
  let stack: IsolatedStack;
  let db: Client;
  let broker: ChannelModel;
  let channel: ConfirmChannel;
  let logger: AppProcess;
  const started: AppProcess[] = [];

  const publish = async (routingKey: string, body: string, options: Record<string, unknown>) => {
    channel.publish(EXCHANGE, routingKey, Buffer.from(body), { persistent: true, mandatory: true, ...options });
    await channel.waitForConfirms();
  };
  const publishEvent = (event: CrmEvent) => publish(event.type, JSON.stringify(event), messageProperties(event));
  const dlqDepth = async () => {
    const probe = await broker.createChannel();
    try {
      return (await probe.checkQueue(LOGGER_DEAD_LETTER_QUEUE)).messageCount;
    } finally {
      await probe.close();
    }
  };
  const logs = async (ids: string[]) => (await db.query('select id, summary, type, source, "timestamp" from activity.interaction_log where id = any($1::uuid[])', [ids])).rows;
  const waitLogged = (ids: string[]) => eventually(async () => expect((await logs(ids)).map((r) => r.id).sort()).toEqual([...ids].sort()));
  const metric = (app: AppProcess, name: string) => readMetric(app.url, name);
  const startRetentionLogger = async (env: Record<string, string>) => {
    const p = await startLogger({ ...stack.env, LOG_RETENTION_INTERVAL_SECONDS: '1', ...env });
    started.push(p);
    return p;
  };

  beforeAll(async () => {
    stack = await isolatedStack();
    db = new Client({ connectionString: stack.databaseUrl });
    await db.connect();
    // One delivery: a message the database refuses is dead-lettered at once, not after five.
    logger = await startLogger({ ...stack.env, LOGGER_MAX_ATTEMPTS: '1' });
    started.push(logger);
    broker = await connect(stack.amqpUrl);
    channel = await broker.createConfirmChannel();
  });

  afterAll(async () => {
    await broker?.close().catch(() => undefined);
    await db?.end().catch(() => undefined);
    await Promise.all(started.map((p) => p.stop()));
    await stack?.destroy();
  });

  return {
    get stack() {
      return stack;
    },
    get db() {
      return db;
    },
    get broker() {
      return broker;
    },
    get channel() {
      return channel;
    },
    get logger() {
      return logger;
    },
    started,
    publish,
    publishEvent,
    dlqDepth,
    logs,
    waitLogged,
    metric,
    startRetentionLogger,
  };
}
