/**
 * Writes crm-api's OpenAPI document to docs/openapi.json and generates the typed
 * client's types from it (libs/client/src/schema.d.ts, openapi-typescript).
 *
 *   npm run openapi               writes both
 *   npm run openapi -- --check    writes nothing; exits 1 naming each file that is stale
 *
 * The app is built in Nest's preview mode: controllers and their metadata, no
 * providers, so no database or broker is needed. test/unit/openapi runs the check.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { canonicalJson } from '@app/contracts';
import { AppModule } from '../apps/crm-api/src/app.module';
import { openApiDocument } from '../apps/crm-api/src/common/openapi-setup';
import { ApiConfig } from '../apps/crm-api/src/config/api.config';

const ROOT = join(__dirname, '..');
const DOCUMENT = join(ROOT, 'docs', 'openapi.json');
const TYPES = join(ROOT, 'libs', 'client', 'src', 'schema.d.ts');

async function documentText(): Promise<string> {
  const app = await NestFactory.create<NestFastifyApplication>(AppModule.forRoot(ApiConfig.load({})), new FastifyAdapter(), { preview: true, logger: false });
  try {
    return canonicalJson(openApiDocument(app));
  } finally {
    await app.close();
  }
}

function typesText(documentFile: string): string {
  const out = join(mkdtempSync(join(tmpdir(), 'openapi-')), 'schema.d.ts');
  const cli = join(ROOT, 'node_modules', 'openapi-typescript', 'bin', 'cli.js');
  execFileSync(process.execPath, [cli, documentFile, '--output', out], { stdio: ['ignore', 'ignore', 'inherit'] });
  return readFileSync(out, 'utf8');
}

async function main(): Promise<void> {
  const check = process.argv.includes('--check');
  const document = await documentText();
  const scratch = join(mkdtempSync(join(tmpdir(), 'openapi-')), 'openapi.json');
  writeFileSync(scratch, document);
  const wanted = new Map([
    [DOCUMENT, document],
    [TYPES, typesText(scratch)],
  ]);
  const stale: string[] = [];
  for (const [file, text] of wanted) {
    let current = '';
    try {
      current = readFileSync(file, 'utf8');
    } catch {
      /* missing: stale */
    }
    if (current === text) continue;
    if (check) stale.push(relative(ROOT, file));
    else writeFileSync(file, text);
  }
  if (stale.length) {
    console.error(`stale: ${stale.join(', ')}; run \`npm run openapi\` and commit the result`);
    process.exit(1);
  }
  if (!check) console.log(`wrote ${[...wanted.keys()].map((f) => relative(ROOT, f)).join(' and ')}`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
