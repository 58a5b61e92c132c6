import { describe, expect, it } from 'vitest';
import { defineHttp, DefinitionError, formatEvent, HttpError, SseError, sse, stream, StreamError, type LogEntry } from 'onefn';
import { bufferResponse, createContext, createRequest, createRouter } from 'onefn/runtime';
import { httpRequest, invoke } from 'onefn/testing';

const text = (chunk: Uint8Array | undefined): string => (chunk ? new TextDecoder().decode(chunk) : '<end>');

function gate(): { wait: Promise<void>; open(): void } {
  let open = (): void => {};
  const wait = new Promise<void>((resolve) => (open = resolve));
  return { wait, open };
}

function run(handler: Parameters<typeof defineHttp>[0]['handler'], init: { timeoutMs?: number } = {}) {
  const entries: LogEntry[] = [];
  const ctx = createContext({ functionName: 'exporter', logSink: (e) => void entries.push(e), env: {}, ...init });
  const router = createRouter([defineHttp({ method: 'GET', route: '/s', stream: true, handler })]);
  return { pending: Promise.resolve(router.handle(createRequest({ method: 'GET', path: '/s' }), ctx)), entries, ctx };
}

describe('streamed bodies', () => {
  it.each([
    ['an async iterable of strings', () => (async function* () { yield 'a'; yield ''; yield 'b'; })(), 'text/plain; charset=utf-8'],
    ['an async iterable of bytes', () => (async function* () { yield new Uint8Array([97]); yield new Uint8Array([98]).buffer; })(), 'application/octet-stream'],
    ['a web ReadableStream', () => new ReadableStream<string>({ start(c) { c.enqueue('a'); c.enqueue('b'); c.close(); } }), 'text/plain; charset=utf-8'],
  ])('reads %s chunk by chunk, with the default type of its first chunk', async (_name, body, type) => {
    const { pending } = run(() => stream(body()));
    const res = await pending;
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe(type);
    expect(res.body).toBe('');
    const chunks: string[] = [];
    for await (const chunk of res.stream!) chunks.push(text(chunk));
    expect(chunks).toEqual(['a', 'b']);
  });

  it('keeps the status, headers and cookies the handler set', async () => {
    const res = await run(() => stream((async function* () { yield 'x'; })(), { status: 201, headers: { 'content-type': 'text/csv' }, cookies: ['a=1'] })).pending;
    expect(res).toMatchObject({ status: 201, headers: { 'content-type': 'text/csv' }, cookies: ['a=1'] });
  });

  it('answers an empty stream with an empty body', async () => {
    const res = await run(() => stream((async function* () {})())).pending;
    expect(res.stream).toBeUndefined();
    expect(res.body).toBe('');
  });

  it.each([
    ['a thrown Error', new Error('secret hunter2'), 500],
    ['an HttpError', new HttpError(409, 'taken'), 409],
  ])('answers %s before the first chunk like any handler error', async (_n, error, status) => {
    const { pending, entries } = run(() => stream((async function* () { throw error; })()));
    const res = await pending;
    expect(res.status).toBe(status);
    expect(res.headers['content-type']).toBe('application/problem+json');
    expect(String(res.body)).not.toContain('hunter2');
    if (status === 500) expect(entries.some((e) => e.level === 'error')).toBe(true);
  });

  it('refuses a chunk that is neither text nor bytes (before the first chunk: a 500)', async () => {
    const { pending, entries } = run(() => ({ body: (async function* () { yield 42 as unknown as string; })() }));
    expect((await pending).status).toBe(500);
    expect(JSON.stringify(entries)).toContain("chunks must be strings or bytes, got number");
  });

  it('ends a stream that fails after its first chunk with a generic StreamError, logging the real one with the function name', async () => {
    const { pending, entries } = run(() => stream((async function* () { yield 'row\n'; throw new Error('secret hunter2'); })()));
    const res = await pending;
    expect(text(await res.stream!.read())).toBe('row\n');
    const failure = await res.stream!.read().catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(StreamError);
    expect(failure).toMatchObject({ code: 'STREAM_FAILED' });
    expect((failure as Error).message).not.toContain('hunter2');
    const logged = entries.find((e) => e.message === 'Response stream failed after its first chunk');
    expect(logged?.fields).toMatchObject({ functionName: 'exporter' });
    // Failed once, failed for good.
    await expect(res.stream!.read()).rejects.toBeInstanceOf(StreamError);
  });

  it('cancels on a client that goes away: ctx.signal aborts with CLIENT_CLOSED and the source is released', async () => {
    const released = gate();
    let reason: unknown;
    const never = gate();
    const { pending } = run((_req, ctx) =>
      stream((async function* () {
        try {
          yield 'first';
          await never.wait;
        } finally {
          reason = ctx.signal.reason;
          released.open();
        }
      })()),
    );
    const res = await pending;
    expect(text(await res.stream!.read())).toBe('first');
    const waiting = res.stream!.read();
    res.stream!.cancel();
    // A read waiting on a source that hangs ends at once.
    expect(await waiting).toBeUndefined();
    never.open();
    await released.wait;
    expect(reason).toMatchObject({ code: 'CLIENT_CLOSED' });
  });

  it('cancels a web ReadableStream through its reader', async () => {
    let cancelled: unknown;
    const { pending } = run(() => stream(new ReadableStream<string>({ pull(c) { c.enqueue('tick'); }, cancel(reason) { cancelled = reason; } })));
    const res = await pending;
    await res.stream!.read();
    res.stream!.cancel();
    await expect.poll(() => cancelled).toBeInstanceOf(StreamError);
  });

  it('answers 504 when no first chunk comes before the cutoff, and cancels the source', async () => {
    const released = gate();
    const { pending } = run(
      (_req, ctx) => stream((async function* () {
        try {
          await new Promise((resolve) => ctx.signal.addEventListener('abort', resolve));
          await new Promise((resolve) => setTimeout(resolve, 50));
          yield 'late';
        } finally {
          released.open();
        }
      })()),
      { timeoutMs: 300 },
    );
    const res = await pending;
    expect(res.status).toBe(504);
    expect(res.stream).toBeUndefined();
    await released.wait;
  });

  it('cuts a stream still running at the deadline cutoff with STREAM_DEADLINE', async () => {
    const { pending, ctx } = run(() => stream((async function* () { yield 'a'; await new Promise(() => {}); })()), { timeoutMs: 300 });
    const res = await pending;
    await res.stream!.read();
    await expect(res.stream!.read()).rejects.toMatchObject({ code: 'STREAM_DEADLINE' });
    expect(ctx.signal.aborted).toBe(true);
  });

  it('buffers a stream for platforms that cannot stream, answering a failure with a generic 500', async () => {
    const ok = await bufferResponse(await run(() => stream((async function* () { yield '{"a":'; yield '1}'; })(), { headers: { 'content-type': 'application/json' } })).pending);
    expect(ok.body).toBe('{"a":1}');
    const bad = await bufferResponse(await run(() => stream((async function* () { yield 'a'; throw new Error('hunter2'); })())).pending);
    expect(bad.status).toBe(500);
    expect(String(bad.body)).not.toContain('hunter2');
  });

  it.each([
    ['an object with a getReader field that is not a function', { getReader: 1 }],
    ['an object named like an iterator', { next: () => 1, '__proto__': { x: 1 } }],
  ])('sends %s as JSON, not as a stream', async (_n, body) => {
    const res = await run(() => ({ body })).pending;
    expect(res.stream).toBeUndefined();
    expect(res.headers['content-type']).toBe('application/json');
  });

  it('refuses a streamed body from a definition without stream: true (logged, generic 500), and releases it', async () => {
    let released = false;
    const res = await invoke(
      defineHttp({ handler: () => stream((async function* () { try { yield 'a'; } finally { released = true; } })()) }),
      httpRequest(),
    );
    expect(res.status).toBe(500);
    expect(res.stream).toBeUndefined();
    expect(JSON.stringify(res.logs.entries)).toContain('STREAM_NOT_ENABLED');
    // A generator never started has nothing to release; one that never runs is not left open either.
    expect(released).toBe(false);
  });

  it('survives hostile iterators: next() throwing synchronously, return() throwing or rejecting', async () => {
    const syncThrow = { [Symbol.asyncIterator]: () => ({ next: () => { throw new Error('sync hunter2'); } }) };
    const first = await run(() => ({ body: syncThrow })).pending;
    expect(first.status).toBe(500);
    let calls = 0;
    const badReturn = (how: 'throw' | 'reject') => ({
      [Symbol.asyncIterator]: () => ({
        next: async () => ({ done: false, value: `c${calls++}` }),
        return: how === 'throw' ? () => { throw new Error('return hunter2'); } : () => Promise.reject(new Error('return hunter2')),
      }),
    });
    for (const how of ['throw', 'reject'] as const) {
      const res = await run(() => ({ body: badReturn(how) })).pending;
      await res.stream!.read();
      expect(() => res.stream!.cancel()).not.toThrow();
      expect(await res.stream!.read()).toBeUndefined();
    }
  });

  it('checks a streamed result\'s headers and cookies before the first chunk, as any result\'s', async () => {
    let started = false;
    const body = (async function* () { started = true; yield 'x'; })();
    const res = await run(() => stream(body, { headers: { 'x-a': 'ok\r\nset-cookie: evil=1' } })).pending;
    expect(res.status).toBe(500);
    expect(res.stream).toBeUndefined();
    expect(started).toBe(false);
    const res2 = await run(() => stream((async function* () { yield 'x'; })(), { cookies: ['a=1\r\nx: y'] })).pending;
    expect(res2.status).toBe(500);
  });

  it('checks the stream option', () => {
    expect(() => defineHttp({ stream: 'yes' as unknown as boolean, handler: () => ({}) })).toThrow(DefinitionError);
    expect(defineHttp({ handler: () => ({}) }).trigger.stream).toBe(false);
  });
});

describe('onefn/testing reads chunks as they come', () => {
  it('hands the first chunk over while the handler still works, and cancels on a break', async () => {
    const held = gate();
    let signal: AbortSignal | undefined;
    const def = defineHttp({
      stream: true,
      handler: (_req, ctx) => {
        signal = ctx.signal;
        return stream((async function* () { yield 'one'; await held.wait; yield 'two'; yield 'three'; })());
      },
    });
    const res = await invoke(def, httpRequest());
    expect(() => res.text()).toThrow(/streamed/);
    const seen: string[] = [];
    for await (const chunk of res.chunks()) {
      seen.push(text(chunk));
      if (seen.length === 1) held.open();
      if (seen.length === 2) break;
    }
    expect(seen).toEqual(['one', 'two']);
    expect(signal?.reason).toMatchObject({ code: 'CLIENT_CLOSED' });
  });

  it('reads a whole streamed body with readText, and a plain one too', async () => {
    const res = await invoke(defineHttp({ stream: true, handler: () => stream((async function* () { yield 'a'; yield 'b'; })()) }), httpRequest());
    expect(await res.readText()).toBe('ab');
    const plain = await invoke(defineHttp({ handler: () => ({ body: 'hi' }) }), httpRequest());
    expect(await plain.readText()).toBe('hi');
    const chunks: string[] = [];
    for await (const c of plain.chunks()) chunks.push(text(c));
    expect(chunks).toEqual(['hi']);
  });
});

describe('sse()', () => {
  it.each([
    [{ data: 'hi' }, 'data: hi\n\n'],
    [{ event: 'tick', id: '7', data: { n: 1 } }, 'event: tick\nid: 7\ndata: {"n":1}\n\n'],
    [{ data: 'a\r\nb\nc\rd' }, 'data: a\ndata: b\ndata: c\ndata: d\n\n'],
    [{ data: undefined }, 'data: null\n\n'],
    [{ data: 1, retry: 500 }, 'retry: 500\ndata: 1\n\n'],
  ])('formats %j', (event, frame) => {
    expect(formatEvent(event)).toBe(frame);
  });

  it.each([
    [{ event: 'a\nb', data: 1 }, 'event'],
    [{ id: 'x\r', data: 1 }, 'id'],
    [{ id: 'x\0', data: 1 }, 'id'],
    [{ data: 1, retry: -1 }, 'retry'],
    [{ data: 1, retry: 1.5 }, 'retry'],
    [null, 'event'],
  ])('refuses %j with an SseError naming the field', (event, field) => {
    expect(() => formatEvent(event as never)).toThrow(SseError);
    try {
      formatEvent(event as never);
    } catch (error) {
      expect(error).toMatchObject({ code: 'INVALID_SSE_EVENT', field });
    }
  });

  it('refuses bad options and a source that is not async iterable', () => {
    expect(() => sse((async function* () {})(), { keepAlive: -5 })).toThrow(SseError);
    expect(() => sse([] as never)).toThrow(SseError);
  });

  it('streams events with the retry first and a keep-alive comment when the source is quiet', async () => {
    const held = gate();
    const res = await invoke(
      defineHttp({ stream: true, handler: () => sse((async function* () { yield { id: '1', data: 'a' }; await held.wait; yield { id: '2', data: 'b' }; })(), { retry: 1000, keepAlive: 5 }) }),
      httpRequest(),
    );
    expect(res.header('content-type')).toBe('text/event-stream; charset=utf-8');
    const frames: string[] = [];
    for await (const chunk of res.chunks()) {
      frames.push(text(chunk));
      if (frames.includes(': keep-alive\n\n')) held.open();
    }
    expect(frames[0]).toBe('retry: 1000\n\n');
    expect(frames[1]).toBe('id: 1\ndata: a\n\n');
    expect(frames.at(-1)).toBe('id: 2\ndata: b\n\n');
    expect(frames.slice(2, -1).every((f) => f === ': keep-alive\n\n')).toBe(true);
  });

  it('fails the stream (logged, generic) on an event that cannot be sent', async () => {
    const res = await invoke(defineHttp({ stream: true, handler: () => sse((async function* () { yield { data: 1 }; yield { id: 'a\nb', data: 2 }; })(), { keepAlive: 0 }) }), httpRequest());
    await expect(res.readText()).rejects.toMatchObject({ code: 'STREAM_FAILED' });
    expect(res.logs.messages('error')).toContain('Response stream failed after its first chunk');
  });
});
