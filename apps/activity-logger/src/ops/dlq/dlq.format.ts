import type { Message } from 'amqplib';
import { DeadLetterView, describeDeadLetter, scalar } from './dead-letter.view';

const REASON_WIDTH = 100;

const cut = (s: string, width: number) => (s.length <= width ? s : `${s.slice(0, width - 1)}…`);
const oneLine = (s: string) => s.replace(/\s+/g, ' ');

/** `dlq list`: one line per message, then the counts by reason class. */
export function formatList(views: DeadLetterView[], queue: string, depth: number): string[] {
  if (views.length === 0) return [`${queue}: no dead letters`];
  const rows = views.map((v) => [v.id ?? '-', v.type, String(v.attempts ?? '-'), v.at ?? '-', cut(oneLine(v.reason), REASON_WIDTH)]);
  const header = ['ID', 'TYPE', 'ATTEMPTS', 'DEAD-LETTERED AT', 'REASON'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]))).join('  ');
  const lines = [line(header), ...rows.map(line), ''];
  lines.push(views.length === depth ? `${depth} dead letter(s) in ${queue}` : `${views.length} of ${depth} dead letter(s) in ${queue} shown (--limit)`);
  lines.push('by reason:', ...countByReason(views).map(([reason, n]) => `  ${String(n).padStart(6)}  ${reason}`));
  return lines;
}

/** Counts per reason class, most frequent first. */
export function countByReason(views: DeadLetterView[]): [string, number][] {
  const counts = new Map<string, number>();
  for (const v of views) counts.set(v.reasonClass, (counts.get(v.reasonClass) ?? 0) + 1);
  return [...counts].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
}

/** `dlq show ID`: the summary, every property and header, and the body (pretty JSON when it is JSON). */
export function formatShow(msg: Pick<Message, 'fields' | 'properties' | 'content'>): string[] {
  const view = describeDeadLetter(msg);
  const { headers, ...properties } = msg.properties;
  const defined = Object.entries(properties).filter(([, v]) => v !== undefined && v !== null);
  const lines = [
    `id:            ${view.id ?? '-'}`,
    `type:          ${view.type}`,
    `reason:        ${view.reason}`,
    `attempts:      ${view.attempts ?? '-'}`,
    `dead-lettered: ${view.at ?? '-'}`,
    `replays to:    crm.events with routing key ${view.routingKey}`,
    'properties:',
    ...defined.map(([k, v]) => `  ${k}: ${JSON.stringify(v)}`),
    'headers:',
    ...Object.entries((headers ?? {}) as Record<string, unknown>).map(([k, v]) => `  ${k}: ${JSON.stringify(plain(v))}`),
    'body:',
  ];
  const raw = msg.content.toString('utf8');
  try {
    lines.push(...JSON.stringify(JSON.parse(raw), null, 2).split('\n'));
  } catch {
    lines.push(raw);
  }
  return lines;
}

/** Header values as JSON would show them: unwrapped numbers, bytes as text, tables and arrays recursively. */
function plain(v: unknown): unknown {
  const s = scalar(v);
  if (Array.isArray(s)) return s.map(plain);
  if (s && typeof s === 'object' && !(s instanceof Date)) return Object.fromEntries(Object.entries(s).map(([k, x]) => [k, plain(x)]));
  return s;
}
