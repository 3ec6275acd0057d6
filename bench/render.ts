/**
 * `npm run bench:report`: renders .bench/results.json (the last `npm run bench`) as the
 * results table in docs/benchmarks.md (between the bench:results markers) and under
 * `## Benchmarks` at the end of README.md (only that section is replaced).
 * `--print` writes the markdown to stdout instead.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { OUT_DIR, ROOT } from './lib/config';

interface Results {
  mode: string;
  seconds: number;
  machine: Record<string, any>;
  loadDuringRun?: { median: number; max: number } | null;
  config: { runs: number };
  figures: { key: string; name: string; unit: string; median: number; min: number; max: number; line: string; target?: string; met?: boolean }[];
}

const START = '<!-- bench:results:start -->';
const END = '<!-- bench:results:end -->';

export function renderTable(r: Results): string {
  const m = r.machine;
  const rows = r.figures.map((f) => {
    const value = f.line.slice(f.name.length + 2);
    const verdict = f.target ? `${f.target} ${f.unit} — ${f.met ? '**met**' : '**missed**'}` : '';
    return `| ${f.name} | ${value} | ${verdict} |`;
  });
  const load = r.loadDuringRun ? `; 1-min load average during the run: median ${r.loadDuringRun.median.toFixed(2)}, max ${r.loadDuringRun.max.toFixed(2)}` : '';
  return [
    `Measured ${m.date.slice(0, 10)} (commit ${m.commit}) on ${m.nproc} × ${m.cpuModel}, ${m.ramGiB} GiB RAM, ${m.kernel}; ` +
      `Node ${m.node}, PostgreSQL ${m.postgres}, RabbitMQ ${m.rabbitmq}. ` +
      `\`npm run bench\` (${r.mode} mode, ${r.config.runs} run${r.config.runs === 1 ? '' : 's'} per figure, ${r.seconds < 120 ? `${r.seconds} s` : `${Math.round(r.seconds / 60)} min`}${load}).`,
    '',
    '| figure | median (min–max) | target |',
    '| --- | --- | --- |',
    ...rows,
  ].join('\n');
}

function main() {
  const file = join(OUT_DIR, process.env.BENCH_RESULTS ?? 'results.json');
  const results = JSON.parse(readFileSync(file, 'utf8')) as Results;
  const table = renderTable(results);
  if (process.argv.includes('--print')) {
    process.stdout.write(`${table}\n`);
    return;
  }
  const docs = join(ROOT, 'docs', 'benchmarks.md');
  const text = readFileSync(docs, 'utf8');
  const a = text.indexOf(START);
  const b = text.indexOf(END);
  if (a < 0 || b < a) throw new Error(`${docs} has no ${START} … ${END} block`);
  writeFileSync(docs, `${text.slice(0, a + START.length)}\n${table}\n${text.slice(b)}`);

  const readme = join(ROOT, 'README.md');
  const section =
    `## Benchmarks\n\n${table}\n\nMethod, what each figure means, and where the time goes: [docs/benchmarks.md](docs/benchmarks.md). ` +
    'Re-run with `npm run bench` (~10 min, plus up to 15 min waiting for the shared machine to quieten) or `npm run bench:quick` ' +
    '(CI size, ~2 min), then `npm run bench:report`.\n';
  let r = existsSync(readme) ? readFileSync(readme, 'utf8') : '';
  const h = r.search(/^## Benchmarks\s*$/m);
  if (h < 0) r = `${r.replace(/\s*$/, '')}\n\n${section}`;
  else {
    const rest = r.slice(h + 1);
    const next = rest.search(/^## /m);
    r = r.slice(0, h) + section + (next >= 0 ? `\n${rest.slice(next)}` : '');
  }
  writeFileSync(readme, r);
  console.error(`updated ${docs} and the Benchmarks section of ${readme} from ${file}`);
}

if (require.main === module) main();
