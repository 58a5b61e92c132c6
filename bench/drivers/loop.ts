// The two ways a case process runs: `serve` answers the coordinator's check and batch requests over
// IPC (steady state and after-GC batches); `coldSample` times the import and the first invocation of
// a fresh process and prints them.
import { checkOnce } from './check.js';
import { nowMs, type ColdSample, type Expectation, type FromCase, type ToCase } from './protocol.js';

export interface Runner {
  /** One invocation, from the event's text (or bytes on the wire) to the provider's answer. */
  run(): unknown;
  verdict(result: unknown): string | undefined;
  close?(): Promise<void> | void;
  /** The function's own part of the first invocation, where the platform adds its own (see ColdSample). */
  fnMs?(): number | undefined;
}

const send = (message: FromCase): void => void process.send?.(message);

/** Mean ns per invocation over the batch, and the batch's first invocation on its own. */
async function timeBatch(run: () => unknown, iterations: number): Promise<{ ns: number; firstNs: number }> {
  const start = process.hrtime.bigint();
  const r0 = run();
  if (r0 instanceof Promise) await r0;
  const first = process.hrtime.bigint();
  for (let i = 1; i < iterations; i++) {
    const r = run();
    if (r instanceof Promise) await r;
  }
  return { ns: Number(process.hrtime.bigint() - start) / iterations, firstNs: Number(first - start) };
}

/** Serves the coordinator until it says exit. */
export function serve(runner: Runner, expect: Expectation): void {
  const gc = (globalThis as { gc?: () => void }).gc;
  process.on('message', (message: ToCase) => {
    void (async () => {
      try {
        if (message.type === 'check') send({ type: 'checked', error: await checkOnce(() => runner.run(), runner.verdict, expect) });
        else if (message.type === 'batch') {
          if (message.gc) {
            if (!gc) throw new Error('global.gc is missing: run under --expose-gc');
            gc();
          }
          send({ type: 'timed', ...(await timeBatch(() => runner.run(), message.iterations)) });
        } else {
          await runner.close?.();
          process.disconnect();
        }
      } catch (error) {
        send({ type: 'failed', error: error instanceof Error ? (error.stack ?? error.message) : String(error) });
      }
    })();
  });
  send({ type: 'ready' });
}

/**
 * A fresh process's first invocation: `load` imports the function (timed: the import), `prepare`
 * does what the provider does before the first event (untimed), then one invocation is timed and
 * checked. Prints one JSON line.
 */
export async function coldSample(load: () => Promise<unknown>, prepare: () => Promise<Runner>, expect: Expectation): Promise<void> {
  let sample: ColdSample;
  try {
    const t0 = nowMs();
    await load();
    const importMs = nowMs() - t0;
    const runner = await prepare();
    const t1 = nowMs();
    let result: unknown;
    let error: string | undefined;
    try {
      result = await runner.run();
    } catch (e) {
      error = `threw: ${e instanceof Error ? e.message : String(e)}`;
    }
    const firstMs = nowMs() - t1;
    error ??= runner.verdict(result);
    const fnMs = runner.fnMs ? runner.fnMs() : firstMs;
    await runner.close?.();
    sample = error ? { importMs, firstMs, error } : fnMs === undefined ? { importMs, firstMs, error: 'the function was never called' } : { importMs, firstMs, fnMs };
  } catch (e) {
    sample = { importMs: NaN, firstMs: NaN, error: e instanceof Error ? e.message : String(e) };
  }
  process.stdout.write(`${JSON.stringify(sample)}\n`);
}
