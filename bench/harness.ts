/**
 * Side-by-side timing for `npm run bench`. Every case is checked for a correct answer before it is
 * timed (a wrong answer is reported, not timed); cases then run interleaved, batch after batch, and
 * each case's score is the median over batches of its time relative to the baseline's time in the same
 * batch, so that a noisy neighbour slows both sides of a ratio alike.
 */
import { performance } from 'node:perf_hooks';

export interface BenchCase {
  readonly name: string;
  /** One operation. Must not reuse mutable state between calls unless that is what is measured. */
  readonly run: () => unknown;
  /** Returns an error message when the answer is wrong. */
  readonly check: (result: unknown) => string | undefined;
}

export interface BenchRow {
  readonly name: string;
  /** Median nanoseconds per operation. */
  readonly nsPerOp: number;
  /** Median of per-batch ratios to the baseline. */
  readonly ratio: number;
  readonly error?: string;
  /** A target ratio, when the issue sets one. */
  readonly target?: number;
}

export interface CompareOptions {
  batches?: number;
  /** Operations per case per batch. */
  iterations?: number;
  warmup?: number;
  targets?: Readonly<Record<string, number>>;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

async function timeBatch(c: BenchCase, iterations: number): Promise<number> {
  const start = performance.now();
  for (let i = 0; i < iterations; i++) {
    const r = c.run();
    if (r instanceof Promise) await r;
  }
  return ((performance.now() - start) * 1e6) / iterations;
}

/** Checks, warms up and times `cases` against `baseline`; returns one row per case, baseline first. */
export async function compare(baseline: BenchCase, cases: readonly BenchCase[], options: CompareOptions = {}): Promise<BenchRow[]> {
  const { batches = 40, iterations = 2000, warmup = 3000 } = options;
  const all = [baseline, ...cases];
  const errors = new Map<string, string>();
  for (const c of all) {
    try {
      const problem = c.check(await c.run());
      if (problem) errors.set(c.name, problem);
    } catch (e) {
      errors.set(c.name, `threw: ${(e as Error).message}`);
    }
  }
  if (errors.has(baseline.name)) throw new Error(`baseline ${baseline.name} answers wrongly: ${errors.get(baseline.name)}`);
  const timed = all.filter((c) => !errors.has(c.name));
  for (const c of timed) await timeBatch(c, warmup);
  const samples = new Map<string, number[]>(timed.map((c) => [c.name, []]));
  const ratios = new Map<string, number[]>(timed.map((c) => [c.name, []]));
  for (let b = 0; b < batches; b++) {
    const order = timed.map((_, i) => timed[(i + b) % timed.length] as BenchCase);
    const times = new Map<string, number>();
    for (const c of order) times.set(c.name, await timeBatch(c, iterations));
    const base = times.get(baseline.name) as number;
    for (const c of timed) {
      samples.get(c.name)?.push(times.get(c.name) as number);
      ratios.get(c.name)?.push((times.get(c.name) as number) / base);
    }
  }
  return all.map((c) => {
    const target = options.targets?.[c.name];
    const error = errors.get(c.name);
    if (error) return { name: c.name, nsPerOp: NaN, ratio: NaN, error, ...(target ? { target } : {}) };
    return { name: c.name, nsPerOp: median(samples.get(c.name) ?? []), ratio: median(ratios.get(c.name) ?? []), ...(target ? { target } : {}) };
  });
}

/** A Markdown table of rows, with the target verdict where one is set. */
export function table(title: string, rows: readonly BenchRow[]): string {
  const lines = [`### ${title}`, '', '| case | ns/op | × baseline | target |', '|---|---:|---:|---|'];
  for (const r of rows) {
    if (r.error) {
      lines.push(`| ${r.name} | wrong answer: ${r.error} | | ${r.target ? `≤ ${r.target}× FAILED` : ''} |`);
      continue;
    }
    const verdict = r.target ? `≤ ${r.target}× ${r.ratio <= r.target ? 'met' : 'MISSED'}` : '';
    lines.push(`| ${r.name} | ${r.nsPerOp.toFixed(0)} | ${r.ratio.toFixed(2)} | ${verdict} |`);
  }
  return lines.join('\n') + '\n';
}
