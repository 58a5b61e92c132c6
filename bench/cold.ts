/**
 * Cold start, measured in fresh processes: each sample is a new `node` that imports the deployed
 * bundle (timed: the import) and answers its first invocation (timed: the first invocation), the
 * provider's own machinery loaded first where the platform loads it before the function. Cases take
 * turns, run after run, so that a busy moment of the machine falls on all of them.
 */
import { execFile } from 'node:child_process';
import type { ColdSample } from './drivers/protocol.js';
import { spread, type CaseSpec, type Spread } from './harness.js';

export interface ColdResult {
  readonly name: string;
  readonly importMs?: Spread;
  readonly firstMs?: Spread;
  /** The function's own part of the first invocation (see ColdSample.fnMs). */
  readonly fnMs?: Spread;
  /**
   * The cold start, per process: the import plus the first invocation (through the server or pipeline
   * where there is one). Work a build moves from the first invocation to start-up stays in it.
   */
  readonly coldMs?: Spread;
  readonly error?: string;
}

function sample(c: CaseSpec): Promise<ColdSample> {
  return new Promise((resolve) => {
    execFile(process.execPath, [c.driver, JSON.stringify({ ...c.spec, mode: 'cold' })], { timeout: 60_000, maxBuffer: 1e7 }, (error, stdout, stderr) => {
      const line = stdout.trim().split('\n').pop() ?? '';
      try {
        resolve(JSON.parse(line) as ColdSample);
      } catch {
        resolve({ importMs: NaN, firstMs: NaN, error: `no sample (${error?.message ?? 'no output'}): ${stderr.trim().split('\n').slice(-3).join(' | ')}` });
      }
    });
  });
}

/** `runs` fresh processes per case, interleaved; median and spread of each figure. */
export async function coldStarts(cases: readonly CaseSpec[], runs: number): Promise<ColdResult[]> {
  const samples = new Map<string, ColdSample[]>(cases.map((c) => [c.name, []]));
  for (let r = 0; r < runs; r++) for (const c of cases) samples.get(c.name)?.push(await sample(c));
  return cases.map((c) => {
    const all = samples.get(c.name) ?? [];
    const failed = all.find((s) => s.error);
    if (failed) return { name: c.name, error: failed.error as string };
    return { name: c.name, importMs: spread(all.map((s) => s.importMs)), firstMs: spread(all.map((s) => s.firstMs)), fnMs: spread(all.map((s) => s.fnMs ?? s.firstMs)), coldMs: spread(all.map((s) => s.importMs + s.firstMs)) };
  });
}
