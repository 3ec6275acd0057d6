/**
 * `node -r ts-node/register/transpile-only bench/profile-summary.ts <file.cpuprofile>...`:
 * prints where a profiled app spent its CPU (profiles come from BENCH_PROFILE=1).
 */
import { summariseProfile } from './lib/cpuprofile';

const top = Number(process.env.TOP ?? 25);
for (const file of process.argv.slice(2)) {
  const s = summariseProfile(file, top);
  const pct = (ms: number) => `${((ms / s.busyMs) * 100).toFixed(1)}%`;
  console.log(`\n== ${file}: ${s.totalMs} ms profiled, ${s.busyMs} ms on CPU`);
  console.log('-- self time by origin');
  for (const o of s.byOrigin) console.log(`${String(o.ms).padStart(8)} ms ${pct(o.ms).padStart(6)}  ${o.what}`);
  console.log('-- top functions, self');
  for (const o of s.selfTop) console.log(`${String(o.ms).padStart(8)} ms ${pct(o.ms).padStart(6)}  ${o.what}`);
  console.log('-- top functions, inclusive');
  for (const o of s.inclusiveTop) console.log(`${String(o.ms).padStart(8)} ms ${pct(o.ms).padStart(6)}  ${o.what}`);
}
