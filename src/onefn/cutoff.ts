import { type Context, cutContext, cutoffDelay } from './context.js';

// setTimeout runs a longer delay at once (Node clamps it to 1 ms); a deadline that far away is none.
export const MAX_DELAY = 2 ** 31 - 1;

/**
 * Settles as `work` does, unless the context's cutoff (see `cutoffDelay`) comes first: then it
 * settles with `onCutoff(ctx)`, aborts the context's signal, and leaves `work` running, abandoned. What
 * `work` does after that goes to `onLate` (to be logged), never to an unhandled rejection.
 *
 * Armed only once a handler has returned a promise, so a synchronous handler pays no timer. The timer
 * is not unref'd on purpose: it is what guarantees an answer. A handler awaiting a promise that never
 * settles leaves nothing else in the event loop, and aws-lambda-ric then answers `null` on
 * `beforeExit`, which SQS reads as every message of the batch handled.
 */
export function raceCutoff<T>(
  ctx: Context,
  work: Promise<T>,
  onCutoff: (ctx: Context) => T,
  onLate: (ctx: Context, outcome: unknown, rejected: boolean) => void,
): Promise<T> {
  const delay = cutoffDelay(ctx);
  if (!(delay <= MAX_DELAY)) return work;
  return new Promise<T>((resolve, reject) => {
    let cut = false;
    const timer = setTimeout(() => {
      cut = true;
      try {
        cutContext(ctx);
        resolve(onCutoff(ctx));
      } catch (error) {
        reject(error);
      }
    }, Math.max(0, delay));
    const late = (outcome: unknown, rejected: boolean): void => {
      try {
        onLate(ctx, outcome, rejected);
      } catch {
        // Only a failing logger gets here, and there is no one left to tell.
      }
    };
    work.then(
      (value) => {
        if (cut) return late(value, false);
        clearTimeout(timer);
        resolve(value);
      },
      (error: unknown) => {
        if (cut) return late(error, true);
        clearTimeout(timer);
        reject(error);
      },
    );
  });
}
