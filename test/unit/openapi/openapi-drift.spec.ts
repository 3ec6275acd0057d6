import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..', '..');

describe('docs/openapi.json and the typed client', () => {
  it('are what `npm run openapi` writes from the current controllers (no drift)', () => {
    const run = spawnSync(process.execPath, ['-r', 'ts-node/register/transpile-only', '-r', 'tsconfig-paths/register', join(ROOT, 'scripts', 'openapi.ts'), '--check'], {
      cwd: ROOT,
      encoding: 'utf8',
      timeout: 100_000,
    });
    expect({ status: run.status, stderr: run.stderr.trim() }).toEqual({ status: 0, stderr: '' });
  });
});
