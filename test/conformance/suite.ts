/**
 * One behaviour suite that every adapter must pass (as Nitro's presets share one). Each adapter plugs
 * in a harness that deploys definitions the way its provider runs them and delivers inputs the way its
 * provider sends them; the suite asserts the same answers everywhere.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  bytes, type CloudEventDefinition, defineCloudEvent, defineHttp, defineQueue, defineSchedule, defineStorage, defineTopic, HttpError, json, redirect, setCookie, text as textResult,
  type HttpDefinition, type HttpResult, type MessageDefinition, type Provider, type ScheduleDefinition, type StorageChange, type StorageDefinition,
} from 'onefn';
import { bucket, type Context, type Definition, queue, topic } from 'onefn';
import { createContext, type ResourceDriverSource } from 'onefn/runtime';
import { memoryResources } from 'onefn/testing';

export interface HttpProbe {
  method: string;
  /** Path and query string, as a client sends them. */
  path: string;
  headers?: Readonly<Record<string, string>>;
  body?: string | Uint8Array;
}

export interface HttpAnswer {
  status: number;
  /** A response header, case-insensitively; repeated values joined with ", ". */
  header(name: string): string | undefined;
  /** Every Set-Cookie value, apart. */
  cookies: string[];
  body: Uint8Array;
  /** What the function logged while answering, one line per entry, in the provider's own format. */
  logs: string[];
}

export interface ConformanceHarness {
  readonly provider: Exclude<Provider, 'local'>;
  /** Runs HTTP definitions as one routed function and sends one request as the provider delivers it. */
  http(definitions: readonly HttpDefinition[], request: HttpProbe): Promise<HttpAnswer>;
  /**
   * Delivers messages to a queue definition (one batch where the provider batches, one invocation each
   * otherwise) and returns the ids the provider would deliver again. The function's timeout is the
   * definition's `timeout` where it sets one, as the deploy helpers set it.
   */
  deliver(definition: MessageDefinition, messages: ReadonlyArray<{ id: string; body: string }>): Promise<{ redelivered: string[] }>;
  /** Delivers one object change as the provider's storage trigger does; `failed` when the provider would retry. */
  storage(definition: StorageDefinition, change: { bucket: string; key: string; change: StorageChange; size: number }): Promise<{ failed: boolean }>;
  /** Delivers one schedule tick due at `at`, as the provider's scheduler does. */
  tick(definition: ScheduleDefinition, at: Date): Promise<{ failed: boolean }>;
  /** Delivers one event as the provider's event router does (EventBridge, Eventarc, Event Grid); `failed` when it would retry. */
  routedEvent(definition: CloudEventDefinition, event: { id: string; type: string; source: string; data: unknown }): Promise<{ failed: boolean }>;
  /** Whether the provider routes HTTP itself (Azure) and so may answer unknown paths without the function. */
  readonly hostRoutes?: boolean;
  /**
   * Whether the provider's framework parses JSON bodies before the function runs and answers malformed
   * JSON itself (functions-framework's Express does): then only "a 400 without a stack" is asserted.
   */
  readonly frameworkParsesJson?: boolean;
  /**
   * Delivers one CloudEvent in the JSON format as the provider carries it and tells how it ended:
   * `refused` (with the typed error's code and message) when it was refused before any handler ran.
   */
  cloudEvent(definition: CloudEventDefinition, event: Readonly<Record<string, unknown>>): Promise<EventEnd>;
  /** Starts the provider's output services on 127.0.0.1 with these resources, and its driver against them. */
  outputs(resources: OutputResources): Promise<OutputRig>;
}

/**
 * The provider's own output implementation (its resource driver, the real SDK clients) against the
 * loopback services its adapter tests use, and the steps that turn what those services recorded into
 * the next native event, as the cloud would deliver it.
 */
export interface OutputRig {
  /** Runs HTTP definitions as one routed function, the driver as the adapter's `resources` option. */
  http(definitions: readonly HttpDefinition[], request: HttpProbe): Promise<HttpAnswer>;
  /** Delivers every message the queue service holds for `queue`, as the provider's queue trigger does; the ids it would deliver again. */
  deliverQueued(definition: MessageDefinition, queue: string): Promise<{ delivered: number; redelivered: string[] }>;
  /** Delivers the creation of the object `key` as the service stored it, as the provider's storage trigger does. */
  deliverStored(definition: StorageDefinition, bucket: string, key: string): Promise<{ failed: boolean }>;
  /**
   * Delivers every message published on `topic` (each subscription gets every one), one invocation each,
   * as the provider's topic subscription does, to a topic subscriber or a CloudEvent definition bound
   * to the topic; `failed` counts the ones the provider would deliver again.
   */
  deliverPublished(definition: MessageDefinition | CloudEventDefinition, topic: string): Promise<{ delivered: number; failed: number }>;
  /** Stops every service the rig started. */
  stop(): Promise<void>;
}

/** The logical resources the outputs case uses; a rig creates them in its services under the same names. */
export interface OutputResources {
  queues: readonly string[];
  topics: readonly string[];
  buckets: readonly string[];
}

/** How one delivered event ended. */
export type EventEnd = { outcome: 'ok' | 'failed' } | { outcome: 'refused'; code: string; message: string };

/**
 * The definition with its handler given a context that reaches `source` (the in-memory resources), as
 * an adapter's `resources` option does; everything else is the provider's own context. The adapters'
 * own drivers are tested against each provider's real clients in adapters/<provider>/test/resources.test.ts.
 */
function withSource<D extends Definition>(definition: D, source: ResourceDriverSource): D {
  const handler = definition.handler as (input: unknown, ctx: Context) => unknown;
  const bound = (input: unknown, ctx: Context): unknown =>
    handler(input, createContext({ requestId: ctx.requestId, functionName: ctx.functionName, provider: ctx.provider, deadline: ctx.deadline, log: ctx.log, env: ctx.env, native: ctx.native, resources: source }));
  return Object.freeze({ ...definition, handler: bound }) as unknown as D;
}

const text = (a: HttpAnswer): string => new TextDecoder().decode(a.body);
const parsed = (a: HttpAnswer): unknown => JSON.parse(text(a));

const echo = defineHttp({
  method: ['GET', 'POST'],
  route: '/items/:id',
  handler: (req, ctx) =>
    json({
      method: req.method,
      path: req.path,
      id: req.params.id,
      tags: req.queryAll('tag'),
      q: req.query['q'],
      tenant: req.headers.get('X-Tenant'),
      cookie: req.cookies['session'],
      provider: ctx.provider,
      hasRequestId: ctx.requestId.length > 0,
      timeLeft: ctx.remainingMs() > 0,
      aborted: ctx.signal.aborted,
    }),
});

const create = defineHttp({
  method: 'POST',
  route: '/items',
  body: z.object({ name: z.string().min(1), qty: z.number().int().positive() }),
  handler: (req) => json({ created: req.body.name, qty: req.body.qty }, { status: 201 }),
});

const fail = defineHttp({
  method: 'GET',
  route: '/fail/:how',
  handler: (req) => {
    if (req.params.how === 'conflict') throw new HttpError(409, 'Item already exists');
    throw new Error('database password is hunter2');
  },
});

const binary = defineHttp({
  method: 'GET',
  route: '/binary',
  handler: () => bytes(new Uint8Array([0, 1, 2, 254, 255]), 'image/png', { cookies: ['a=1; Path=/', 'b=2; HttpOnly'] }),
});

const api = [echo, create, fail, binary];

const orders = defineQueue({
  queue: 'orders',
  schema: z.object({ id: z.string(), fail: z.boolean().optional() }),
  handler: (msg) => {
    if (msg.body.fail) throw new Error(`order ${msg.body.id} failed`);
  },
});

/** Registers the suite for one adapter. */
export function conformance(harness: ConformanceHarness): void {
  describe(`conformance: ${harness.provider}`, () => {
    it('gives handlers the same portable request and context', async () => {
      const res = await harness.http(api, {
        method: 'GET',
        path: '/items/a%20b?tag=x&tag=y%20z&q=1%2B1',
        headers: { 'x-tenant': 'acme', cookie: 'session=s1; other=2' },
      });
      expect(res.status).toBe(200);
      expect(parsed(res)).toEqual({
        method: 'GET',
        path: '/items/a%20b',
        id: 'a b',
        tags: ['x', 'y z'],
        q: '1+1',
        tenant: 'acme',
        cookie: 's1',
        provider: harness.provider,
        hasRequestId: true,
        timeLeft: true,
        aborted: false,
      });
    });

    it('validates a JSON body and answers with the status the handler chose', async () => {
      const res = await harness.http(api, { method: 'POST', path: '/items', headers: { 'content-type': 'application/json' }, body: '{"name":"bolt","qty":3}' });
      expect(res.status).toBe(201);
      expect(parsed(res)).toEqual({ created: 'bolt', qty: 3 });
    });

    it.each([
      ['a body that fails its schema', 'application/json', '{"name":"","qty":0}', 400],
      ['malformed JSON', 'application/json', '{"name":', 400],
      ['a body of another type', 'text/plain', 'name=bolt', 415],
    ])('answers %s with a problem', async (_n, type, body, status) => {
      const res = await harness.http(api, { method: 'POST', path: '/items', headers: { 'content-type': type }, body });
      expect(res.status).toBe(status);
      if (harness.frameworkParsesJson && _n === 'malformed JSON') {
        expect(text(res)).not.toMatch(/at .*\.(ts|js)|SyntaxError/);
        // The framework logged its own parse failure; the handler never ran.
        expect(res.logs).toEqual(['framework: entity.parse.failed 400']);
        return;
      }
      expect(res.header('content-type')).toBe('application/problem+json');
      const problem = parsed(res) as { status: number; issues?: Array<{ location: string; path: unknown[] }> };
      expect(problem.status).toBe(status);
      if (_n.startsWith('a body that fails')) expect(problem.issues?.map((i) => i.path[0])).toEqual(['name', 'qty']);
    });

    it('maps errors: an HttpError keeps its status and message, anything else is a generic 500', async () => {
      const conflict = await harness.http(api, { method: 'GET', path: '/fail/conflict' });
      expect(conflict.status).toBe(409);
      expect((parsed(conflict) as { detail: string }).detail).toBe('Item already exists');
      const crash = await harness.http(api, { method: 'GET', path: '/fail/crash' });
      expect(crash.status).toBe(500);
      expect(text(crash)).not.toContain('hunter2');
      expect(text(crash)).not.toMatch(/at .*\.(ts|js)/);
    });

    it('sends binary bodies intact and every Set-Cookie apart', async () => {
      const res = await harness.http(api, { method: 'GET', path: '/binary' });
      expect(res.status).toBe(200);
      expect(res.header('content-type')).toBe('image/png');
      expect(Array.from(res.body)).toEqual([0, 1, 2, 254, 255]);
      expect(res.cookies.map((c) => c.split(';')[0])).toEqual(['a=1', 'b=2']);
    });

    it('sends no body with a 204, 205 or 304, whatever body the handler gave', async () => {
      const empty = defineHttp({ method: 'GET', route: '/empty/:status', handler: (req) => json({ kept: 'no' }, { status: Number(req.params.status) as 204 }) });
      for (const status of [204, 205, 304]) {
        const res = await harness.http([...api, empty], { method: 'GET', path: `/empty/${status}` });
        expect(res.status, String(status)).toBe(status);
        expect(text(res), String(status)).toBe('');
      }
    });

    it('sends one header where names differ only in case, the last given winning, as every provider does', async () => {
      const spelled = defineHttp({
        method: 'GET',
        route: '/spelled',
        handler: () => textResult('a,b', { headers: { 'Content-Type': 'text/csv', 'X-A': '1', 'x-a': '2' }, cookies: ['c=3'] }),
      });
      const res = await harness.http([...api, spelled], { method: 'GET', path: '/spelled' });
      expect(res.status).toBe(200);
      expect(res.header('content-type')).toBe('text/csv');
      expect(res.header('x-a')).toBe('2');
      expect(res.cookies.map((c) => c.split(';')[0])).toEqual(['c=3']);
      const problem = await harness.http([...api, defineHttp({ method: 'GET', route: '/spelled-error', handler: () => {
        throw new HttpError(429, 'slow down', { headers: { 'Content-Type': 'text/plain', 'Retry-After': '5' } });
      } })], { method: 'GET', path: '/spelled-error' });
      expect(problem.status).toBe(429);
      expect(problem.header('content-type')).toBe('application/problem+json');
      expect(problem.header('retry-after')).toBe('5');
    });

    it('answers an unknown path with 404 and a known path with another method with 405', async () => {
      const missing = await harness.http(api, { method: 'GET', path: '/nowhere' });
      expect(missing.status).toBe(404);
      const wrong = await harness.http(api, { method: 'DELETE', path: '/items/1' });
      if (harness.hostRoutes) expect([404, 405]).toContain(wrong.status);
      else expect(wrong.status).toBe(405);
    });

    it('hands back exactly the failed messages for redelivery', async () => {
      const result = await harness.deliver(orders, [
        { id: 'm1', body: '{"id":"1"}' },
        { id: 'm2', body: '{"id":"2","fail":true}' },
        { id: 'm3', body: '{"id":3}' },
        { id: 'm4', body: 'not json' },
        { id: 'm5', body: '{"id":"5"}' },
      ]);
      expect(result.redelivered.sort()).toEqual(['m2', 'm3', 'm4']);
      expect((await harness.deliver(orders, [{ id: 'ok', body: '{"id":"9"}' }])).redelivered).toEqual([]);
    });

    it('gives storage handlers the same object change, key decoded, and skips what the filters exclude', async () => {
      const seen: unknown[] = [];
      const uploads = defineStorage({
        bucket: 'uploads',
        changes: ['created'],
        prefix: 'images/',
        handler: (event) => {
          if (event.key.endsWith('fail.png')) throw new Error('thumbnail failed');
          seen.push({ bucket: event.bucket, key: event.key, change: event.change, size: event.size, time: event.time instanceof Date });
        },
      });
      const created = { bucket: 'uploads', change: 'created' as const, size: 42 };
      expect(await harness.storage(uploads, { ...created, key: 'images/a b+c.png' })).toEqual({ failed: false });
      expect(seen).toEqual([{ bucket: 'uploads', key: 'images/a b+c.png', change: 'created', size: 42, time: true }]);
      expect(await harness.storage(uploads, { ...created, key: 'docs/readme.txt' })).toEqual({ failed: false });
      expect(await harness.storage(uploads, { ...created, key: 'images/old.png', change: 'deleted' })).toEqual({ failed: false });
      expect(seen).toHaveLength(1);
      expect(await harness.storage(uploads, { ...created, key: 'images/fail.png' })).toEqual({ failed: true });
    });

    it('gives schedule handlers the time the tick was due', async () => {
      const ticks: number[] = [];
      const nightly = defineSchedule({
        schedule: '30 2 * * *',
        handler: (tick) => {
          if (ticks.length === 1) throw new Error('second run fails');
          ticks.push(tick.scheduledTime.getTime());
        },
      });
      const at = new Date('2026-03-01T02:30:00.000Z');
      expect(await harness.tick(nightly, at)).toEqual({ failed: false });
      expect(ticks).toEqual([at.getTime()]);
      expect(await harness.tick(nightly, at)).toEqual({ failed: true });
    });
  });

  // A result that cannot go on the wire (CR/LF or another byte Node's http refuses, a name that is not a
  // token) is refused in the core: the client gets the generic 500 and the logs get a typed error that
  // names the header but not the value. Before, AWS handed the raw CRLF to Lambda, GCP answered Node's
  // failure and Azure's getResponse threw out of the invocation.
  describe(`conformance: ${harness.provider}: a result that cannot be sent`, () => {
    const INJECTED = 'x-injected: evil';
    const badResults: ReadonlyArray<[string, () => HttpResult | Response, string]> = [
      ['a header value with CRLF', () => ({ status: 200, headers: { 'x-note': `ok\r\n${INJECTED}` }, body: 'hi' }), 'INVALID_HEADER'],
      ['a header name that is not a token', () => ({ headers: { 'x note: evil': '1' }, body: 'hi' }), 'INVALID_HEADER'],
      ['a redirect to a CRLF target', () => redirect(`/next\r\n${INJECTED}`), 'INVALID_HEADER'],
      ['a raw Set-Cookie string with CRLF', () => json({ ok: true }, { cookies: [`a=1\r\n${INJECTED}`] }), 'INVALID_HEADER'],
      ['an HttpError whose headers carry CRLF', () => {
        throw new HttpError(429, 'slow down', { headers: { 'retry-after': `1\r\n${INJECTED}` } });
      }, 'INVALID_HEADER'],
      ['a web Response with a control character in a header', () => new Response('hi', { headers: { 'x-note': 'evil\u0001' } }), 'INVALID_HEADER'],
      ['setCookie given a path that injects an attribute', () => json({}, { cookies: [setCookie('sid', '1', { path: '/; Domain=evil.com' })] }), 'INVALID_COOKIE'],
    ];

    it('sends a response header named constructor, and refuses one named __proto__ the same way everywhere', async () => {
      const sent = JSON.parse('{"constructor":"c","x-plain":"1"}') as Record<string, string>;
      const ok = await harness.http([...api, defineHttp({ method: 'GET', route: '/proto-headers', handler: () => ({ status: 200, headers: sent, body: 'ok' }) })], { method: 'GET', path: '/proto-headers' });
      expect(ok.status).toBe(200);
      expect(ok.header('constructor')).toBe('c');
      expect(ok.header('x-plain')).toBe('1');
      // Azure's library would drop it silently; every provider answers the generic 500 and logs why.
      const proto = JSON.parse('{"__proto__":"p","x-plain":"1"}') as Record<string, string>;
      const res = await harness.http([...api, defineHttp({ method: 'GET', route: '/proto-headers', handler: () => ({ status: 200, headers: proto, body: 'ok' }) })], { method: 'GET', path: '/proto-headers' });
      expect(res.status).toBe(500);
      expect(res.header('x-plain')).toBeUndefined();
      expect(res.logs.join('\n')).toContain('INVALID_HEADER');
    });

    it.each(badResults)('answers %s with the generic 500 problem and logs the typed error', async (_name, make, code) => {
      const def = defineHttp({ method: 'GET', route: '/bad', handler: make });
      const res = await harness.http([...api, def], { method: 'GET', path: '/bad' });
      expect(res.status).toBe(500);
      expect(res.header('content-type')).toBe('application/problem+json');
      expect(parsed(res)).toEqual({ type: 'about:blank', title: 'Internal Server Error', status: 500, detail: 'The function failed. See its logs for details.' });
      expect(res.cookies).toEqual([]);
      for (const name of ['x-note', 'x-injected', 'location', 'retry-after']) expect(res.header(name)).toBeUndefined();
      expect(text(res)).not.toContain('evil');
      const logged = res.logs.join('\n');
      expect(logged).toContain(code);
      expect(logged).not.toContain('evil.com');
      expect(logged).not.toContain(INJECTED);
    });
  });
  hostileInputConformance(harness);
  mustNotLose(harness);
  outputsConformance(harness);
}

// Hostile input: Object.prototype names in the query and cookies, and base64 that is not. The three
// providers must give the same answer, and no answer may repeat the input.
const INHERITED = ['valueOf', 'hasOwnProperty', 'isPrototypeOf'];

const protoEcho = defineHttp({
  method: 'GET',
  route: '/proto',
  handler: (req) =>
    json({
      query: Object.entries(req.query),
      cookies: Object.entries(req.cookies),
      // Names nobody sent: a record with a prototype would answer them.
      inherited: INHERITED.map((name) => [typeof (req.query as Record<string, unknown>)[name], typeof req.cookies[name]]),
    }),
});

/** Registers the hostile-input cases for one adapter. */
export function hostileInputConformance(harness: ConformanceHarness): void {
  describe(`conformance: ${harness.provider}, hostile input`, () => {
    it('keeps query parameters and cookies named like prototype members, as sent', async () => {
      const res = await harness.http([...api, protoEcho], {
        method: 'GET',
        path: '/proto?__proto__=a&__proto__=b&constructor=c&toString=t',
        headers: { cookie: 'constructor=abc; normal=ok; __proto__=p' },
      });
      expect(res.status).toBe(200);
      expect(parsed(res)).toEqual({
        query: [['__proto__', ['a', 'b']], ['constructor', 'c'], ['toString', 't']],
        cookies: [['constructor', 'abc'], ['normal', 'ok'], ['__proto__', 'p']],
        inherited: INHERITED.map(() => ['undefined', 'undefined']),
      });
    });

    it('refuses CloudEvent data_base64 that is not base64 with the same typed error, echoing nothing', async () => {
      const seen: unknown[] = [];
      const def = defineCloudEvent({ handler: (event) => void seen.push(Array.from(event.data as Uint8Array)) });
      const event = { specversion: '1.0', id: 'e-1', source: '/conformance', type: 'com.example.test' };
      expect(await harness.cloudEvent(def, { ...event, data_base64: 'c2VjcmV0a' })).toEqual({
        outcome: 'refused',
        code: 'MALFORMED_EVENT',
        message: 'Malformed event: CloudEvent "data_base64" is not valid base64',
      });
      expect(seen).toEqual([]);
      expect(await harness.cloudEvent(def, { ...event, id: 'e-2', data_base64: 'AP8=' })).toEqual({ outcome: 'ok' });
      expect(seen).toEqual([[0, 255]]);
    });
  });
}

/** Events a definition does not serve, and handlers that hang: neither may be acknowledged as handled. */
function mustNotLose(harness: ConformanceHarness): void {
  describe(`conformance: ${harness.provider}: events that must not be lost`, () => {
    it('refuses a CloudEvent of a type the definition does not serve: not acknowledged, the handler not run', async () => {
      const seen: string[] = [];
      const created = defineCloudEvent({ types: ['order.created'], handler: (event) => void seen.push(event.id) });
      expect(await harness.routedEvent(created, { id: 'ce-1', type: 'order.deleted', source: 'shop', data: { order: 1 } })).toEqual({ failed: true });
      expect(seen).toEqual([]);
      expect(await harness.routedEvent(created, { id: 'ce-2', type: 'order.created', source: 'shop', data: { order: 2 } })).toEqual({ failed: false });
      expect(seen).toHaveLength(1);
    });

    it('refuses an object change in another bucket: not acknowledged, the handler not run', async () => {
      let runs = 0;
      const uploads = defineStorage({ bucket: 'uploads', handler: () => void runs++ });
      expect(await harness.storage(uploads, { bucket: 'elsewhere', key: 'a.png', change: 'created', size: 1 })).toEqual({ failed: true });
      expect(runs).toBe(0);
    });

    // The hung message comes last: a batch runs one message at a time, so on a provider that batches
    // (SQS) the messages after a hung one are never started and are handed back too.
    it('hands back exactly a hung message for redelivery, answering before the deadline', async () => {
      const handled: string[] = [];
      const jobs = defineQueue({
        queue: 'jobs',
        timeout: 1,
        handler: async (msg) => {
          if (msg.text() === 'hang') await new Promise<never>(() => {});
          handled.push(msg.id);
        },
      });
      const result = await harness.deliver(jobs, [
        { id: 'h1', body: 'one' },
        { id: 'h2', body: 'two' },
        { id: 'h3', body: 'hang' },
      ]);
      expect(result.redelivered).toEqual(['h3']);
      expect(handled).toEqual(['h1', 'h2']);
    });
  });

  // The same chain through onefn/testing's in-memory resources, each consumer reached through the
  // provider's harness: what a module's own tests see. The real services are the case below.
  describe('outputs in memory (onefn/testing): HTTP -> queue -> bucket -> CloudEvent', () => {
    it('sends, stores and publishes through declared uses, and every consumer reads what the last wrote', async () => {
      const mem = memoryResources();
      const Order = z.object({ id: z.string(), total: z.number() });
      const orders = queue('orders', { schema: Order });
      const receipts = bucket('receipts');
      const done = topic('order-done');
      const providers: string[] = [];
      const seen: unknown[] = [];
      const api = defineHttp({
        method: 'POST', route: '/orders', body: Order, uses: { orders: orders.send },
        handler: async (req, ctx) => {
          providers.push(ctx.provider);
          return json(await ctx.resources.orders.send(req.body), { status: 202 });
        },
      });
      const worker = defineQueue({
        queue: orders, uses: { receipts: receipts.write },
        handler: async (msg, ctx) => {
          providers.push(ctx.provider);
          await ctx.resources.receipts.put(`orders/${msg.body.id}.json`, JSON.stringify(msg.body), { contentType: 'application/json' });
        },
      });
      const onReceipt = defineStorage({
        bucket: receipts, changes: ['created'], uses: { receipts: receipts.read, done: done.publish },
        handler: async (obj, ctx) => {
          providers.push(ctx.provider);
          const receipt = (await ctx.resources.receipts.get(obj.key))?.json() as { id: string; total: number };
          await ctx.resources.done.publishEvent({ type: 'com.example.order.done', source: '/orders', data: { orderId: receipt.id, total: receipt.total } });
        },
      });
      const onDone = defineCloudEvent({
        types: ['com.example.order.done'], schema: z.object({ orderId: z.string(), total: z.number() }),
        handler: async (event, ctx) => {
          providers.push(ctx.provider);
          seen.push(event.data);
        },
      });

      // Two definitions, so that every harness routes them as one function named by the harness.
      const health = defineHttp({ method: 'GET', route: '/health', handler: () => json({ ok: true }) });
      const answer = await harness.http([withSource(api, mem.source), health], { method: 'POST', path: '/orders', headers: { 'content-type': 'application/json' }, body: '{"id":"o-1","total":12.5}' });
      expect(answer.status).toBe(202);
      const [sent] = mem.sent(orders);
      expect(sent?.text).toBe('{"id":"o-1","total":12.5}');

      expect(await harness.deliver(withSource(worker, mem.source), [{ id: 'm-1', body: sent!.text }])).toEqual({ redelivered: [] });
      const stored = mem.object(receipts, 'orders/o-1.json');
      expect(stored?.json()).toEqual({ id: 'o-1', total: 12.5 });

      expect(await harness.storage(withSource(onReceipt, mem.source), { bucket: 'receipts', key: 'orders/o-1.json', change: 'created', size: stored!.size })).toEqual({ failed: false });
      const [event] = mem.published(done);
      const a = event!.attributes;
      expect(await harness.routedEvent(withSource(onDone, mem.source), { id: a['ce-id'] as string, type: a['ce-type'] as string, source: a['ce-source'] as string, data: event!.body })).toEqual({ failed: false });

      expect(seen).toEqual([{ orderId: 'o-1', total: 12.5 }]);
      expect(providers).toEqual([harness.provider, harness.provider, harness.provider, harness.provider]);
    });
  });
}


// Hostile values carried through every step: a key with spaces, unicode and "+" (S3 URL-encodes keys in
// its events, with "+" for a space), a body with CR/LF and non-ASCII text, and attributes named like
// Object.prototype members.
const ORDER_ID = 'a b+ü€/ß';
const NOTE = 'line 1\r\nline 2 — ✓ «quoted»\n';
const PROTO_ATTRIBUTES = JSON.parse('{"constructor":"c","toString":"t","valueOf":"v","hasOwnProperty":"h"}') as Record<string, string>;
// Names Azure Functions would not hand over as sent (its triggerMetadata lowercases a first capital and
// assigns `__proto__` away): refused before any call on every provider.
const UNPORTABLE_ATTRIBUTES: ReadonlyArray<Record<string, string>> = [JSON.parse('{"__proto__":"p"}') as Record<string, string>, { Priority: 'high' }];

/** The four-step case on the provider's real services: each step's output is the next step's native input. */
function outputsConformance(harness: ConformanceHarness): void {
  describe(`outputs: HTTP -> queue -> bucket -> topic -> CloudEvent on ${harness.provider}, through its own services and payloads`, () => {
    let rig: OutputRig | undefined;
    beforeAll(async () => {
      rig = await harness.outputs({ queues: ['orders'], topics: ['order-done', 'order-odd'], buckets: ['receipts'] });
    }, 60_000);
    afterAll(async () => {
      await rig?.stop();
    });

    it('sends, stores and publishes through the driver, and every consumer reads what the step before wrote', async () => {
      const Order = z.object({ id: z.string(), total: z.number(), note: z.string() });
      const orders = queue('orders', { schema: Order });
      const receipts = bucket('receipts');
      const done = topic('order-done');
      const seen: Record<string, unknown[]> = { providers: [], worker: [], storage: [], done: [], refused: [], events: [] };
      const api = defineHttp({
        method: 'POST', route: '/orders', body: Order, uses: { orders: orders.send },
        handler: async (req, ctx) => {
          seen['providers']!.push(ctx.provider);
          const sent = await ctx.resources.orders.send(req.body);
          return json({ queued: typeof sent.id === 'string' && sent.id.length > 0 }, { status: 202 });
        },
      });
      const worker = defineQueue({
        queue: orders, uses: { receipts: receipts.write },
        handler: async (msg, ctx) => {
          seen['providers']!.push(ctx.provider);
          seen['worker']!.push(msg.body);
          await ctx.resources.receipts.put(`orders/${msg.body.id}.json`, JSON.stringify(msg.body), { contentType: 'application/json' });
        },
      });
      const onReceipt = defineStorage({
        bucket: receipts, changes: ['created'], uses: { receipts: receipts.read, done: done.publish },
        handler: async (obj, ctx) => {
          seen['providers']!.push(ctx.provider);
          seen['storage']!.push({ bucket: obj.bucket, key: obj.key, change: obj.change, size: obj.size, etag: typeof obj.etag === 'string' && obj.etag.length > 0 });
          const receipt = (await ctx.resources.receipts.get(obj.key))?.json() as { id: string; total: number; note: string };
          await ctx.resources.done.publishEvent({ type: 'com.example.order.done', source: '/orders', subject: obj.key, data: { orderId: receipt.id, total: receipt.total } });
          await ctx.resources.done.publish({ note: receipt.note }, { attributes: PROTO_ATTRIBUTES });
          for (const attributes of UNPORTABLE_ATTRIBUTES) {
            seen['refused']!.push(await ctx.resources.done.publish({ note: 'never sent' }, { attributes }).then(() => 'sent', (e: { code?: string }) => e.code));
          }
        },
      });
      // The topic's subscriber: the CloudEvent arrives in binary mode, its context in ce- attributes.
      const onDone = defineTopic({
        topic: done,
        handler: async (msg, ctx) => {
          seen['providers']!.push(ctx.provider);
          const a = msg.attributes;
          const ce = Object.keys(a).filter((k) => k.startsWith('ce-')).sort();
          seen['done']!.push({ body: msg.body, ce: Object.fromEntries(ce.map((k) => [k, k === 'ce-id' || k === 'ce-time' ? typeof a[k] : a[k]])), others: Object.entries(a).filter(([k]) => !k.startsWith('ce-') && Object.hasOwn(PROTO_ATTRIBUTES, k)).sort() });
        },
      });
      // The CloudEvent consumer, subscribed to the same topic: it receives the CloudEvent, and refuses
      // (does not acknowledge) the plain message, which carries none.
      const onEvent = defineCloudEvent({
        topic: done, types: ['com.example.order.done'], schema: z.object({ orderId: z.string(), total: z.number() }),
        handler: async (event, ctx) => {
          seen['providers']!.push(ctx.provider);
          seen['events']!.push({ id: typeof event.id, type: event.type, source: event.source, subject: event.subject, time: event.time instanceof Date, datacontenttype: event.datacontenttype, data: event.data });
        },
      });
      const order = { id: ORDER_ID, total: 12.5, note: NOTE };
      const key = `orders/${ORDER_ID}.json`;

      // Two definitions, so that every harness routes them as one function.
      const health = defineHttp({ method: 'GET', route: '/health', handler: () => json({ ok: true }) });
      const answer = await rig!.http([api, health], { method: 'POST', path: '/orders', headers: { 'content-type': 'application/json; charset=utf-8' }, body: new TextEncoder().encode(JSON.stringify(order)) });
      expect(answer.status).toBe(202);
      expect(JSON.parse(new TextDecoder().decode(answer.body))).toEqual({ queued: true });

      expect(await rig!.deliverQueued(worker, 'orders')).toEqual({ delivered: 1, redelivered: [] });
      expect(seen['worker']).toEqual([order]);

      expect(await rig!.deliverStored(onReceipt, 'receipts', key)).toEqual({ failed: false });
      expect(seen['storage']).toEqual([{ bucket: 'receipts', key, change: 'created', size: new TextEncoder().encode(JSON.stringify(order)).byteLength, etag: true }]);

      expect(seen['refused']).toEqual(['INVALID_OUTPUT_OPTION', 'INVALID_OUTPUT_OPTION']);

      expect(await rig!.deliverPublished(onDone, 'order-done')).toEqual({ delivered: 2, failed: 0 });
      expect(seen['done']).toEqual([
        {
          body: { orderId: ORDER_ID, total: 12.5 },
          ce: { 'ce-datacontenttype': 'application/json', 'ce-id': 'string', 'ce-source': '/orders', 'ce-specversion': '1.0', 'ce-subject': key, 'ce-time': 'string', 'ce-type': 'com.example.order.done' },
          others: [],
        },
        { body: { note: NOTE }, ce: {}, others: Object.entries(PROTO_ATTRIBUTES).sort() },
      ]);
      expect(await rig!.deliverPublished(onEvent, 'order-done')).toEqual({ delivered: 2, failed: 1 });
      expect(seen['events']).toEqual([{ id: 'string', type: 'com.example.order.done', source: '/orders', subject: key, time: true, datacontenttype: 'application/json', data: { orderId: ORDER_ID, total: 12.5 } }]);
      expect(seen['providers']).toEqual(Array(6).fill(harness.provider));
    });

    it('refuses a topic message that claims a CloudEvent but is not one, or one of a type not served, the same way everywhere', async () => {
      const odd = topic('order-odd');
      const event = { 'ce-specversion': '1.0', 'ce-id': 'e-1', 'ce-source': '/orders', 'ce-type': 'com.example.order.done' };
      const sends: Array<Record<string, string>> = [
        { 'ce-specversion': '1.0', 'ce-id': 'e-2', 'ce-source': '/orders' },
        { ...event, 'ce-specversion': '2.0' },
        { ...event, 'ce-type': 'com.example.order.lost' },
        { ...event, 'ce-time': 'yesterday' },
      ];
      const api = defineHttp({
        method: 'POST', route: '/odd', uses: { odd: odd.publish },
        handler: async (_req, ctx) => {
          for (const attributes of sends) await ctx.resources.odd.publish({ orderId: 'o-1', total: 1 }, { attributes });
          return json({ sent: sends.length });
        },
      });
      const health = defineHttp({ method: 'GET', route: '/health', handler: () => json({ ok: true }) });
      expect((await rig!.http([api, health], { method: 'POST', path: '/odd' })).status).toBe(200);
      let runs = 0;
      const onEvent = defineCloudEvent({ topic: odd, types: ['com.example.order.done'], handler: () => void runs++ });
      expect(await rig!.deliverPublished(onEvent, 'order-odd')).toEqual({ delivered: sends.length, failed: sends.length });
      expect(runs).toBe(0);
    });
  });
}
