/**
 * Side-by-side timing for `npm run bench`, one process per case so that one case's JIT state, deopts
 * and garbage never touch another's. Every case is checked for a correct answer before it is timed
 * (a wrong answer is reported, not timed) and again after. Cases then run one after another, batch
 * after batch in rotating order; each case's score is the spread of its per-batch times relative to
 * the baseline's time in the same round, so that a noisy neighbour slows both sides of a ratio alike.
 *
 * Two modes, in the same processes and with the same batches: steady state (batches back to back),
 * then "after a major GC" (each case process runs a full `global.gc()` just before each of its
 * batches; the collection itself is not timed, what it leaves behind is: optimized code that V8
 * throws away when the objects it was specialized for die, caches that weak references held).
 */
import { fork, type ChildProcess } from 'node:child_process';
import type { FromCase, ToCase } from './drivers/protocol.js';

export interface CaseSpec {
  readonly name: string;
  /** The bundled driver (bench/drivers/<provider>.ts) that runs this case. */
  readonly driver: string;
  /** The driver's spec, without its mode. */
  readonly spec: Readonly<Record<string, unknown>>;
}

/** The same batches in both modes: the GC mode only adds a full collection before each. */
export interface Plan {
  readonly batches: number;
  /** Invocations per case per batch. */
  readonly iterations: number;
  /** Untimed batches per case before the first timed round of each mode. */
  readonly warmup: number;
}

export type Mode = 'steady' | 'gc';
export const MODES: readonly Mode[] = ['steady', 'gc'];

export interface Spread {
  readonly min: number;
  readonly median: number;
  readonly max: number;
}

export interface ModeResult {
  readonly nsPerOp: number;
  readonly ratio: Spread;
  readonly firstNs: number;
}

export interface CaseResult {
  readonly name: string;
  /** Why the case was not timed, or why its answer went wrong while it was. */
  readonly error?: string;
  /** Per mode: median ns per invocation, the spread of per-batch ratios to the baseline, and the median time of a batch's first invocation. */
  readonly modes: Partial<Record<Mode, ModeResult>>;
}

export function spread(values: readonly number[]): Spread {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  const median = sorted.length % 2 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
  return { min: sorted[0] ?? NaN, median, max: sorted[sorted.length - 1] ?? NaN };
}

/** One case's process and the one request it may have outstanding. */
class CaseProcess {
  readonly child: ChildProcess;
  private stderr = '';
  private pending: ((message: FromCase) => void) | undefined;
  private exited = false;

  constructor(readonly c: CaseSpec) {
    this.child = fork(c.driver, [JSON.stringify({ ...c.spec, mode: 'serve' })], { execArgv: ['--expose-gc'], stdio: ['ignore', 'ignore', 'pipe', 'ipc'] });
    this.child.stderr?.on('data', (d: Buffer) => void (this.stderr = (this.stderr + d.toString()).slice(-2000)));
    this.child.on('message', (m: FromCase) => {
      const resolve = this.pending;
      this.pending = undefined;
      resolve?.(m);
    });
    this.child.on('exit', (code, signal) => {
      this.exited = true;
      const resolve = this.pending;
      this.pending = undefined;
      resolve?.({ type: 'failed', error: `the case process exited (${signal ?? code}): ${this.stderr.trim().split('\n').slice(-5).join(' | ')}` });
    });
  }

  /** The next message from the process, after sending `message` if given. */
  next(message?: ToCase): Promise<FromCase> {
    if (this.exited) return Promise.resolve({ type: 'failed', error: `the case process had exited: ${this.stderr.trim().split('\n').slice(-5).join(' | ')}` });
    const reply = new Promise<FromCase>((resolve) => (this.pending = resolve));
    if (message) this.child.send(message);
    return reply;
  }

  async stop(): Promise<void> {
    if (this.exited) return;
    const gone = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    this.child.send({ type: 'exit' } satisfies ToCase);
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 5000);
    await gone;
    clearTimeout(timer);
  }
}

async function batch(p: CaseProcess, iterations: number, gc: boolean): Promise<{ ns: number; firstNs: number } | string> {
  const reply = await p.next({ type: 'batch', iterations, gc });
  return reply.type === 'timed' ? reply : reply.type === 'failed' ? reply.error : `unexpected reply ${reply.type}`;
}

async function check(p: CaseProcess): Promise<string | undefined> {
  const reply = await p.next({ type: 'check' });
  return reply.type === 'checked' ? reply.error : reply.type === 'failed' ? reply.error : `unexpected reply ${reply.type}`;
}

/** Checks, warms up and times `cases` against `baseline` in both modes; one result per case, baseline first. */
export async function compare(baseline: CaseSpec, cases: readonly CaseSpec[], plan: Plan): Promise<CaseResult[]> {
  const all = [baseline, ...cases];
  const procs = all.map((c) => new CaseProcess(c));
  const errors = new Map<string, string>();
  const results = new Map<string, CaseResult['modes']>(all.map((c) => [c.name, {}]));
  try {
    const ready = await Promise.all(procs.map((p) => p.next()));
    for (const [i, p] of procs.entries()) {
      const r = ready[i] as FromCase;
      const problem = r.type === 'ready' ? await check(p) : r.type === 'failed' ? r.error : `unexpected reply ${r.type}`;
      if (problem) errors.set(p.c.name, problem);
    }
    if (errors.has(baseline.name)) throw new Error(`baseline ${baseline.name} answers wrongly: ${errors.get(baseline.name)}`);
    for (const mode of MODES) {
      const { batches, iterations, warmup } = plan;
      const gc = mode === 'gc';
      for (const p of procs) {
        for (let w = 0; w < warmup && !errors.has(p.c.name); w++) {
          const t = await batch(p, iterations, gc);
          if (typeof t === 'string') errors.set(p.c.name, t);
        }
      }
      if (errors.has(baseline.name)) throw new Error(`baseline ${baseline.name} failed: ${errors.get(baseline.name)}`);
      const times = new Map<string, number[]>(all.map((c) => [c.name, []]));
      const firsts = new Map<string, number[]>(all.map((c) => [c.name, []]));
      const ratios = new Map<string, number[]>(all.map((c) => [c.name, []]));
      for (let b = 0; b < batches; b++) {
        const live = procs.filter((p) => !errors.has(p.c.name));
        const round = new Map<string, { ns: number; firstNs: number }>();
        for (let i = 0; i < live.length; i++) {
          const p = live[(i + b) % live.length] as CaseProcess;
          const t = await batch(p, iterations, gc);
          if (typeof t === 'string') errors.set(p.c.name, t);
          else round.set(p.c.name, t);
        }
        const base = round.get(baseline.name);
        if (base === undefined) throw new Error(`baseline ${baseline.name} failed: ${errors.get(baseline.name)}`);
        for (const [name, t] of round) {
          times.get(name)?.push(t.ns);
          firsts.get(name)?.push(t.firstNs);
          ratios.get(name)?.push(t.ns / base.ns);
        }
      }
      for (const c of all) {
        if (errors.has(c.name)) continue;
        const modes = results.get(c.name) as CaseResult['modes'];
        modes[mode] = { nsPerOp: spread(times.get(c.name) ?? []).median, ratio: spread(ratios.get(c.name) ?? []), firstNs: spread(firsts.get(c.name) ?? []).median };
      }
    }
    for (const p of procs) {
      if (errors.has(p.c.name)) continue;
      const problem = await check(p);
      if (problem) errors.set(p.c.name, `answered wrongly after timing: ${problem}`);
    }
  } finally {
    await Promise.all(procs.map((p) => p.stop()));
  }
  return all.map((c) => {
    const error = errors.get(c.name);
    return error ? { name: c.name, error, modes: results.get(c.name) ?? {} } : { name: c.name, modes: results.get(c.name) ?? {} };
  });
}
