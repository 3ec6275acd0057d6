import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { OUT_DIR } from './config';
import { summarize, Summary } from './stats';

export interface Target {
  /** Human text, e.g. "≥ 0.5". */
  text: string;
  met: (median: number, s: Summary) => boolean;
}

interface Figure {
  key: string;
  name: string;
  unit: string;
  digits: number;
  values: number[];
  target?: Target;
  /** Per-run extra facts (sample sizes, achieved rates, plans...), kept for the JSON only. */
  details: unknown[];
}

/**
 * The figures of one benchmark run, in the order they were declared. Each gets one
 * value per repetition; print() writes `name: median unit (min–max)` per figure.
 */
export class Report {
  private readonly figures = new Map<string, Figure>();
  readonly notes: Record<string, unknown> = {};

  declare(key: string, name: string, unit: string, digits = 0, target?: Target) {
    if (!this.figures.has(key)) this.figures.set(key, { key, name, unit, digits, values: [], target, details: [] });
  }

  add(key: string, value: number, detail?: unknown) {
    const f = this.figures.get(key);
    if (!f) throw new Error(`undeclared figure ${key}`);
    if (Number.isFinite(value)) f.values.push(value);
    if (detail !== undefined) f.details.push(detail);
  }

  value(key: string) {
    return this.figures.get(key)?.values ?? [];
  }

  private fmt(v: number, digits: number) {
    return v.toFixed(digits);
  }

  lines(): string[] {
    const out: string[] = [];
    for (const f of this.figures.values()) {
      if (!f.values.length) continue;
      const s = summarize(f.values);
      const unit = f.unit ? ` ${f.unit}` : '';
      out.push(`${f.name}: ${this.fmt(s.median, f.digits)}${unit} (${this.fmt(s.min, f.digits)}–${this.fmt(s.max, f.digits)})`);
    }
    return out;
  }

  verdicts(): string[] {
    const out: string[] = [];
    for (const f of this.figures.values()) {
      if (!f.target || !f.values.length) continue;
      const s = summarize(f.values);
      const met = f.target.met(s.median, s);
      out.push(`${met ? 'met   ' : 'MISSED'} ${f.name}: ${this.fmt(s.median, f.digits)}${f.unit ? ` ${f.unit}` : ''} (target ${f.target.text})`);
    }
    return out;
  }

  toJSON(meta: Record<string, unknown>) {
    return {
      ...meta,
      figures: [...this.figures.values()]
        .filter((f) => f.values.length)
        .map((f) => {
          const s = summarize(f.values);
          return {
            key: f.key,
            name: f.name,
            unit: f.unit,
            median: s.median,
            min: s.min,
            max: s.max,
            runs: f.values,
            line: `${f.name}: ${this.fmt(s.median, f.digits)}${f.unit ? ` ${f.unit}` : ''} (${this.fmt(s.min, f.digits)}–${this.fmt(s.max, f.digits)})`,
            ...(f.target ? { target: f.target.text, met: f.target.met(s.median, s) } : {}),
            details: f.details,
          };
        }),
      notes: this.notes,
    };
  }

  write(meta: Record<string, unknown>, file = 'results.json') {
    mkdirSync(OUT_DIR, { recursive: true });
    const path = join(OUT_DIR, file);
    writeFileSync(path, `${JSON.stringify(this.toJSON(meta), null, 2)}\n`);
    return path;
  }
}
