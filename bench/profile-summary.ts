/**
 * `node -r ts-node/register/transpile-only bench/profile-summary.ts <file.cpuprofile>...`:
 * prints where a profiled app spent its CPU (profiles come from BENCH_PROFILE=1).
 */
import { existsSync, readFileSync } from 'node:fs';
import { summariseProfile } from './lib/cpuprofile';

const top = Number(process.env.TOP ?? 25);
/** SKIP_MS: leave out the first N ms of the profile; by default the start-up the harness recorded beside it. */
const skipFor = (file: string) =>
  process.env.SKIP_MS !== undefined
    ? Number(process.env.SKIP_MS)
    : existsSync(`${file}.json`)
      ? (JSON.parse(readFileSync(`${file}.json`, 'utf8')) as { readyAfterMs: number }).readyAfterMs
      : 0;
for (const file of process.argv.slice(2)) {
  const s = summariseProfile(file, top, skipFor(file));
  const pct = (ms: number) => `${((ms / s.busyMs) * 100).toFixed(1)}%`;
  console.log(`\n== ${file}: ${s.totalMs} ms profiled after start-up (${skipFor(file)} ms left out), ${s.busyMs} ms on CPU`);
  console.log('-- CPU by the nearest package on the stack (native work such as socket writes charged to its caller)');
  for (const o of s.byBucket) console.log(`${String(o.ms).padStart(8)} ms ${pct(o.ms).padStart(6)}  ${o.what}`);
  console.log('-- self time by origin');
  for (const o of s.byOrigin) console.log(`${String(o.ms).padStart(8)} ms ${pct(o.ms).padStart(6)}  ${o.what}`);
  console.log('-- top functions, self');
  for (const o of s.selfTop) console.log(`${String(o.ms).padStart(8)} ms ${pct(o.ms).padStart(6)}  ${o.what}`);
  console.log('-- top functions, inclusive');
  for (const o of s.inclusiveTop) console.log(`${String(o.ms).padStart(8)} ms ${pct(o.ms).padStart(6)}  ${o.what}`);
}
