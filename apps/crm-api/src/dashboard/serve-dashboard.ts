import { existsSync } from 'node:fs';
import { join } from 'node:path';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyReply } from 'fastify';

/**
 * The activity dashboard at /dashboard/: a static page over the public API (it holds no
 * data; everything it shows comes from the API with the token the user signs in for).
 * Its files are built into dist/apps/crm-api/dashboard/web/: index.html and dashboard.css
 * copied by nest-cli's assets, the script's ES modules emitted by `tsc -p
 * apps/crm-api/src/dashboard/web/tsconfig.json` (see docs/dashboard.md). In the webpack
 * bundle __dirname is main.js's folder, so that is where they are looked for.
 */
export const DASHBOARD_DIR = join(__dirname, 'dashboard', 'web');

/** What the page cannot work without: crm-api refuses to start without them rather than serve a 404. */
export const DASHBOARD_FILES = ['index.html', 'dashboard.css', 'dashboard.js'] as const;

/**
 * The page's policy. Its script (modules) and style are separate same-origin files, so it
 * allows no inline code at all; stricter than helmet's default for the rest of crm-api
 * (whose Swagger UI needs inline styles).
 */
export const DASHBOARD_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  // text/javascript (RFC 9239), which module scripts are checked against; the mime table
  // of @fastify/send still says application/javascript.
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
};

function setHeaders(reply: FastifyReply, path: string): void {
  const type = TYPES[path.slice(path.lastIndexOf('.'))];
  if (type) reply.header('content-type', type);
  if (path.endsWith('.html')) reply.header('content-security-policy', DASHBOARD_CSP);
  // Always revalidated (ETag / Last-Modified): a new build is seen on the next load.
  reply.header('cache-control', 'no-cache');
}

/**
 * Serves the dashboard's files with @fastify/static, outside Nest's guards: the page is
 * public. The routes are fixed at start (wildcard off: one per file found, plus
 * /dashboard/ for index.html; /dashboard too, as the router ignores trailing slashes).
 */
export async function serveDashboard(fastify: FastifyInstance, root = DASHBOARD_DIR): Promise<void> {
  const missing = DASHBOARD_FILES.filter((file) => !existsSync(join(root, file)));
  if (missing.length) throw new Error(`the dashboard's files are not built: ${missing.join(', ')} missing in ${root} (run npm run build)`);
  await fastify.register(fastifyStatic, {
    root,
    prefix: '/dashboard/',
    wildcard: false,
    index: 'index.html',
    redirect: false,
    // No reply.sendFile: nothing here needs it, and a second registration (the Swagger
    // UI's assets are one too) must not decorate the reply twice.
    decorateReply: false,
    cacheControl: false,
    setHeaders,
  });
}
