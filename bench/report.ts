// Markdown tables for what the bench measured, with a verdict wherever the issue sets a target.
import { gzipSync } from 'node:zlib';
import type { ColdResult } from './cold.js';
import { MODES, type CaseResult, type Mode, type Plan, type Spread } from './harness.js';

const MODE_NAMES: Record<Mode, string> = { steady: 'steady', gc: 'after GC' };
const x = (n: number): string => `${n.toFixed(2)}`;
const spreadText = (s: Spread, digits = 2): string => `${s.median.toFixed(digits)} (${s.min.toFixed(digits)}–${s.max.toFixed(digits)})`;

/** Ratio targets by case name: the case's median ratio must be at most the target in every mode. */
export type Targets = Readonly<Record<string, number>>;

export function verdict(ok: boolean): string {
  return ok ? 'met' : 'MISSED';
}

/** The comparison table: both modes side by side, median ratio and its spread over batches. */
export function ratioTable(title: string, rows: readonly CaseResult[], plan: Plan, targets: Targets = {}): string {
  const lines = [
    `### ${title}`,
    '',
    `${plan.batches} batches of ${plan.iterations} invocations per case and mode.`,
    '',
    '| case | steady ns/op | steady × baseline: median (min–max) | after GC ns/op | after GC × baseline: median (min–max) | 1st invocation after GC, µs | target |',
    '|---|---:|---|---:|---|---:|---|',
  ];
  for (const r of rows) {
    const target = targets[r.name];
    const cells = MODES.map((m) => {
      const d = r.modes[m];
      return d ? `${d.nsPerOp.toFixed(0)} | ${spreadText(d.ratio)}` : ' | ';
    });
    const firstAfterGc = r.modes.gc ? (r.modes.gc.firstNs / 1000).toFixed(0) : '';
    let goal = '';
    if (target !== undefined) {
      goal = `≤ ${target}×: ${MODES.map((m) => `${MODE_NAMES[m]} ${r.modes[m] ? verdict((r.modes[m]?.ratio.median ?? Infinity) <= target) : 'MISSED'}`).join(', ')}`;
    }
    if (r.error) goal = `${goal ? `${goal}; ` : ''}wrong answer: ${r.error.replace(/\|/g, '/').replace(/\n/g, ' ')}`;
    lines.push(`| ${r.name} | ${cells.join(' | ')} | ${firstAfterGc} | ${goal} |`);
  }
  return lines.join('\n') + '\n';
}

/**
 * "onefn ahead of every peer in every mode": for each pair, onefn's median ratio over the peer's, per
 * mode (below 1 means onefn takes less time).
 */
export function aheadLines(rows: readonly CaseResult[], pairs: ReadonlyArray<readonly [onefn: string, peer: string]>): string {
  const lines = ['', '| onefn case | peer | onefn time ÷ peer time, per mode | ahead in every mode |', '|---|---|---|---|'];
  for (const [a, b] of pairs) {
    const ra = rows.find((r) => r.name === a);
    const rb = rows.find((r) => r.name === b);
    const per = MODES.map((m) => {
      const ma = ra?.modes[m];
      const mb = rb?.modes[m];
      return { m, q: ma && mb ? ma.ratio.median / mb.ratio.median : NaN };
    });
    const ok = !ra?.error && per.every((p) => p.q < 1);
    lines.push(`| ${a} | ${b} | ${per.map((p) => `${MODE_NAMES[p.m]} ${Number.isNaN(p.q) ? 'not timed' : x(p.q)}`).join(', ')} | ${verdict(ok)} |`);
  }
  return lines.join('\n') + '\n';
}

export const gzipBytes = (code: string): number => gzipSync(code, { level: 9 }).byteLength;
export const kb = (bytes: number): string => (bytes / 1024).toFixed(1);

/**
 * Cold starts: import and first invocation per case, with the bundle each fresh process loaded. The
 * first row is the hand-written function; the difference to its median is shown beside each. With
 * `platform`, the first invocation through the server or pipeline is shown too, and the target is
 * judged on the function's own part (on GCP and Azure the framework's own first request costs more
 * than the target, for a hand-written function as well). The last column is the whole cold start of
 * each process (import plus first invocation), so that work moved from the first invocation to the
 * import stays visible.
 */
export function coldTable(title: string, rows: readonly ColdResult[], sizes: Readonly<Record<string, string>>, targetMs: Readonly<Record<string, number>>, platform?: string): string {
  if (platform) return coldTableWithPlatform(title, rows, sizes, targetMs, platform);
  const lines = [
    `### ${title}`,
    '',
    '| case | bundle (gzip KB) | import ms: median (min–max) | first invocation ms: median (min–max) | first invocation over the hand-written one | target (first invocation) | cold start (import + first invocation) ms: median (min–max) |',
    '|---|---:|---|---|---:|---|---|',
  ];
  const base = rows[0]?.firstMs?.median;
  for (const r of rows) {
    const target = targetMs[r.name];
    if (r.error || !r.importMs || !r.firstMs) {
      lines.push(`| ${r.name} | ${sizes[r.name] ?? ''} | | wrong answer: ${String(r.error).replace(/\|/g, '/')} | | ${target !== undefined ? `≤ ${target} ms MISSED` : ''} | |`);
      continue;
    }
    const over = base === undefined || r === rows[0] ? '' : `${r.firstMs.median - base >= 0 ? '+' : ''}${(r.firstMs.median - base).toFixed(2)} ms`;
    const goal = target !== undefined ? `≤ ${target} ms ${verdict(r.firstMs.median <= target)}` : '';
    lines.push(`| ${r.name} | ${sizes[r.name] ?? ''} | ${spreadText(r.importMs)} | ${spreadText(r.firstMs)} | ${over} | ${goal} | ${r.coldMs ? spreadText(r.coldMs) : ''} |`);
  }
  return lines.join('\n') + '\n';
}

function coldTableWithPlatform(title: string, rows: readonly ColdResult[], sizes: Readonly<Record<string, string>>, targetMs: Readonly<Record<string, number>>, platform: string): string {
  const lines = [
    `### ${title}`,
    '',
    `| case | bundle (gzip KB) | import ms: median (min–max) | first invocation through ${platform}, ms | the function's own first invocation, ms | its own, over the hand-written one | target (its own first invocation) | cold start (import + first invocation through ${platform}) ms |`,
    '|---|---:|---|---|---|---:|---|---|',
  ];
  const base = rows[0]?.fnMs?.median;
  for (const r of rows) {
    const target = targetMs[r.name];
    if (r.error || !r.importMs || !r.firstMs || !r.fnMs) {
      lines.push(`| ${r.name} | ${sizes[r.name] ?? ''} | | wrong answer: ${String(r.error).replace(/\|/g, '/')} | | | ${target !== undefined ? `≤ ${target} ms MISSED` : ''} | |`);
      continue;
    }
    const over = base === undefined || r === rows[0] ? '' : `${r.fnMs.median - base >= 0 ? '+' : ''}${(r.fnMs.median - base).toFixed(2)} ms`;
    const goal = target !== undefined ? `≤ ${target} ms ${verdict(r.fnMs.median <= target)}` : '';
    lines.push(`| ${r.name} | ${sizes[r.name] ?? ''} | ${spreadText(r.importMs)} | ${spreadText(r.firstMs)} | ${spreadText(r.fnMs)} | ${over} | ${goal} | ${r.coldMs ? spreadText(r.coldMs) : ''} |`);
  }
  return lines.join('\n') + '\n';
}

export interface SizeRow {
  readonly name: string;
  readonly code: string | undefined;
  readonly target?: string;
}

export function sizeTable(title: string, rows: readonly SizeRow[]): string {
  const lines = [`### ${title}`, '', '| function | bytes | gzip KB | target |', '|---|---:|---:|---|'];
  for (const r of rows) lines.push(r.code === undefined ? `| ${r.name} | not built | | |` : `| ${r.name} | ${r.code.length} | ${kb(gzipBytes(r.code))} | ${r.target ?? ''} |`);
  return lines.join('\n') + '\n';
}
