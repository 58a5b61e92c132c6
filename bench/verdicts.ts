// Every target the issue sets, judged once per run: each suite collects its verdicts and prints them
// as one `VERDICTS <json>` line, which run.mjs turns into the summary at the top of RESULTS.md.
import type { ColdResult } from './cold.js';
import { MODES, type CaseResult, type Mode } from './harness.js';

export interface Verdict {
  readonly target: string;
  readonly measured: string;
  readonly ok: boolean;
}

const MODE_NAMES: Record<Mode, string> = { steady: 'steady', gc: 'after GC' };

export class Verdicts {
  readonly list: Verdict[] = [];

  add(target: string, measured: string, ok: boolean): void {
    this.list.push({ target, measured, ok });
  }

  /** `case ≤ N× the baseline`, per mode, on the median of the per-batch ratios. */
  ratios(label: string, rows: readonly CaseResult[], targets: Readonly<Record<string, number>>): void {
    for (const [name, limit] of Object.entries(targets)) {
      const row = rows.find((r) => r.name === name);
      for (const mode of MODES) {
        const ratio = row?.modes[mode]?.ratio.median;
        const measured = row?.error ? `wrong answer: ${row.error}` : ratio === undefined ? 'not timed' : `${ratio.toFixed(2)}×`;
        this.add(`${label}: ${name} ≤ ${limit}× (${MODE_NAMES[mode]})`, measured, !row?.error && ratio !== undefined && ratio <= limit);
      }
    }
  }

  /** onefn's case takes less time than the peer's, per mode. */
  ahead(label: string, rows: readonly CaseResult[], pairs: ReadonlyArray<readonly [onefn: string, peer: string]>): void {
    for (const [a, b] of pairs) {
      const ra = rows.find((r) => r.name === a);
      const rb = rows.find((r) => r.name === b);
      for (const mode of MODES) {
        const qa = ra?.modes[mode]?.ratio.median;
        const qb = rb?.modes[mode]?.ratio.median;
        const q = qa !== undefined && qb !== undefined ? qa / qb : undefined;
        this.add(`${label}: ${a} ahead of ${b} (${MODE_NAMES[mode]})`, q === undefined ? 'not timed' : `${q.toFixed(2)}× its time`, !ra?.error && q !== undefined && q < 1);
      }
    }
  }

  /**
   * First invocation in a fresh process, median over the fresh processes: the function's own (on
   * Lambda, the whole invocation), with the first invocation through `platform` beside it when given.
   */
  firstInvocation(label: string, rows: readonly ColdResult[], name: string, limitMs: number, platform?: string, floor?: string): void {
    const row = rows.find((r) => r.name === name);
    const least = floor === undefined ? undefined : rows.find((r) => r.name === floor)?.fnMs?.median;
    const ms = row?.fnMs?.median;
    const base = rows[0]?.fnMs?.median;
    const through = platform && row?.firstMs ? `; through ${platform}: ${row.firstMs.median.toFixed(2)} ms, hand-written ${rows[0]?.firstMs?.median.toFixed(2)} ms${least === undefined ? '' : `; the floor, a plain Node response written by hand: ${least.toFixed(2)} ms`}` : '';
    const measured = row?.error ? `wrong answer: ${row.error}` : ms === undefined ? 'not measured' : `${ms.toFixed(2)} ms${base !== undefined && row !== rows[0] ? ` (hand-written: ${base.toFixed(2)} ms${through})` : ''}`;
    this.add(`${label}: ${name}, ${platform ? "the function's own " : ''}first invocation ≤ ${limitMs} ms`, measured, !row?.error && ms !== undefined && ms <= limitMs);
  }

  /** The line run.mjs collects. */
  line(): string {
    return `\nVERDICTS ${JSON.stringify(this.list)}\n`;
  }
}
