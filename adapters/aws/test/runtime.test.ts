import fc from 'fast-check';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  defineCloudEvent, defineHttp, defineQueue, defineSchedule, defineStorage, json, MalformedEventError, setCookie,
  UnsupportedEventError, type Context, type Definition, type StorageEvent,
} from 'onefn';
import { wrap, serve } from '@onefn/aws';
import {
  albEvent, eventBridgeEvent, functionUrlEvent, httpApiEvent, lambdaContext, restApiEvent, s3Event, s3EventBridgeEvent,
  scheduledEvent, snsEvent, sqsEvent,
} from '@onefn/aws/testing';
import { allFixtures, fixture } from './fixtures.js';

const echo = defineHttp({
  method: 'POST',
  route: '/items/:id',
  handler: (req) => json({ id: req.params.id, q: req.query, cookies: req.cookies, body: req.body, ip: req.ip }),
});

describe('testing builders produce events the adapter reads back', () => {
  const options = { method: 'POST', path: '/items/7?tag=a%20b&tag=c%2Bd', cookies: { session: 'x y' }, json: { n: 1 }, ip: '198.51.100.7' };
  const expected = { id: '7', q: { tag: ['a b', 'c+d'] }, cookies: { session: 'x y' }, body: { n: 1 }, ip: '198.51.100.7' };
  it.each([
    ['httpApiEvent', httpApiEvent(options)],
    ['functionUrlEvent', functionUrlEvent(options)],
    ['restApiEvent', restApiEvent(options)],
    ['albEvent', albEvent(options)],
    ['albEvent multi-value', albEvent({ ...options, multiValue: true })],
  ])('%s', async (_name, event) => {
    const res = (await wrap(echo)(event, lambdaContext())) as { statusCode: number; body: string };
    expect(res.statusCode).toBe(200);
    const got = JSON.parse(res.body) as typeof expected;
    // ALB single-value mode keeps only the last value of a repeated query parameter.
    expect(got).toEqual(_name === 'albEvent' ? { ...expected, q: { tag: 'c+d' } } : expected);
  });

  it('binary request bodies arrive decoded', async () => {
    const def = defineHttp({ handler: (req) => json({ bytes: [...req.bytes()] }) });
    for (const event of [httpApiEvent({ method: 'PUT', body: new Uint8Array([0, 1, 254]) }), restApiEvent({ method: 'PUT', body: new Uint8Array([0, 1, 254]) }), albEvent({ method: 'PUT', body: new Uint8Array([0, 1, 254]) })]) {
      const res = (await wrap(def)(event, lambdaContext())) as { body: string };
      expect(JSON.parse(res.body)).toEqual({ bytes: [0, 1, 254] });
    }
  });

  it('s3Event encodes keys as S3 does, and the adapter decodes them', async () => {
    const seen: StorageEvent[] = [];
    const def = defineStorage({ bucket: 'test-bucket', handler: (e) => void seen.push(e) });
    const event = s3Event({ key: 'dir/red flower+1 (é).jpg', size: 5 });
    expect(event.Records[0]?.s3.object.key).toBe('dir/red+flower%2B1+(%C3%A9).jpg');
    await wrap(def)(event, lambdaContext());
    await wrap(def)(s3EventBridgeEvent({ key: 'plain key.txt', change: 'deleted' }), lambdaContext());
    expect(seen.map((e) => [e.key, e.change])).toEqual([['dir/red flower+1 (é).jpg', 'created'], ['plain key.txt', 'deleted']]);
  });

  it('sqsEvent with fifo gives an ordered batch', async () => {
    const def = defineQueue({ queue: 'q', handler: (m) => { if (m.body === 'bad') throw new Error('x'); } });
    const event = sqsEvent([{ id: '1', body: 'ok' }, { id: '2', body: 'bad' }, { id: '3', body: 'ok' }], { fifo: true });
    expect(await wrap(def)(event, lambdaContext())).toEqual({ batchItemFailures: [{ itemIdentifier: '2' }, { itemIdentifier: '3' }] });
  });

  it('snsEvent, scheduledEvent and eventBridgeEvent reach their definitions', async () => {
    const seen: string[] = [];
    await wrap(defineQueue({ queue: 'q', handler: (m) => void seen.push(`msg:${JSON.stringify(m.body)}:${m.source}`) }))(snsEvent({ body: { a: 1 }, topic: 'users' }), lambdaContext());
    await wrap(defineSchedule({ schedule: '0 2 * * *', handler: (t) => void seen.push(`tick:${t.name}:${t.scheduledTime.toISOString()}`) }))(scheduledEvent({ rule: 'nightly', time: new Date('2026-01-01T02:00:00Z') }), lambdaContext());
    await wrap(defineCloudEvent({ types: ['Order Placed'], handler: (e) => void seen.push(`ce:${e.type}:${JSON.stringify(e.data)}`) }))(eventBridgeEvent({ detailType: 'Order Placed', detail: { id: 9 } }), lambdaContext());
    expect(seen).toEqual(['msg:{"a":1}:users', 'tick:nightly:2026-01-01T02:00:00.000Z', 'ce:Order Placed:{"id":9}']);
  });
});

describe('context', () => {
  afterEach(() => vi.restoreAllMocks());

  it('carries the request id, function name and deadline, and aborts the signal before the deadline', async () => {
    let seen: Context | undefined;
    let aborted: unknown;
    const def = defineHttp({
      handler: async (_req, ctx) => {
        seen = ctx;
        await new Promise<void>((resolve) => ctx.signal.addEventListener('abort', () => resolve(), { once: true }));
        aborted = ctx.signal.reason;
        return json({ left: ctx.remainingMs() });
      },
    });
    const before = Date.now();
    const res = (await wrap(def)(httpApiEvent(), lambdaContext({ requestId: 'abc-123', functionName: 'orders', timeoutMs: 300 }))) as { body: string };
    expect(seen?.requestId).toBe('abc-123');
    expect(seen?.functionName).toBe('orders');
    expect(seen?.provider).toBe('aws');
    expect(seen!.deadline).toBeGreaterThanOrEqual(before + 290);
    expect(seen!.deadline).toBeLessThanOrEqual(Date.now() + 300);
    expect((aborted as Error).name).toBe('DeadlineError');
    expect((JSON.parse(res.body) as { left: number }).left).toBeGreaterThan(0);
  });

  it('logs one JSON line per entry in the shape of the Lambda JSON log format', async () => {
    const lines: string[] = [];
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      lines.push(String(chunk));
      return true;
    });
    const def = defineHttp({ handler: (_req, ctx) => { ctx.log.info('hello', { orderId: 42 }); ctx.log.warn('careful'); return json({}); } });
    await wrap(def)(httpApiEvent(), lambdaContext({ requestId: 'rid-1' }));
    vi.restoreAllMocks();
    expect(lines).toHaveLength(2);
    expect(lines.every((l) => l.endsWith('\n') && l.indexOf('\n') === l.length - 1)).toBe(true);
    const [info, warn] = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(Object.keys(info!)).toEqual(['timestamp', 'level', 'requestId', 'message', 'orderId']);
    expect(info).toMatchObject({ level: 'INFO', requestId: 'rid-1', message: 'hello', orderId: 42 });
    expect(new Date(info!['timestamp'] as string).toISOString()).toBe(info!['timestamp']);
    expect(warn).toMatchObject({ level: 'WARN', message: 'careful', requestId: 'rid-1' });
  });
});

describe('toLambda', () => {
  it('plans a module as deploy does, and asks which function when there are several', async () => {
    const mod = { getItem: defineHttp({ method: 'GET', route: '/a', handler: () => json({ a: 1 }) }), orders: defineQueue({ queue: 'q', handler: () => {} }) };
    expect(() => serve(mod)).toThrow('choose one of: getItem, orders');
    const http = serve(mod, { function: 'getItem' });
    expect(((await http(httpApiEvent({ path: '/a' }), lambdaContext())) as { body: string }).body).toBe('{"a":1}');
    expect(await serve(mod, { function: 'orders' })(sqsEvent([{ body: 1 }]), lambdaContext())).toEqual({ batchItemFailures: [] });
    expect(() => serve({ x: 1 })).toThrow('exports no onefn definitions');
  });
});

describe('property: arbitrary input only ever gives an answer or the typed error', () => {
  const defs: Definition[] = [
    defineHttp({ handler: (req) => json({ body: req.body, q: req.query, c: req.cookies }, { cookies: [setCookie('a', 'b')] }) }) as Definition,
    defineQueue({ queue: 'q', handler: (m) => void m.body }) as Definition,
    defineStorage({ bucket: 'b', handler: () => {} }),
    defineSchedule({ schedule: 'rate(1 hour)', handler: () => {} }),
    defineCloudEvent({ handler: () => {} }) as Definition,
  ];
  const handlers = defs.map((d) => wrap(d));
  const typed = (e: unknown): boolean => e instanceof UnsupportedEventError || e instanceof MalformedEventError;

  async function check(event: unknown): Promise<void> {
    for (const handler of handlers) {
      try {
        await handler(event, lambdaContext());
      } catch (error) {
        if (!typed(error)) throw error;
      }
    }
  }

  it('for any JSON value', async () => {
    await fc.assert(fc.asyncProperty(fc.jsonValue(), check), { numRuns: 300 });
  });

  // Real events with one field replaced by arbitrary JSON reach deeper than random objects do.
  const events = allFixtures().map((f) => fixture(f));
  const paths = (value: unknown, prefix: string[] = []): string[][] =>
    typeof value === 'object' && value !== null
      ? Object.entries(value).flatMap(([k, v]) => [[...prefix, k], ...paths(v, [...prefix, k])])
      : [];
  const mutated = fc
    .integer({ min: 0, max: events.length - 1 })
    .chain((i) => {
      const all = paths(events[i]);
      return fc.tuple(fc.constant(i), fc.integer({ min: 0, max: Math.max(0, all.length - 1) }), fc.jsonValue());
    })
    .map(([i, p, value]) => {
      const copy = structuredClone(events[i]) as Record<string, unknown>;
      const path = paths(copy)[p];
      if (!path) return copy;
      let node: Record<string, unknown> = copy;
      for (const key of path.slice(0, -1)) node = node[key] as Record<string, unknown>;
      node[path[path.length - 1]!] = value;
      return copy;
    });

  it('for real events with one field replaced', async () => {
    await fc.assert(fc.asyncProperty(mutated, check), { numRuns: 600 });
  });
});
