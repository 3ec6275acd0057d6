import { copyFileSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Fastify, { type FastifyInstance } from 'fastify';
import * as ts from 'typescript';
import { DASHBOARD_CSP, serveDashboard } from './serve-dashboard';

/** The page's files as `npm run build` lays them out: index.html, dashboard.css and the script's modules. */
function buildInto(dir: string): void {
  const web = join(__dirname, 'web');
  for (const file of ['index.html', 'dashboard.css']) copyFileSync(join(web, file), join(dir, file));
  for (const file of readdirSync(web).filter((f) => f.endsWith('.ts'))) {
    const { outputText } = ts.transpileModule(readFileSync(join(web, file), 'utf8'), {
      compilerOptions: { target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.ES2022, verbatimModuleSyntax: true },
    });
    writeFileSync(join(dir, file.replace(/\.ts$/, '.js')), outputText);
  }
}

// crm-api's router ignores trailing slashes (app.factory.ts); Nest's guards never see these routes.
async function server(root: string): Promise<FastifyInstance> {
  const fastify = Fastify({ routerOptions: { ignoreTrailingSlash: true } });
  await serveDashboard(fastify, root);
  await fastify.ready();
  return fastify;
}

describe('serving the dashboard', () => {
  let root: string;
  let fastify: FastifyInstance;

  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), 'dashboard-'));
    buildInto(root);
    fastify = await server(root);
  });
  afterAll(async () => {
    await fastify?.close();
    rmSync(root, { recursive: true, force: true });
  });

  it('is served without a token: the page at /dashboard and /dashboard/, with its strict policy', async () => {
    for (const url of ['/dashboard', '/dashboard/']) {
      const res = await fastify.inject({ method: 'GET', url });
      expect(res.statusCode).toBe(200);
      expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
      expect(res.headers['content-security-policy']).toBe(DASHBOARD_CSP);
      expect(res.headers['cache-control']).toBe('no-cache');
      expect(res.body).toBe(readFileSync(join(root, 'index.html'), 'utf8'));
    }
    expect(DASHBOARD_CSP).toContain("script-src 'self'");
    expect(DASHBOARD_CSP).not.toContain('unsafe-inline');
  });

  it('serves the stylesheet, and the script with every module it imports, as text/javascript', async () => {
    const css = await fastify.inject({ method: 'GET', url: '/dashboard/dashboard.css' });
    expect(css.statusCode).toBe(200);
    expect(css.headers['content-type']).toBe('text/css; charset=utf-8');
    expect(css.body).toBe(readFileSync(join(root, 'dashboard.css'), 'utf8'));

    const seen = new Set<string>();
    const queue = ['dashboard.js'];
    while (queue.length) {
      const file = queue.shift()!;
      if (seen.has(file)) continue;
      seen.add(file);
      const res = await fastify.inject({ method: 'GET', url: `/dashboard/${file}` });
      expect([file, res.statusCode, res.headers['content-type'], res.headers['cache-control']]).toEqual([file, 200, 'text/javascript; charset=utf-8', 'no-cache']);
      expect(res.body).toBe(readFileSync(join(root, file), 'utf8'));
      for (const m of res.body.matchAll(/\bfrom '\.\/([\w-]+\.js)'/g)) queue.push(m[1]);
    }
    // Every module with code is reached from the entry (types.ts compiles to an empty module).
    const withCode = readdirSync(root).filter((f) => f.endsWith('.js') && readFileSync(join(root, f), 'utf8').trim() !== 'export {};');
    expect([...seen].sort()).toEqual(withCode.sort());
  });

  it('serves nothing else under /dashboard/', async () => {
    for (const url of ['/dashboard/nope.js', '/dashboard/dashboard.ts', '/dashboard/tsconfig.json']) {
      expect((await fastify.inject({ method: 'GET', url })).statusCode).toBe(404);
    }
  });

  it('refuses to start without the built files, naming what is missing', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'dashboard-'));
    try {
      copyFileSync(join(root, 'index.html'), join(empty, 'index.html'));
      await expect(serveDashboard(Fastify(), empty)).rejects.toThrow(/dashboard\.css, dashboard\.js missing in .*npm run build/);
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  });
});
