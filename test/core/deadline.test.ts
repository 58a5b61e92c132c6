// The deadline cutoff: the pipeline answers on its own shortly before the deadline, after ctx.signal
// fires, for a handler that has not finished; the handler is abandoned and what it does later is logged.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { DeadlineError, DeadlineExceededError, defineHttp, defineQueue, json, type Context } from 'onefn';
import { batchError, createContext, cutoffDelay } from 'onefn/runtime';
import { httpRequest, invoke, message } from 'onefn/testing';

const never = (): Promise<never> => new Promise<never>(() => {});
const unhandled: unknown[] = [];
const onUnhandled = (reason: unknown): void => void unhandled.push(reason);

beforeEach(() => {
  unhandled.length = 0;
  process.on('unhandledRejection', onUnhandled);
});
afterEach(() => {
  process.off('unhandledRejection', onUnhandled);
  vi.useRealTimers();
});

/** Settles `promise` into a box that can be read while fake time runs. */
function watch<T>(promise: Promise<T>): { value?: T; done: boolean } {
  const box: { value?: T; done: boolean } = { done: false };
  void promise.then((value) => Object.assign(box, { value, done: true }));
  return box;
}

describe('the cutoff time', () => {
  it('comes half the abort margin before the deadline, so after the signal', () => {
    vi.useFakeTimers({ now: 0 });
    expect(cutoffDelay(createContext({ deadline: 10_000 }))).toBe(9_750);
    expect(cutoffDelay(createContext({ deadline: 1_000 }))).toBe(950);
    expect(cutoffDelay(createContext({ deadline: 10_000, abortMarginMs: 2_000 }))).toBe(9_000);
    // The margin is fixed when first asked, so a signal read late still fires before the cutoff.
    const ctx = createContext({ deadline: 1_000 });
    expect(cutoffDelay(ctx)).toBe(950);
    vi.advanceTimersByTime(800);
    const signal = ctx.signal;
    vi.advanceTimersByTime(99);
    expect(signal.aborted).toBe(false);
    vi.advanceTimersByTime(1);
    expect(signal.aborted).toBe(true);
    expect(cutoffDelay(ctx)).toBe(50);
  });

  it('works on a context not made by createContext, with the default margin', () => {
    const base = createContext({ timeoutMs: 10_000 });
    const own: Context = { ...base, log: base.log, signal: base.signal, remainingMs: () => 2_000, deadline: Date.now() + 2_000 };
    expect(cutoffDelay(own)).toBe(1_900);
  });
});

describe('HTTP', () => {
  it('answers a hung handler with a 504 problem at the cutoff, after the signal fired', async () => {
    vi.useFakeTimers({ now: 0 });
    let abortedAt: number | undefined;
    const hung = defineHttp({
      route: '/slow',
      handler: (_req, ctx) => {
        ctx.signal.addEventListener('abort', () => (abortedAt = Date.now()));
        return never();
      },
    });
    const answer = watch(invoke(hung, httpRequest({ path: '/slow' }), { context: { deadline: 1_000 } }));
    await vi.advanceTimersByTimeAsync(949);
    expect(answer.done).toBe(false);
    expect(abortedAt).toBe(900);
    await vi.advanceTimersByTimeAsync(1);
    expect(answer.done).toBe(true);
    const res = answer.value!;
    expect(res.status).toBe(504);
    expect(res.header('content-type')).toBe('application/problem+json');
    expect(res.json()).toMatchObject({ status: 504, code: 'DEADLINE_EXCEEDED', detail: 'The function did not finish before its deadline' });
    expect(res.logs.messages('error')).toEqual(['Handler missed its deadline; answered 504']);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('answers 504 at once when a handler stops on ctx.signal (rejecting with its reason)', async () => {
    vi.useFakeTimers({ now: 0 });
    const polite = defineHttp({
      handler: (_req, ctx) => new Promise((_resolve, reject) => ctx.signal.addEventListener('abort', () => reject(ctx.signal.reason as DeadlineError))),
    });
    const answer = watch(invoke(polite, httpRequest(), { context: { deadline: 1_000 } }));
    await vi.advanceTimersByTimeAsync(900);
    expect(answer.done).toBe(true);
    expect(answer.value?.status).toBe(504);
    expect(answer.value?.json()).toMatchObject({ code: 'DEADLINE_EXCEEDED' });
  });

  it('logs what an abandoned handler does later, and lets no rejection go unhandled', async () => {
    vi.useFakeTimers({ now: 0 });
    const late = defineHttp({
      route: '/:how',
      handler: async (req) => {
        await new Promise((resolve) => setTimeout(resolve, 2_000));
        if (req.params.how === 'fail') throw new Error('too late, and broken');
        return json({ late: true });
      },
    });
    const failing = watch(invoke(late, httpRequest({ path: '/fail' }), { context: { deadline: 1_000 } }));
    const finishing = watch(invoke(late, httpRequest({ path: '/ok' }), { context: { deadline: 1_000 } }));
    await vi.advanceTimersByTimeAsync(1_000);
    expect([failing.value?.status, finishing.value?.status]).toEqual([504, 504]);
    await vi.advanceTimersByTimeAsync(1_500);
    vi.useRealTimers();
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(unhandled).toEqual([]);
    const failed = failing.value!.logs.entries.find((e) => e.message === 'Handler failed after its deadline (answered 504)');
    expect((failed?.fields['error'] as { message: string }).message).toBe('too late, and broken');
    expect(finishing.value!.logs.messages('warn')).toEqual(['Handler finished after its deadline (answered 504)']);
  });

  it('arms no timer for a synchronous handler, and clears it when an async one finishes in time', async () => {
    vi.useFakeTimers({ now: 0 });
    const sync = defineHttp({ handler: () => json({ ok: true }) });
    const spy = vi.spyOn(globalThis, 'setTimeout');
    expect((await invoke(sync, httpRequest())).status).toBe(200);
    expect(spy).not.toHaveBeenCalled();
    const quick = defineHttp({ handler: async () => json({ ok: true }) });
    expect((await invoke(quick, httpRequest())).status).toBe(200);
    expect(spy).toHaveBeenCalledTimes(1);
    expect(vi.getTimerCount()).toBe(0);
    spy.mockRestore();
  });
});

describe('events', () => {
  const hangOn = (hung: string) =>
    defineQueue({
      queue: 'orders',
      handler: async (msg) => {
        if (msg.id === hung) await never();
      },
    });

  it('fails exactly the unfinished messages at the cutoff and keeps the finished outcomes', async () => {
    vi.useFakeTimers({ now: 0 });
    const batch = watch(invoke(hangOn('m3'), [message({ id: 'm1' }), message({ id: 'm2' }), message({ id: 'm3' })], { context: { deadline: 1_000 } }));
    await vi.advanceTimersByTimeAsync(949);
    expect(batch.done).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    const result = batch.value!;
    expect(result.failed).toEqual(['m3']);
    expect(result.outcomes.map((o) => [o.id, o.status])).toEqual([['m1', 'ok'], ['m2', 'ok'], ['m3', 'failed']]);
    const error = batchError(result);
    expect(error).toBeInstanceOf(DeadlineExceededError);
    expect(error?.code).toBe('DEADLINE_EXCEEDED');
    expect(error?.message).toBe('The function did not finish before its deadline; unfinished: m3');
    expect(result.logs.entries.find((e) => e.level === 'error')?.fields).toMatchObject({ unfinished: ['m3'] });
  });

  it('runs a batch one message at a time, so the messages after a hung one are unfinished too, and never started', async () => {
    vi.useFakeTimers({ now: 0 });
    const started: string[] = [];
    const def = defineQueue({
      queue: 'orders',
      handler: async (msg) => {
        started.push(msg.id);
        if (msg.id === 'm2') await never();
      },
    });
    const batch = watch(invoke(def, [message({ id: 'm1' }), message({ id: 'm2' }), message({ id: 'm3' })], { context: { deadline: 1_000 } }));
    await vi.advanceTimersByTimeAsync(1_000);
    expect(batch.value?.failed).toEqual(['m2', 'm3']);
    expect((batch.value?.outcomes[2] as { error: DeadlineExceededError }).error.unfinished).toEqual(['m2', 'm3']);
    expect(started).toEqual(['m1', 'm2']);
  });

  it('does not change the answer or start later messages when the abandoned handler ends, and logs how it ended', async () => {
    vi.useFakeTimers({ now: 0 });
    const started: string[] = [];
    const def = defineQueue({
      queue: 'orders',
      handler: async (msg) => {
        started.push(msg.id);
        await new Promise((resolve) => setTimeout(resolve, 2_000));
        if (msg.id === 'm1') throw new Error('late failure');
      },
    });
    const batch = watch(invoke(def, [message({ id: 'm1' }), message({ id: 'm2' })], { context: { deadline: 1_000 } }));
    await vi.advanceTimersByTimeAsync(1_000);
    const result = batch.value!;
    expect(result.failed).toEqual(['m1', 'm2']);
    await vi.advanceTimersByTimeAsync(3_000);
    vi.useRealTimers();
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(unhandled).toEqual([]);
    expect(started).toEqual(['m1']);
    expect(result.outcomes).toHaveLength(2);
    expect(result.failed).toEqual(['m1', 'm2']);
    expect(result.logs.messages('error')).toContain('Event handler failed after the deadline cutoff');
  });

  it('arms no timer for a batch of synchronous handlers', async () => {
    vi.useFakeTimers({ now: 0 });
    const spy = vi.spyOn(globalThis, 'setTimeout');
    const sync = defineQueue({ queue: 'orders', handler: () => {} });
    expect((await invoke(sync, [message(), message()])).ok).toBe(true);
    expect(spy).not.toHaveBeenCalled();
    spy.mockRestore();
  });
});
