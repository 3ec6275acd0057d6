// The shared part of security-*.e2e-spec.ts: tokens made here, the error checks, the leak check, and
// securitySuite(), which starts crm-api and the logger for the describe it is called in (each file its own).
import { createHmac, randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { api, ApiClient, ApiResponse, AppProcess, createUser, expectStatus, sendRaw, startApi, startLogger, testEnv, User } from '../utils';

/**
 * Authentication, authorisation and what must never leak. crm-api runs with a JWT secret
 * and token lifetime of this file's own and debug logging, so the secret, the passwords
 * and the tokens it handles can be looked for in everything it printed.
 */
export const JWT_SECRET = `jwt-${randomBytes(24).toString('hex')}`;
export const TTL_SECONDS = 600;
/** Health (and its probes), metrics and the token route; the docs and dashboard are not in the description. */
export const isPublic = (method: string, path: string) =>
  (method === 'GET' && /^\/(health|metrics)(\/|$)/.test(path)) || (method === 'POST' && path.replace(/\/$/, '') === '/api/auth/token');

export const b64url = (v: unknown) => Buffer.from(typeof v === 'string' ? v : JSON.stringify(v)).toString('base64url');
/** An HS256 JWT made here, independently of crm-api's code. */
export function jwt(claims: Record<string, unknown>, { secret = JWT_SECRET, alg = 'HS256' } = {}): string {
  const body = `${b64url({ alg, typ: 'JWT' })}.${b64url(claims)}`;
  return `${body}.${createHmac('sha256', secret).update(body).digest('base64url')}`;
}
export const now = () => Math.floor(Date.now() / 1000);

/** api.md's error shape, exactly. */
export function expectError(res: ApiResponse, status: number): void {
  if (res.status !== status) throw new Error(`expected ${status}, got ${res.status} ${JSON.stringify(res.body)}`);
  expect(res.body).toEqual({ status, error: expect.any(String), message: expect.anything() });
}

export function request(url: string, method: string, headers: Record<string, string> = {}, body?: unknown): Promise<ApiResponse> {
  const json: Record<string, string> = body === undefined ? {} : { 'content-type': 'application/json' };
  return sendRaw(url, method, body === undefined ? undefined : JSON.stringify(body), { ...json, ...headers });
}

/**
 * Nothing secret in what the apps printed nor in an error answer, nor a stack trace in an answer:
 * the no-secret test's checks, which security-authorisation.e2e-spec.ts also runs after its tests.
 */
export function expectNothingLeaked(printed: Record<string, string>, logFiles: Record<string, string>, secrets: string[], errorBodies: string[]): void {
  for (const [name, text] of Object.entries(printed)) {
    for (const secret of secrets) {
      if (text.includes(secret)) throw new Error(`${name} printed a secret (${secret.slice(0, 6)}…) in ${logFiles[name]}`);
    }
    // Credentials inside connection URLs.
    expect(text).not.toMatch(/amqps?:\/\/[^\s"/@]+:[^\s"/@]+@/);
  }
  for (const body of errorBodies) {
    for (const secret of secrets) expect(body).not.toContain(secret);
    expect(body).not.toMatch(/"stack"|\bat \S+ \(\/|node_modules/);
  }
}

export function securitySuite({ leakCheckAfterAll = false } = {}) {
  const env = testEnv();
  let apiProcess: AppProcess;
  let loggerProcess: AppProcess;
  let admin: ApiClient;
  let adminId: string;
  let rep: User;
  let db: Client;
  /** Every token and password this file handled, to look for where they must not be. */
  const secrets: string[] = [JWT_SECRET, env.admin.password];
  /** Every error answer this file received. */
  const errorBodies: string[] = [];
  const seen = (res: ApiResponse) => {
    if (res.status >= 400) errorBodies.push(JSON.stringify(res.body));
    return res;
  };

  beforeAll(async () => {
    [apiProcess, loggerProcess] = await Promise.all([startApi({ JWT_SECRET, JWT_TTL_SECONDS: String(TTL_SECONDS), LOG_LEVEL: 'debug' }), startLogger()]);
    admin = await api(apiProcess.url);
    secrets.push(admin.token);
    adminId = expectStatus(await admin.get('/api/users/me/'), 200).id;
    rep = await createUser(admin);
    secrets.push(rep.client.token);
    db = new Client({ connectionString: env.databaseUrl });
    await db.connect();
  });

  afterAll(async () => {
    await db?.end().catch(() => undefined);
    await Promise.all([apiProcess?.stop(), loggerProcess?.stop()]);
  });

  if (leakCheckAfterAll)
    afterAll(async () => {
      const printed = { 'crm-api': await apiProcess.wholeLog(), 'activity-logger': await loggerProcess.wholeLog() };
      expectNothingLeaked(printed, { 'crm-api': apiProcess.logFile, 'activity-logger': loggerProcess.logFile }, secrets, errorBodies);
    });

  return {
    env,
    secrets,
    errorBodies,
    seen,
    get apiProcess() {
      return apiProcess;
    },
    get loggerProcess() {
      return loggerProcess;
    },
    get admin() {
      return admin;
    },
    get adminId() {
      return adminId;
    },
    get rep() {
      return rep;
    },
    get db() {
      return db;
    },
  };
}
