import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CrmClient, crmClient, isLog, signIn } from '@app/client';
import { canonicalJson } from '@app/contracts';
import { AppProcess, eventually, startApi, startLogger, testEnv, uniq } from '../utils';

const ROOT = join(__dirname, '..', '..');

/**
 * The typed client (libs/client, generated from docs/openapi.json) against the real
 * crm-api: the document it was generated from is the one crm-api serves, its calls work,
 * and `npm run demo`, written on it, runs the original specification's scenario.
 */
describe('the typed client', () => {
  let apiProcess: AppProcess;
  let logger: AppProcess;
  let admin: CrmClient;

  beforeAll(async () => {
    [apiProcess, logger] = await Promise.all([startApi(), startLogger()]);
    admin = await signIn(apiProcess.url, testEnv().admin);
  });

  afterAll(async () => {
    await Promise.all([apiProcess?.stop(), logger?.stop()]);
  });

  it('was generated from the very document crm-api serves', async () => {
    const served = await (await fetch(`${apiProcess.url}/api/docs-json`)).json();
    expect(canonicalJson(served)).toBe(readFileSync(join(ROOT, 'docs', 'openapi.json'), 'utf8'));
  });

  it('creates, changes and converts a lead, and reads its feed, with typed bodies and answers', async () => {
    const name = uniq('Typed Lead');
    const created = await admin.POST('/api/leads', { body: { name, company: 'Typed Co' } });
    expect(created.response.status).toBe(201);
    const lead = created.data!;
    expect(lead).toMatchObject({ name, company: 'Typed Co', status: 'new' });

    const patched = await admin.PATCH('/api/leads/{id}', { params: { path: { id: lead.id } }, body: { status: 'qualified' } });
    expect(patched.data?.status).toBe('qualified');
    const converted = await admin.POST('/api/leads/{id}/convert', { params: { path: { id: lead.id } }, body: { opportunity: { name: `${name} Deal`, amount: '1500' } } });
    expect(converted.response.status).toBe(201);
    expect(converted.data?.opportunity.amount).toBe('1500.00');

    const logs = await eventually(async () => {
      const { data } = await admin.GET('/api/interaction-logs', { params: { query: { lead: lead.id } } });
      const found = (data?.results ?? []).filter(isLog).map((l) => l.summary);
      expect(found).toEqual(expect.arrayContaining([`New lead created: ${name} from Typed Co`, `Lead ${name} converted to opportunity ${name} Deal`]));
      return found;
    });
    expect(logs).toContain(`Lead ${name} qualified as a potential customer`);
  });

  it('answers errors in the API error shape, typed', async () => {
    const missing = await admin.GET('/api/leads/{id}', { params: { path: { id: '00000000-0000-4000-8000-000000000000' } } });
    expect(missing.response.status).toBe(404);
    expect(missing.error).toMatchObject({ status: 404, error: expect.any(String), message: expect.any(String) });
    const anonymous = await crmClient(apiProcess.url).GET('/api/leads');
    expect(anonymous.response.status).toBe(401);
  });

  it('runs `npm run demo`: the original scenario, through the client, ending with 15 logs', async () => {
    const { admin: credentials } = testEnv();
    const child = spawn(process.execPath, ['-r', 'ts-node/register/transpile-only', '-r', 'tsconfig-paths/register', join(ROOT, 'scripts', 'demo.ts')], {
      cwd: ROOT,
      env: { ...process.env, DEMO_API_URL: apiProcess.url, ADMIN_EMAIL: credentials.email, ADMIN_PASSWORD: credentials.password },
    });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    expect({ code, out }).toEqual({ code: 0, out: expect.stringContaining('Activity feed (newest first, 15 logs)') });
    for (const summary of ['Task completed: Call John Doe at ACME Corp - Notes: Interested in the pro plan', 'Had a great conversation about their requirements'])
      expect(out).toContain(summary);
  });
});
