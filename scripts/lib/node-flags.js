'use strict';
// Node's own flags for each app: the one place they are set. Every launcher that can read
// this file runs `node <flags> dist/apps/<app>/main.js [args]` through argvOf():
// scripts/start.js (`npm start`), scripts/migrate.js, test/kit/apps.ts (the e2e tests and
// the bench). package.json's scripts, docker-compose.yml and the Dockerfile cannot read it
// and spell the flags out; test/unit/launchers/node-flags.spec.ts fails when one of them
// differs from this list. Why not NODE_OPTIONS, a re-exec or v8.setFlagsFromString:
// docs/decisions.md ("The logger's node flags, in one place").
const NODE_FLAGS = Object.freeze({
  // No allocation-site pretenuring: under a write load V8 sees request objects survive
  // scavenges and starts allocating from their sites (pg's rows among them) straight into the
  // old generation; an export that follows then puts every row there, dead until the next
  // mark-compact, and the young strings those rows point at survive the scavenges with them.
  // The export's peak after a POST load 301 → 201 MB (docs/benchmarks.md).
  // The old generation grown to 1.5 × what the last mark-compact left live (V8 picks up to
  // 4 × for a heap this small): what an export still promotes, ~10 MB per 100,000 rows, is
  // collected every ~25 MB instead of piling up across exports until ~200 MB of heap.
  // Export peak after a POST load 225 → 194 MB; no CPU per POST measured (1,245 / 1,246 µs).
  'crm-api': Object.freeze(['--no-allocation-site-pretenuring', '--heap-growing-percent=50']),
  // 8 MB semi-spaces instead of V8's 16: the young generation is most of what a drain adds
  // to the logger's resident memory (peak 196 (173–215) → 182 (177–194) MB for ~3 % of CPU
  // per log, docs/benchmarks.md). Given to every run of main.js, the operator commands included:
  // a launcher need not know what the arguments make it do.
  'activity-logger': Object.freeze(['--max-semi-space-size=8']),
});

/** The app's node flags (throws for an app it does not know). */
function nodeFlagsOf(app) {
  const flags = NODE_FLAGS[app];
  if (!flags) throw new Error(`no node flags are defined for ${app}: add it to scripts/lib/node-flags.js`);
  return flags;
}

/** What follows `node` to run `entry` (the app's built main.js) with `args`. */
function argvOf(app, entry, args = []) {
  return [...nodeFlagsOf(app), entry, ...args];
}

module.exports = { NODE_FLAGS, nodeFlagsOf, argvOf };
