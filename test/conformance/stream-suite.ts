/**
 * The streaming behaviour every adapter must share: the example's SSE clock and CSV export, status
 * and headers before the first chunk, chunks as they are produced, errors before and after the first
 * chunk, and a client that goes away. Each adapter plugs in a harness that serves definitions on its
 * provider's streaming path and reads the answer as its clients do.
 */
import { describe, expect, it } from 'vitest';
import { defineHttp, type HttpDefinition, type Provider, stream } from 'onefn';
import { clock, expectedCsv, exportCsv } from '../../examples/stream/index.js';

export interface StreamProbe {
  method?: string;
  path: string;
  headers?: Readonly<Record<string, string>>;
}

export interface StreamAnswer {
  status: number;
  header(name: string): string | undefined;
  cookies: string[];
  /** The body's chunks as the client receives them, read one at a time. */
  chunks: AsyncIterator<Uint8Array>;
  /** Stops reading and goes away, as a client closing its connection. */
  close(): void;
  /**
   * Settles once the response ended: `complete` when the body ended properly, `aborted` when the
   * platform cut it short (a chunked body without its end, Lambda's error trailers, a failed
   * invocation). `errorType` is what the platform was told, where it is told one.
   */
  end: Promise<{ how: 'complete' | 'aborted'; errorType?: string | undefined }>;
  /** What the function logged, one line per entry. */
  logs(): string[];
}

export interface StreamHarness {
  readonly provider: Exclude<Provider, 'local'>;
  /** Serves the definitions as one routed, streaming function and sends one request. */
  stream(definitions: readonly HttpDefinition[], request: StreamProbe): Promise<StreamAnswer>;
  /**
   * Whether the platform tells the function that its client went away (on Azure, through the proxy's
   * connection that the adapter follows: adapters/azure/src/proxy.ts).
   */
  readonly seesDisconnect: boolean;
}

const decoder = (): ((chunk?: Uint8Array) => string) => {
  const d = new TextDecoder();
  return (chunk) => (chunk ? d.decode(chunk, { stream: true }) : d.decode());
};

/** Reads chunks until `until` holds in the text so far (or the end). */
async function readUntil(answer: StreamAnswer, text: { value: string }, until: (s: string) => boolean, decode = decoder()): Promise<void> {
  while (!until(text.value)) {
    const step = await answer.chunks.next();
    if (step.done) return;
    text.value += decode(step.value);
  }
}

async function readAll(answer: StreamAnswer): Promise<string> {
  const text = { value: '' };
  await readUntil(answer, text, () => false);
  return text.value;
}

/** A deferred, opened by the test. */
function gate(): { wait: Promise<void>; open(): void } {
  let open = (): void => {};
  const wait = new Promise<void>((resolve) => (open = resolve));
  return { wait, open };
}

export function streamConformance(harness: StreamHarness): void {
  describe(`streaming conformance: ${harness.provider}`, () => {
    it('streams the SSE clock: headers first, then each event as it is produced', async () => {
      const res = await harness.stream([clock, exportCsv], { path: '/clock?count=3&interval=20' });
      expect(res.status).toBe(200);
      expect(res.header('content-type')).toBe('text/event-stream; charset=utf-8');
      expect(res.header('cache-control')).toBe('no-cache');
      expect(res.header('content-length')).toBeUndefined();
      const body = await readAll(res);
      expect(await res.end).toEqual({ how: 'complete' });
      const events = body.split('\n\n').filter((frame) => frame.startsWith('event:'));
      expect(body.startsWith('retry: 20\n\n')).toBe(true);
      expect(events.map((frame) => /^id: (\d+)$/m.exec(frame)?.[1])).toEqual(['0', '1', '2']);
      expect(events.map((frame) => (JSON.parse(/^data: (.*)$/m.exec(frame)?.[1] ?? 'null') as { n: number }).n)).toEqual([0, 1, 2]);
    });

    it('resumes the clock after Last-Event-ID', async () => {
      const res = await harness.stream([clock], { path: '/clock?count=3&interval=10', headers: { 'last-event-id': '1' } });
      const body = await readAll(res);
      expect([...body.matchAll(/^id: (\d+)$/gm)].map((m) => m[1])).toEqual(['2']);
    });

    it('streams the CSV export whole and in order', async () => {
      const res = await harness.stream([clock, exportCsv], { path: '/export.csv?rows=20000' });
      expect(res.status).toBe(200);
      expect(res.header('content-type')).toBe('text/csv; charset=utf-8');
      expect(res.header('content-disposition')).toBe('attachment; filename="export.csv"');
      const body = await readAll(res);
      expect(body.length).toBe(expectedCsv(20000).length);
      expect(body).toBe(expectedCsv(20000));
      expect(await res.end).toEqual({ how: 'complete' });
    });

    it('answers a bad query before any chunk with a problem document', async () => {
      const res = await harness.stream([clock, exportCsv], { path: '/export.csv?rows=-1' });
      expect(res.status).toBe(400);
      expect(res.header('content-type')).toBe('application/problem+json');
      expect(JSON.parse(await readAll(res))).toMatchObject({ status: 400, code: 'INVALID_QUERY' });
    });

    it('sends the first chunk while the handler is still producing', async () => {
      const held = gate();
      const gated = defineHttp({
        method: 'GET',
        route: '/gated',
        stream: true,
        handler: () =>
          stream(
            (async function* () {
              yield 'first\n';
              await held.wait;
              yield 'second\n';
            })(),
            { cookies: ['s=1; Path=/'] },
          ),
      });
      const res = await harness.stream([gated], { path: '/gated' });
      expect(res.status).toBe(200);
      expect(res.header('content-type')).toBe('text/plain; charset=utf-8');
      expect(res.cookies.map((c) => c.split(';')[0])).toEqual(['s=1']);
      const text = { value: '' };
      const decode = decoder();
      // Buffered, this would wait forever: the handler cannot finish before the gate opens.
      await readUntil(res, text, (s) => s.includes('first\n'), decode);
      expect(text.value).toBe('first\n');
      held.open();
      await readUntil(res, text, () => false, decode);
      expect(text.value).toBe('first\nsecond\n');
    });

    it('answers an error before the first chunk like any other error, leaking nothing', async () => {
      const broken = defineHttp({
        method: 'GET',
        route: '/broken',
        stream: true,
        handler: () =>
          stream(
            (async function* () {
              throw new Error('db password is hunter2');
              yield ''; // eslint-disable-line no-unreachable
            })(),
          ),
      });
      const res = await harness.stream([broken], { path: '/broken' });
      expect(res.status).toBe(500);
      expect(res.header('content-type')).toBe('application/problem+json');
      const body = await readAll(res);
      expect(body).not.toContain('hunter2');
      expect(JSON.parse(body)).toMatchObject({ status: 500 });
    });

    it('ends the stream on an error after the first chunk: logged with the function name, nothing leaked, reported as aborted', async () => {
      const late = defineHttp({
        method: 'GET',
        route: '/late',
        stream: true,
        handler: () =>
          stream(
            (async function* () {
              yield 'row 1\n';
              throw new Error('db password is hunter2');
            })(),
          ),
      });
      const res = await harness.stream([late], { path: '/late' });
      expect(res.status).toBe(200);
      let body = '';
      try {
        body = await readAll(res);
      } catch {
        // A chunked body cut short may surface as a read error: that is the client's view of it.
      }
      expect(body).not.toContain('hunter2');
      expect(body.startsWith('row 1\n') || body === '').toBe(true);
      const end = await res.end;
      expect(end.how).toBe('aborted');
      if (end.errorType !== undefined) expect(end.errorType).toBe('StreamError');
      await expect.poll(() => res.logs().find((l) => l.includes('Response stream failed after its first chunk'))).toBeDefined();
      expect(res.logs().find((l) => l.includes('Response stream failed after its first chunk'))).toContain('functionName');
    });

    it.each([
      ['a streamed 204', 'GET', 204],
      ['a streamed 304', 'GET', 304],
      ['HEAD on a streamed route', 'HEAD', 200],
    ] as const)('answers %s without a body, and releases the handler stream at once', async (_case, method, status) => {
      const released = gate();
      const empty = defineHttp({
        method: 'GET',
        route: '/empty',
        stream: true,
        handler: () =>
          stream(
            (async function* () {
              try {
                for (;;) yield 'never sent\n';
              } finally {
                released.open();
              }
            })(),
            status === 200 ? {} : { status },
          ),
      });
      const res = await harness.stream([empty], { method, path: '/empty' });
      expect(res.status).toBe(status);
      expect(await readAll(res)).toBe('');
      expect(await res.end).toEqual({ how: 'complete' });
      // Released by the answer itself, not by the client leaving or the deadline.
      await released.wait;
    });

    it('pulls the handler stream only as the client reads: a client that stops reading holds the handler back', async () => {
      const PIECE = 64 * 1024;
      // Far above what the socket buffers between server and client hold (a few MB on loopback), far
      // below what a producer that is never held back reaches while the test waits.
      const CAP = 256;
      const piece = new Uint8Array(PIECE).fill(120);
      let pulled = 0;
      const released = gate();
      const flood = defineHttp({
        method: 'GET',
        route: '/flood',
        stream: true,
        handler: () =>
          stream(
            (async function* () {
              try {
                for (;;) {
                  pulled++;
                  yield piece;
                }
              } finally {
                released.open();
              }
            })(),
          ),
      });
      const res = await harness.stream([flood], { path: '/flood' });
      expect((await res.chunks.next()).done).toBe(false);
      // The client reads no further: the pulls must stop once the buffers in between are full.
      let seen = -1;
      await expect
        .poll(
          () => {
            const now = pulled;
            const settled = now === seen || now > CAP;
            seen = now;
            return settled;
          },
          { interval: 100, timeout: 20_000 },
        )
        .toBe(true);
      expect(pulled).toBeLessThanOrEqual(CAP);
      res.close();
      await released.wait;
    });

    it.runIf(harness.seesDisconnect)('aborts ctx.signal and releases the handler stream when the client goes away', async () => {
      const released = gate();
      let reason: unknown;
      const endless = defineHttp({
        method: 'GET',
        route: '/endless',
        stream: true,
        handler: (_req, ctx) =>
          stream(
            (async function* () {
              try {
                for (let i = 0; ; i++) {
                  yield `line ${i}\n`;
                  await new Promise((r) => setTimeout(r, 5));
                }
              } finally {
                reason = ctx.signal.reason;
                released.open();
              }
            })(),
          ),
      });
      const res = await harness.stream([endless], { path: '/endless' });
      const text = { value: '' };
      await readUntil(res, text, (s) => s.includes('line 2\n'));
      res.close();
      await released.wait;
      expect(reason).toMatchObject({ name: 'StreamError', code: 'CLIENT_CLOSED' });
    });
  });
}
