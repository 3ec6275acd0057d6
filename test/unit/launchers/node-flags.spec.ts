import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { AppName, appArgv, mainOf, ROOT } from '../../kit/apps';
import { argvOf, NODE_FLAGS } from '../../../scripts/lib/node-flags';

/**
 * The apps' node flags (scripts/lib/node-flags.js) reach every launcher: the JS ones build
 * their command through the module; package.json, docker-compose.yml and the Dockerfile
 * cannot read it and spell the flags out, so they are read here and held to the list.
 */
const LOGGER_FLAG = '--max-semi-space-size=8';
const API_FLAGS = ['--no-allocation-site-pretenuring', '--heap-growing-percent=50'];

/** Every `node [flags] dist/apps/<app>/main.js` in a file: shell words or a JSON/YAML array's items. */
function launches(file: string): { app: AppName; flags: string[]; line: string }[] {
  const found: { app: AppName; flags: string[]; line: string }[] = [];
  for (const line of readFileSync(join(ROOT, file), 'utf8').split('\n')) {
    for (const m of line.matchAll(/\bnode\b(.*?)\bdist\/apps\/(crm-api|activity-logger)\/main\.js/g)) {
      found.push({ app: m[2] as AppName, flags: m[1].split(/[\s,'"]+/).filter(Boolean), line: line.trim() });
    }
  }
  return found;
}

describe("the apps' node flags", () => {
  it('the logger runs with 8 MB semi-spaces; crm-api without allocation-site pretenuring, its old generation grown by half', () => {
    expect(NODE_FLAGS['activity-logger']).toContain(LOGGER_FLAG);
    expect(NODE_FLAGS['crm-api']).toEqual(API_FLAGS);
  });

  it('scripts/start.js and scripts/migrate.js (argvOf): the flags come before main.js', () => {
    expect(argvOf('activity-logger', 'main.js', ['migrate'])).toEqual([LOGGER_FLAG, 'main.js', 'migrate']);
    expect(argvOf('crm-api', 'main.js')).toEqual([...API_FLAGS, 'main.js']);
  });

  it("test/kit's spawnApp and runAppToExit (appArgv): the app's flags unless replaced, after node's own", () => {
    const main = mainOf('activity-logger');
    expect(appArgv('activity-logger', ['dlq', 'list'])).toEqual([LOGGER_FLAG, main, 'dlq', 'list']);
    expect(appArgv('activity-logger', [], { nodeArgs: ['--cpu-prof'] })).toEqual(['--cpu-prof', LOGGER_FLAG, main]);
    // The bench's A/B of the flags themselves.
    expect(appArgv('activity-logger', [], { nodeFlags: [] })).toEqual([main]);
  });

  it.each([
    ['package.json', 3],
    ['docker-compose.yml', 1],
    ['Dockerfile', 1],
  ])('%s starts each app with its flags, everywhere it starts one', (file, loggerLaunches) => {
    const found = launches(file);
    expect(found.filter((l) => l.app === 'activity-logger').length).toBeGreaterThanOrEqual(loggerLaunches);
    expect(found.filter((l) => l.app === 'crm-api').length).toBeGreaterThanOrEqual(1);
    for (const { app, flags, line } of found) expect({ line, flags }).toEqual({ line, flags: NODE_FLAGS[app] });
  });
});
