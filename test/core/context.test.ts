import { afterEach, describe, expect, it, vi } from 'vitest';
import { DeadlineError, type LogEntry } from 'onefn';
import { createContext, createLogger, disposeContext, levelFromEnv } from 'onefn/runtime';

afterEach(() => vi.useRealTimers());

describe('context', () => {
  it('defaults every field', () => {
    const ctx = createContext();
    expect(ctx.provider).toBe('local');
    expect(ctx.functionName).toBe('local');
    expect(ctx.requestId).toMatch(/^local-/);
    expect(ctx.remainingMs()).toBeGreaterThan(59_000);
    expect(ctx.native.provider).toBe('local');
  });

  it('aborts the signal shortly before the deadline', () => {
    vi.useFakeTimers({ now: 1_000_000 });
    const ctx = createContext({ deadline: 1_000_000 + 10_000 });
    const signal = ctx.signal;
    vi.advanceTimersByTime(9_400);
    expect(signal.aborted).toBe(false);
    vi.advanceTimersByTime(200);
    expect(signal.aborted).toBe(true);
    expect(signal.reason).toBeInstanceOf(DeadlineError);
    expect(ctx.remainingMs()).toBe(400);
  });

  it('uses a tenth of the time left as margin for short deadlines, and honours a given margin', () => {
    vi.useFakeTimers({ now: 0 });
    const short = createContext({ deadline: 1_000 }).signal;
    vi.advanceTimersByTime(899);
    expect(short.aborted).toBe(false);
    vi.advanceTimersByTime(2);
    expect(short.aborted).toBe(true);
    const custom = createContext({ deadline: 10_000, abortMarginMs: 5_000 }).signal;
    vi.advanceTimersByTime(4_200);
    expect(custom.aborted).toBe(true);
  });

  it('is aborted at once when the deadline has passed, and follows an outer signal', () => {
    expect(createContext({ deadline: Date.now() - 1 }).signal.aborted).toBe(true);
    const outer = new AbortController();
    const ctx = createContext({ signal: outer.signal });
    const signal = ctx.signal;
    outer.abort(new Error('client gone'));
    expect(signal.aborted).toBe(true);
    expect((signal.reason as Error).message).toBe('client gone');
  });

  it('reads a deadline given as a function once, when first needed', () => {
    vi.useFakeTimers({ now: 1_000 });
    let reads = 0;
    const ctx = createContext({ deadline: () => (++reads, 9_000) });
    expect(reads).toBe(0);
    expect(ctx.deadline).toBe(9_000);
    expect(ctx.remainingMs()).toBe(8_000);
    expect(reads).toBe(1);
    const fallback = createContext({ deadline: () => undefined, timeoutMs: 5_000 });
    expect(fallback.deadline).toBe(6_000);
  });

  it('stops its deadline timer when disposed', () => {
    vi.useFakeTimers({ now: 0 });
    const ctx = createContext({ deadline: 5_000 });
    const signal = ctx.signal;
    disposeContext(ctx);
    vi.advanceTimersByTime(10_000);
    expect(signal.aborted).toBe(false);
  });
});

describe('logger', () => {
  const capture = () => {
    const entries: LogEntry[] = [];
    return { entries, sink: (e: LogEntry) => void entries.push(e) };
  };

  it('filters by level and merges fields from parents', () => {
    const { entries, sink } = capture();
    const log = createLogger(sink, { level: 'info', fields: { requestId: 'r1' } });
    log.debug('hidden');
    log.info('shown', { a: 1 });
    const child = log.child({ tenant: 't' });
    child.warn('child', { a: 2 });
    child.child({ deeper: true }).error('deep');
    expect(entries.map((e) => [e.level, e.message, e.fields])).toEqual([
      ['info', 'shown', { requestId: 'r1', a: 1 }],
      ['warn', 'child', { requestId: 'r1', tenant: 't', a: 2 }],
      ['error', 'deep', { requestId: 'r1', tenant: 't', deeper: true }],
    ]);
    expect(typeof entries[0]?.time).toBe('number');
  });

  it('serializes errors with their stack and cause', () => {
    const { entries, sink } = capture();
    createLogger(sink).error('failed', { error: new Error('outer', { cause: new Error('inner') }) });
    const error = entries[0]?.fields['error'] as { message: string; stack: string; cause: { message: string } };
    expect(error.message).toBe('outer');
    expect(error.stack).toContain('Error: outer');
    expect(error.cause.message).toBe('inner');
    expect(JSON.parse(JSON.stringify(entries[0]?.fields))).toMatchObject({ error: { message: 'outer' } });
  });

  it('reads LOG_LEVEL from the environment', () => {
    expect(levelFromEnv({ LOG_LEVEL: 'DEBUG' })).toBe('debug');
    expect(levelFromEnv({ LOG_LEVEL: 'loud' })).toBe('info');
    const { entries, sink } = capture();
    createContext({ env: { LOG_LEVEL: 'warn' }, logSink: sink, requestId: 'abc' }).log.info('dropped');
    createContext({ env: { LOG_LEVEL: 'debug' }, logSink: sink, requestId: 'abc' }).log.debug('kept');
    expect(entries.map((e) => [e.message, e.fields['requestId']])).toEqual([['kept', 'abc']]);
  });
});
