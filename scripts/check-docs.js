#!/usr/bin/env node
/**
 * `npm run docs:check`: every file the docs name in backquotes exists. Reads README.md,
 * apps/*\/README.md and docs/*.md, takes each inline code span (`...`), and checks each
 * word in it that names a path: one under apps/, libs/, test/, bench/, scripts/ or docs/
 * (a file or a folder, a glob matching at least one file), or a bare file name ending in
 * .ts, .js or .md, which must be some file's name (a .js: or the .ts it is built from), or
 * a relative one (`transport/settle.ts`), which must end some file's path. Exits 1 listing
 * the ones that do not exist, so a moved or deleted file cannot stay named in the docs
 * (issue 13 part 9). "Exist" means known to git (tracked, or new and not ignored), so
 * build output and node_modules never make a stale name pass; without git (an exported
 * tree), the files on disk outside those folders. Plain Node, no dependency.
 */
'use strict';
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const ROOTS = ['apps', 'libs', 'test', 'bench', 'scripts', 'docs'];
/** Made at run time, never committed: named in the docs as where to look. */
const RUNTIME = [/^test\/\.artifacts(\/|$)/];
/** Bare names that stand for any file in the prose (`./x.js`: an import's form). */
const PLACEHOLDERS = new Set(['x.js', 'x.ts']);

const SKIP = new Set(['.git', 'node_modules', 'dist', 'coverage', '.bench', '.artifacts', '.cluster']);
function walk(dir) {
  return fs.readdirSync(path.join(root, dir), { withFileTypes: true }).flatMap((e) => {
    const rel = dir ? `${dir}/${e.name}` : e.name;
    if (e.isDirectory()) return SKIP.has(e.name) ? [] : walk(rel);
    return [rel];
  });
}
function repositoryFiles() {
  try {
    return execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard'], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] })
      .split('\n')
      .filter((f) => f && fs.existsSync(path.join(root, f)));
  } catch {
    return walk('');
  }
}
const files = repositoryFiles();
const fileSet = new Set(files);
const dirSet = new Set(
  files.flatMap((f) => {
    const parts = f.split('/');
    return parts.slice(1).map((_, i) => parts.slice(0, i + 1).join('/'));
  }),
);
const baseNames = new Set(files.map((f) => path.posix.basename(f)));

const docs = [
  'README.md',
  ...fs.readdirSync(path.join(root, 'apps')).map((a) => `apps/${a}/README.md`),
  ...fs
    .readdirSync(path.join(root, 'docs'))
    .filter((f) => f.endsWith('.md'))
    .map((f) => `docs/${f}`),
].filter((f) => fs.existsSync(path.join(root, f)));

/** A glob (`*`, `**`, `{a,b}`) as a regular expression over repository paths. */
function globRegExp(glob) {
  let re = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i];
    if (c === '*' && glob[i + 1] === '*') {
      re += '.*';
      i++;
      if (glob[i + 1] === '/') i++;
    } else if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else if (c === '{') re += '(?:';
    else if (c === '}') re += ')';
    else if (c === ',' && re.includes('(?:')) re += '|';
    else re += c.replace(/[.+^$()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${re}(/.*)?$`);
}

function exists(ref) {
  if (RUNTIME.some((r) => r.test(ref))) return true;
  if (/[*?{]/.test(ref)) {
    const re = globRegExp(ref);
    return files.some((f) => re.test(f));
  }
  const clean = ref.replace(/\/$/, '');
  return fileSet.has(clean) || dirSet.has(clean);
}

/** A bare name: some file's; a `.js` may be what a `.ts` of that name builds to (`main.js`). */
function bareExists(name) {
  return PLACEHOLDERS.has(name) || baseNames.has(name) || (name.endsWith('.js') && baseNames.has(name.replace(/\.js$/, '.ts')));
}

/** The path-like words of one code span, cleaned of what surrounds a path in prose or a command. */
function references(span) {
  const out = [];
  for (let word of span.split(/[\s=,;()"'[\]]+/)) {
    word = word
      .replace(/^\.\//, '')
      .replace(/#.*$/, '') // a section of a file
      .replace(/:\d+(:\d+)?$/, '') // a line of a file
      .replace(/[.:]+$/, '');
    if (!word || /[<>$]/.test(word) || word.includes('://')) continue; // placeholders, variables, URLs
    // Outside the repository (the shared guides beside it) or build output (dist/, made by `npm run build`).
    if (/^(\.\.\/|\/|shared\/|dist\/)/.test(word)) continue;
    if (ROOTS.some((r) => word.startsWith(`${r}/`))) out.push({ ref: word, ok: exists(word) });
    else if (!word.includes('/') && /^[\w.-]+\.(ts|js|md)$/.test(word)) out.push({ ref: word, ok: bareExists(word) });
    else if (/^[\w.-]+(\/[\w.-]+)+\.(ts|js|md)$/.test(word)) out.push({ ref: word, ok: files.some((f) => f.endsWith(`/${word}`)) });
  }
  return out;
}

const missing = [];
let checked = 0;
for (const doc of docs) {
  const text = fs.readFileSync(path.join(root, doc), 'utf8');
  // Fenced blocks are commands and output, not references: only inline spans are read.
  const prose = text.replace(/^(```|~~~)[^\n]*\n[\s\S]*?^\1[^\n]*$/gm, (block) => block.replace(/[^\n]/g, ' '));
  prose.split('\n').forEach((line, i) => {
    for (const m of line.matchAll(/`([^`\n]+)`/g)) {
      for (const { ref, ok } of references(m[1])) {
        checked++;
        if (!ok) missing.push(`${doc}:${i + 1}: ${ref}`);
      }
    }
  });
}

if (missing.length) {
  console.error(`docs:check: ${missing.length} of ${checked} file references in ${docs.length} documents name no file in the repository:`);
  for (const m of missing) console.error(`  ${m}`);
  process.exit(1);
}
console.log(`docs:check: ${checked} file references in ${docs.length} documents, all present`);
