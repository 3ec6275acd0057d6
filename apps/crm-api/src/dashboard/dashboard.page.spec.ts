import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as ts from 'typescript';
import { LOG_TYPES } from '@app/contracts';
import { TYPES } from './web/constants';

// The browser behaviour is tested in Chromium (test/e2e/dashboard.e2e-spec.ts); these
// check the page's files themselves: what the browser would only find out at run time.
const WEB = join(__dirname, 'web');
const HTML = readFileSync(join(WEB, 'index.html'), 'utf8');
const SCRIPTS = readdirSync(WEB)
  .filter((file) => file.endsWith('.ts'))
  .map((file) => ({ file, text: readFileSync(join(WEB, file), 'utf8') }));

describe('the dashboard page', () => {
  it('has a script that type-checks for the browser (its own tsconfig: DOM, no Node)', () => {
    // What `npm run typecheck` and `npm run build` run too; here so that the unit tier catches it.
    const config = ts.getParsedCommandLineOfConfigFile(
      join(WEB, 'tsconfig.json'),
      { noEmit: true },
      {
        ...ts.sys,
        onUnRecoverableConfigFileDiagnostic: (d) => {
          throw new Error(ts.flattenDiagnosticMessageText(d.messageText, '\n'));
        },
      },
    )!;
    expect(config.errors).toEqual([]);
    expect(config.fileNames.length).toBe(SCRIPTS.length);
    const program = ts.createProgram({ rootNames: config.fileNames, options: config.options });
    const problems = ts
      .getPreEmitDiagnostics(program)
      .map((d) => ts.formatDiagnostic(d, { getCanonicalFileName: (f) => f, getCurrentDirectory: () => WEB, getNewLine: () => '\n' }));
    expect(problems).toEqual([]);
  });

  it('finds in the HTML every element its script looks up by id', () => {
    const used = new Set(SCRIPTS.flatMap(({ text }) => [...text.matchAll(/\$(?:<\w+>)?\('([\w-]+)'\)/g)].map((m) => m[1])));
    const defined = new Set([...HTML.matchAll(/\sid="([\w-]+)"/g)].map((m) => m[1]));
    expect(used.size).toBeGreaterThan(10);
    expect([...used].filter((id) => !defined.has(id))).toEqual([]);
    // The filter selects are looked up by name: 'filter-' + kind.
    for (const kind of ['lead', 'opportunity', 'user', 'type']) expect(defined).toContain(`filter-${kind}`);
  });

  it('never turns text into markup, and has no inline code for the policy to refuse', () => {
    for (const { text } of SCRIPTS) expect(text).not.toMatch(/innerHTML|outerHTML|insertAdjacentHTML|document\.write|eval\(|new Function/);
    expect(HTML).not.toMatch(/<script>(?!<\/script>)|\son\w+=|<style/);
    // Its one script is the entry module, from the page's own origin.
    expect([...HTML.matchAll(/<script[^>]*>/g)].map((m) => m[0])).toEqual(['<script type="module" src="/dashboard/dashboard.js">']);
  });

  it('offers the log types the API has, with the labels the entries show', () => {
    expect(Object.keys(TYPES)).toEqual([...LOG_TYPES]);
    const options = (id: string) => {
      const select = new RegExp(`<select id="${id}"[^>]*>(.*?)</select>`).exec(HTML)![1];
      return [...select.matchAll(/<option value="(\w+)">([^<]*)<\/option>/g)].map((m) => [m[1], m[2]]);
    };
    const expected = LOG_TYPES.map((t) => [t, TYPES[t].label]);
    expect(options('filter-type')).toEqual(expected);
    expect(options('log-type')).toEqual(expected);
  });
});
