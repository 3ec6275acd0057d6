import { readFileSync } from 'node:fs';

interface Node {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
  children?: number[];
}
interface Profile {
  nodes: Node[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

/** Where a frame's code lives: a package, the app bundle, Node itself, or the VM. */
export function origin(url: string, functionName: string): string {
  if (!url) return functionName.startsWith('(') ? functionName : '(native)';
  const nm = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (nm) return nm[1];
  if (url.startsWith('node:')) return `node:${url.slice(5).split('/')[0]}`;
  const app = /dist\/apps\/([^/]+)\//.exec(url);
  if (app) return `app:${app[1]}`;
  return url.replace(/^file:\/\//, '');
}

const BUCKETS: [RegExp, string][] = [
  [/^(@mikro-orm\/|knex$|tarn$|lodash$|dataloader$|umzug$)/, 'ORM (MikroORM, knex)'],
  [/^(pg|pg-protocol|pg-pool|pg-types|postgres-\w+|pgpass)$/, 'pg driver (and its socket I/O)'],
  [/^(amqplib|buffer-more-ints)$/, 'amqplib'],
  [/^(@nestjs\/|rxjs$|reflect-metadata$|iterare$)/, 'Nest'],
  [/^(fastify|@fastify\/|find-my-way|avvio|light-my-request|secure-json-parse|fast-json-stringify|toad-cache|helmet|ret|safe-regex2|abstract-logging|pino)/, 'Fastify / HTTP'],
  [/^zod$/, 'zod'],
  [/^prom-client$/, 'prom-client'],
  [/^app:/, 'app code'],
];

/** The bucket a sample is charged to: the nearest frame on its stack that belongs to a package or the app. */
function bucketOf(o: string): string | null {
  for (const [re, name] of BUCKETS) if (re.test(o)) return name;
  return o.startsWith('node:') || o.startsWith('(') || o.includes('/') ? null : `other package: ${o}`;
}

/**
 * Summarises a V8 .cpuprofile (node --cpu-prof): self time by origin (package / app /
 * node internals / GC) and the top functions by self and by inclusive time, in ms.
 */
export function summariseProfile(file: string, top = 25, skipMs = 0) {
  const p = JSON.parse(readFileSync(file, 'utf8')) as Profile;
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const selfMs = new Map<number, number>();
  let t = 0;
  for (let i = 0; i < p.samples.length; i++) {
    t += (p.timeDeltas[i] ?? 0) / 1000;
    if (t < skipMs) continue; // start-up left out
    selfMs.set(p.samples[i], (selfMs.get(p.samples[i]) ?? 0) + (p.timeDeltas[i] ?? 0) / 1000);
  }
  const totalMs = (p.endTime - p.startTime) / 1000 - skipMs;
  const idle = [...selfMs].filter(([id]) => byId.get(id)?.callFrame.functionName === '(idle)').reduce((s, [, v]) => s + v, 0);
  const key = (n: Node) => `${n.callFrame.functionName || '(anonymous)'} ${origin(n.callFrame.url, n.callFrame.functionName)}:${n.callFrame.lineNumber + 1}`;
  const origins = new Map<string, number>();
  const selfFn = new Map<string, number>();
  const inclFn = new Map<string, number>();
  const buckets = new Map<string, number>();
  for (const [id, ms] of selfMs) {
    const n = byId.get(id)!;
    if (n.callFrame.functionName === '(idle)') continue;
    const o = origin(n.callFrame.url, n.callFrame.functionName);
    origins.set(o, (origins.get(o) ?? 0) + ms);
    selfFn.set(key(n), (selfFn.get(key(n)) ?? 0) + ms);
    // Inclusive: every distinct frame on the stack gets the sample once.
    let bucket: string | null = null;
    for (let cur: number | undefined = id; cur !== undefined && !bucket; cur = parent.get(cur)) {
      const f = byId.get(cur)!.callFrame;
      bucket = bucketOf(origin(f.url, f.functionName));
    }
    if (!bucket) bucket = n.callFrame.functionName === '(garbage collector)' ? 'garbage collector' : 'Node internals (no package on the stack)';
    buckets.set(bucket, (buckets.get(bucket) ?? 0) + ms);
    const onStack = new Set<string>();
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) onStack.add(key(byId.get(cur)!));
    for (const k of onStack) inclFn.set(k, (inclFn.get(k) ?? 0) + ms);
  }
  const sortDesc = (m: Map<string, number>) =>
    [...m]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([k, v]) => ({ what: k, ms: Math.round(v) }));
  const busy = totalMs - idle;
  return {
    file,
    totalMs: Math.round(totalMs),
    busyMs: Math.round(busy),
    byBucket: sortDesc(buckets),
    byOrigin: sortDesc(origins),
    selfTop: sortDesc(selfFn),
    inclusiveTop: sortDesc(inclFn),
  };
}
