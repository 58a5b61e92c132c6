import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  bucket, defineCloudEvent, defineHttp, defineQueue, defineStorage, defineTopic, DefinitionError, InvalidKeyError, InvalidOutputOptionError,
  json, MessageTooLargeError, noContent, OutputValidationError, PartialBatchError, ProviderError, queue, ResourceUnavailableError, topic,
  UndeclaredResourceError,
} from 'onefn';
import { createContext, keyProblem, onceDriver, PORTABLE_LIMITS, type OutgoingMessage, type ResourceDriver, type ResourceLimits } from 'onefn/runtime';
import { httpRequest, invoke, memoryResources, message } from 'onefn/testing';

const Order = z.object({ id: z.string(), total: z.number().nonnegative() });
const orders = queue('orders', { schema: Order });
const reports = bucket('reports');
const events = topic('order-events');

/** Runs a handler body as an HTTP definition with these uses, and returns what it threw (or undefined). */
async function thrown(uses: Parameters<typeof defineHttp>[0]['uses'], body: (resources: any) => Promise<unknown>, resources: Parameters<typeof invoke>[2] = {}): Promise<unknown> {
  let caught: unknown;
  const def = defineHttp({
    uses: uses as never,
    handler: async (_req, ctx) => {
      try {
        await body((ctx as unknown as { resources: unknown }).resources);
      } catch (error) {
        caught = error;
      }
      return noContent();
    },
  });
  await invoke(def, httpRequest(), resources);
  return caught;
}

const AWS_LIKE: ResourceLimits = { messageBytes: 262_144, batchEntries: 10, batchBytes: 262_144, maxDelaySeconds: 900, groups: true, dedupe: true, attributes: 10, maxUrlSeconds: 604_800 };

/** A driver that records every call, to assert how the core splits and checks before calling. */
function recordingDriver(limits: ResourceLimits, refuse?: (call: number) => 'throw' | number | undefined): ResourceDriver & { calls: OutgoingMessage[][] } {
  const calls: OutgoingMessage[][] = [];
  const send = async (_name: string, messages: readonly OutgoingMessage[]) => {
    calls.push([...messages]);
    const verdict = refuse?.(calls.length);
    if (verdict === 'throw') throw new ProviderError('queue:orders', 'AccessDenied', 'not allowed');
    return messages.map((_, i) => (i === verdict ? { ok: false as const, code: 'InvalidParameterValue', message: 'bad entry' } : { ok: true as const, id: `id-${calls.length}-${i}` }));
  };
  const unused = async (): Promise<never> => {
    throw new Error('not used in this test');
  };
  return { limits, calls, sendMessages: send, publish: send, putObject: unused, getObject: unused, headObject: unused, deleteObject: unused, listObjects: unused, signUrl: unused };
}

describe('queues', () => {
  it('sends what the schema accepts, as JSON the consumer reads back', async () => {
    const mem = memoryResources();
    const api = defineHttp({
      method: 'POST',
      body: Order,
      uses: { orders: orders.send },
      handler: async (req, ctx) => json(await ctx.resources.orders.send(req.body), { status: 202 }),
    });
    const res = await invoke(api, httpRequest({ method: 'POST', json: { id: 'o-1', total: 5 } }), { resources: mem });
    expect(res.status).toBe(202);
    expect(mem.sent(orders)).toMatchObject([{ body: { id: 'o-1', total: 5 }, text: '{"id":"o-1","total":5}' }]);
    expect(res.json()).toEqual({ id: mem.sent(orders)[0]?.id });
  });

  it('refuses a body that fails the schema before any call, and the client gets the generic 500', async () => {
    const mem = memoryResources();
    const api = defineHttp({ uses: { orders: orders.send }, handler: async (_req, ctx) => json(await ctx.resources.orders.send({ id: 'x', total: -1 })) });
    const res = await invoke(api, httpRequest(), { resources: mem });
    expect(res.status).toBe(500);
    expect(res.text()).not.toContain('total');
    expect(mem.sent(orders)).toEqual([]);
    const logged = res.logs.entries.find((e) => e.level === 'error')?.fields['error'];
    expect(logged).toMatchObject({ name: 'OutputValidationError', code: 'INVALID_OUTPUT' });
    expect(JSON.stringify(logged)).toContain('at total');
  });

  it.each([
    ['a BigInt', { n: 1n }],
    ['undefined', undefined],
    ['a function', () => 1],
  ])('refuses a body that is not JSON (%s)', async (_, body) => {
    const jobs = queue('jobs');
    const error = await thrown({ jobs: jobs.send }, (r) => r.jobs.send(body), { resources: memoryResources() });
    expect(error).toBeInstanceOf(OutputValidationError);
  });

  it('refuses a body whose schema throws instead of answering, with the typed error', async () => {
    const throwing = { '~standard': { version: 1 as const, vendor: 'test', validate: () => { throw new Error('validator bug'); } } };
    const jobs = queue('jobs', { schema: throwing });
    const error = await thrown({ jobs: jobs.send } as never, (r) => r.jobs.send({}), { resources: memoryResources() });
    expect(error).toBeInstanceOf(OutputValidationError);
    expect((error as Error).message).toContain('validator bug');
  });

  it('refuses a body with a getter that throws while it is written as JSON', async () => {
    const jobs = queue('jobs');
    const hostile = { get boom(): never { throw new Error('getter'); } };
    expect(await thrown({ jobs: jobs.send }, (r) => r.jobs.send(hostile), { resources: memoryResources() })).toBeInstanceOf(OutputValidationError);
  });

  it('refuses a circular body', async () => {
    const jobs = queue('jobs');
    const circular: Record<string, unknown> = {};
    circular['self'] = circular;
    expect(await thrown({ jobs: jobs.send }, (r) => r.jobs.send(circular), { resources: memoryResources() })).toBeInstanceOf(OutputValidationError);
  });

  it('refuses a message larger than the provider takes, naming the size and the limit', async () => {
    const jobs = queue('jobs');
    const big = 'x'.repeat(PORTABLE_LIMITS.messageBytes);
    const mem = memoryResources();
    const error = await thrown({ jobs: jobs.send }, (r) => r.jobs.send(big), { resources: mem });
    expect(error).toBeInstanceOf(MessageTooLargeError);
    expect(error).toMatchObject({ code: 'MESSAGE_TOO_LARGE', size: PORTABLE_LIMITS.messageBytes + 2, limit: PORTABLE_LIMITS.messageBytes });
    expect(mem.sent(jobs)).toEqual([]);
    // Multi-byte characters count as their UTF-8 bytes.
    expect(await thrown({ jobs: jobs.send }, (r) => r.jobs.send('é'.repeat(PORTABLE_LIMITS.messageBytes / 2)), { resources: mem })).toBeInstanceOf(MessageTooLargeError);
    // The same body fits where the provider takes more.
    const aws = memoryResources({ limits: AWS_LIKE });
    expect(await thrown({ jobs: jobs.send }, (r) => r.jobs.send(big), { resources: aws })).toBeUndefined();
    expect(aws.sent(jobs)).toHaveLength(1);
  });

  it('refuses options the provider cannot honour, before any call', async () => {
    const mem = memoryResources();
    const send = (options: unknown) => thrown({ orders: orders.send }, (r) => r.orders.send({ id: 'a', total: 1 }, options), { resources: mem });
    expect(await send({ delaySeconds: 10 })).toMatchObject({ code: 'INVALID_OUTPUT_OPTION', option: 'delaySeconds' });
    expect(await send({ groupId: 'g' })).toMatchObject({ option: 'groupId' });
    expect(await send({ delay: 1 })).toBeInstanceOf(InvalidOutputOptionError);
    expect(mem.sent(orders)).toEqual([]);
    const aws = memoryResources({ limits: AWS_LIKE });
    const awsSend = (options: unknown) => thrown({ orders: orders.send }, (r) => r.orders.send({ id: 'a', total: 1 }, options), { resources: aws });
    expect(await awsSend({ delaySeconds: 901 })).toMatchObject({ option: 'delaySeconds' });
    expect(await awsSend({ groupId: 'a\nb' })).toMatchObject({ option: 'groupId' });
    expect(await awsSend({ delaySeconds: 30, groupId: 'g-1', dedupeId: 'd-1' })).toBeUndefined();
    expect(aws.sent(orders)).toMatchObject([{ delaySeconds: 30, groupId: 'g-1', dedupeId: 'd-1' }]);
  });

  it('hands the driver only what a send has: no options and {} give the same message, its attributes frozen', async () => {
    const driver = recordingDriver(AWS_LIKE);
    const jobs = queue('jobs');
    const sendTwice = async (r: any) => {
      await r.jobs.send({ n: 1 });
      await r.jobs.send({ n: 1 }, {});
    };
    expect(await thrown({ jobs: jobs.send }, sendTwice, { context: { resources: () => driver } })).toBeUndefined();
    expect(driver.calls).toEqual([[{ body: '{"n":1}', attributes: {} }], [{ body: '{"n":1}', attributes: {} }]]);
    for (const [message] of driver.calls) {
      expect(Object.keys(message as object)).toEqual(['body', 'attributes']);
      expect(Object.isFrozen(message?.attributes)).toBe(true);
    }
  });

  it('splits a batch at the entry and byte limits, checking every body before the first call', async () => {
    const driver = recordingDriver(AWS_LIKE);
    const jobs = queue('jobs');
    const bodies = Array.from({ length: 25 }, (_, i) => ({ i }));
    let ids: unknown;
    expect(await thrown({ jobs: jobs.send }, async (r) => (ids = (await r.jobs.sendBatch(bodies)).ids), { context: { resources: () => driver } })).toBeUndefined();
    expect(driver.calls.map((c) => c.length)).toEqual([10, 10, 5]);
    expect(ids).toHaveLength(25);
    // Three messages of 100 KiB: 256 KiB holds two of them.
    driver.calls.length = 0;
    const big = Array.from({ length: 3 }, () => 'x'.repeat(100 * 1024));
    await thrown({ jobs: jobs.send }, (r) => r.jobs.sendBatch(big), { context: { resources: () => driver } });
    expect(driver.calls.map((c) => c.length)).toEqual([2, 1]);
    // One bad body: nothing is sent.
    driver.calls.length = 0;
    const error = await thrown({ orders: orders.send }, (r) => r.orders.sendBatch([{ id: 'a', total: 1 }, { id: 'b', total: -1 }]), { context: { resources: () => driver } });
    expect(error).toBeInstanceOf(OutputValidationError);
    expect((error as OutputValidationError).issues[0]?.path).toEqual([1, 'total']);
    expect(driver.calls).toEqual([]);
  });

  it('reports a partial batch: which were sent and which were not, none silently lost', async () => {
    const jobs = queue('jobs');
    // The second call refuses its fourth entry; the third call is refused whole.
    const driver = recordingDriver(AWS_LIKE, (call) => (call === 2 ? 3 : call === 3 ? 'throw' : undefined));
    const error = await thrown({ jobs: jobs.send }, (r) => r.jobs.sendBatch(Array.from({ length: 25 }, (_, i) => i)), { context: { resources: () => driver } });
    expect(error).toBeInstanceOf(PartialBatchError);
    const partial = error as PartialBatchError;
    expect(partial.sent).toHaveLength(19);
    expect(partial.failed.map((f) => f.index)).toEqual([13, 20, 21, 22, 23, 24]);
    expect(partial.failed[0]?.error).toMatchObject({ providerCode: 'InvalidParameterValue' });
    expect(partial.failed[1]?.error).toMatchObject({ providerCode: 'AccessDenied' });
  });

  it("turns a provider's refusal into a ProviderError with its code and message", async () => {
    const mem = memoryResources();
    mem.refuseNext(orders, { code: 'QueueDoesNotExist', message: 'The specified queue does not exist.', status: 400 });
    const error = await thrown({ orders: orders.send }, (r) => r.orders.send({ id: 'a', total: 1 }), { resources: mem });
    expect(error).toBeInstanceOf(ProviderError);
    expect(error).toMatchObject({ code: 'PROVIDER_REFUSED', providerCode: 'QueueDoesNotExist', providerMessage: 'The specified queue does not exist.', status: 400, resource: 'queue:orders' });
  });

  it('wraps anything else a driver throws as a ProviderError', async () => {
    const driver = { ...recordingDriver(AWS_LIKE), sendMessages: async () => Promise.reject(new TypeError('socket hang up')) };
    const error = await thrown({ orders: orders.send }, (r) => r.orders.send({ id: 'a', total: 1 }), { context: { resources: () => driver } });
    expect(error).toMatchObject({ code: 'PROVIDER_REFUSED', providerCode: 'TypeError', providerMessage: 'socket hang up' });
  });
});

describe('uses', () => {
  it('fails a use that was not declared with a typed error at run time', async () => {
    const error = await thrown({ orders: orders.send }, (r) => r.audit.send({}), { resources: memoryResources() });
    expect(error).toBeInstanceOf(UndeclaredResourceError);
    expect((error as UndeclaredResourceError).message).toContain('declared: orders');
    // The resources record is not a prototype chain: inherited names are undeclared too.
    expect(await thrown({ orders: orders.send }, async (r) => r.constructor, { resources: memoryResources() })).toBeInstanceOf(UndeclaredResourceError);
    expect(await thrown({ orders: orders.send }, async (r) => r['__proto__'], { resources: memoryResources() })).toBeInstanceOf(UndeclaredResourceError);
    // A name with CR/LF comes back escaped, never as a raw line break.
    const crlf = (await thrown({ orders: orders.send }, async (r) => r['x\r\ny'], { resources: memoryResources() })) as Error;
    expect(crlf.message).not.toMatch(/[\r\n]/);
  });

  it('has no method for an action the grant does not allow', async () => {
    const error = await thrown({ reports: reports.read }, (r) => r.reports.put('k', 'v'), { resources: memoryResources() });
    expect(error).toBeInstanceOf(TypeError);
  });

  it('fails with ResourceUnavailableError when the function has no driver', async () => {
    expect(await thrown({ orders: orders.send }, (r) => r.orders.send({ id: 'a', total: 1 }))).toBeInstanceOf(ResourceUnavailableError);
    const failing = () => {
      throw new Error('ONEFN_QUEUE_ORDERS_URL is not set');
    };
    const error = await thrown({ orders: orders.send }, (r) => r.orders.send({ id: 'a', total: 1 }), { context: { resources: failing } });
    expect(error).toMatchObject({ code: 'RESOURCE_UNAVAILABLE' });
  });

  it('creates the driver once per container, and again only after a failure', async () => {
    let made = 0;
    let fail = true;
    const source = onceDriver(() => {
      made++;
      if (fail) throw new Error('no credentials yet');
      return recordingDriver(AWS_LIKE);
    });
    const send = () => thrown({ orders: orders.send }, (r) => r.orders.send({ id: 'a', total: 1 }), { context: { resources: source } });
    expect(await send()).toBeInstanceOf(ResourceUnavailableError);
    fail = false;
    for (let i = 0; i < 3; i++) expect(await send()).toBeUndefined();
    expect(made).toBe(2);
  });

  it('keeps the invocation context: same signal, deadline, log and request id', async () => {
    const ctx = createContext({ requestId: 'r-1', timeoutMs: 5_000, resources: memoryResources().source, logSink: () => {} });
    let seen: { requestId: string; deadline: number; signal: AbortSignal } | undefined;
    const def = defineQueue({ queue: 'q-1', uses: { orders: orders.send }, handler: (_m, c) => void (seen = { requestId: c.requestId, deadline: c.deadline, signal: c.signal }) });
    await def.handler(message({ body: {} }), ctx);
    expect(seen?.requestId).toBe('r-1');
    expect(seen?.deadline).toBe(ctx.deadline);
    expect(seen?.signal).toBe(ctx.signal);
  });

  it.each([
    ['a name', { orders: 'orders' }],
    ['an empty record', {}],
    ['an array', [orders.send]],
    ['a bad use name', { 'no-dash': orders.send }],
  ])('refuses uses holding %s when the definition is made', (_, uses) => {
    expect(() => defineHttp({ uses: uses as never, handler: () => noContent() })).toThrow(DefinitionError);
  });

  it.each(['Orders', 'ab', 'a--b', 'a-', '1abc', 'google-x', 'x'.repeat(64), 'a_b', '__proto__'])('refuses the resource name %#', (name) => {
    expect(() => queue(name)).toThrow(DefinitionError);
    expect(() => bucket(name)).toThrow(DefinitionError);
  });

  it('takes a handle as trigger, with its schema, and refuses a second schema or another kind', () => {
    const def = defineQueue({ queue: orders, handler: () => {} });
    expect(def.trigger).toMatchObject({ name: 'orders', schema: Order });
    expect(() => defineQueue({ queue: orders, schema: Order, handler: () => {} } as never)).toThrow(/already has a schema/);
    expect(() => defineQueue({ queue: events as never, handler: () => {} })).toThrow(DefinitionError);
    expect(defineStorage({ bucket: reports, handler: () => {} }).trigger.bucket).toBe('reports');
    expect(defineTopic({ topic: events, handler: () => {} }).trigger.name).toBe('order-events');
  });

  it('records the declared uses as plain data for deploy', () => {
    const def = defineHttp({ uses: { orders: orders.send, reports: reports.allow('read', 'write', 'read') }, handler: () => noContent() });
    expect(Object.entries(def.uses).map(([k, u]) => [k, u.kind, u.name, [...u.actions]])).toEqual([
      ['orders', 'queue', 'orders', ['send']],
      ['reports', 'bucket', 'reports', ['read', 'write']],
    ]);
    expect(defineHttp({ handler: () => noContent() }).uses).toEqual({});
    expect(() => (reports.allow as (...a: string[]) => unknown)('read', 'admin')).toThrow(DefinitionError);
  });
});

describe('buckets', () => {
  it('puts, gets, heads, lists by page and deletes', async () => {
    const mem = memoryResources({ pageSize: 2 });
    mem.preload(reports, 'old/a.txt', 'preloaded');
    const out: Record<string, unknown> = {};
    const error = await thrown({ reports: reports.allow('read', 'write', 'delete') }, async (r) => {
      await r.reports.put('daily/1.json', JSON.stringify({ n: 1 }), { contentType: 'application/json' });
      await r.reports.put('daily/2.bin', new Uint8Array([0, 255]));
      await r.reports.put('daily/3.txt', 'héllo');
      const got = await r.reports.get('daily/1.json');
      out['json'] = got.json();
      out['type'] = got.contentType;
      out['bytes'] = [...(await r.reports.get('daily/2.bin')).bytes()];
      out['text'] = (await r.reports.get('daily/3.txt')).text();
      out['head'] = (await r.reports.head('daily/3.txt')).size;
      out['missing'] = await r.reports.get('daily/none');
      out['missingHead'] = await r.reports.head('daily/none');
      const keys: string[] = [];
      for await (const o of r.reports.list('daily/')) keys.push(o.key);
      out['list'] = keys;
      await r.reports.delete('daily/2.bin');
      await r.reports.delete('daily/never');
      out['preloaded'] = (await r.reports.get('old/a.txt')).text();
      out['download'] = await r.reports.downloadUrl('daily/1.json', { expiresInSeconds: 60 });
      out['upload'] = await r.reports.uploadUrl('in/x y.png', { contentType: 'image/png' });
    }, { resources: mem });
    expect(error).toBeUndefined();
    expect(out).toMatchObject({
      json: { n: 1 }, type: 'application/json', bytes: [0, 255], text: 'héllo', head: 6, missing: undefined, missingHead: undefined,
      list: ['daily/1.json', 'daily/2.bin', 'daily/3.txt'], preloaded: 'preloaded',
    });
    expect(out['download']).toContain('method=GET');
    expect(out['upload']).toContain('x%20y.png');
    expect(mem.keys(reports)).toEqual(['daily/1.json', 'daily/3.txt', 'old/a.txt']);
    expect(mem.object(reports, 'daily/3.txt')?.text()).toBe('héllo');
  });

  it.each([
    ['', 'empty'],
    ['/a', 'start'],
    ['a/', 'end'],
    ['a.', 'end'],
    ['a//b', 'segments'],
    ['a/../b', 'segments'],
    ['..', 'end'],
    ['a\nb', 'control'],
    ['a\r\nSet-Cookie: x', 'control'],
    ['a\u0000b', 'control'],
    ['a\ud800b', 'surrogate'],
    ['x'.repeat(1025), '1024 bytes'],
    ['é'.repeat(513), '1024 bytes'],
    ['a/'.repeat(254) + 'b', 'segments'],
  ])('refuses the key %#: %s', async (key, rule) => {
    const mem = memoryResources();
    mem.refuseNext(reports, { code: 'ShouldNotBeCalled', message: 'the driver was called' });
    const error = await thrown({ reports: reports.allow('read', 'write', 'delete') }, (r) => r.reports.put(key, 'x'), { resources: mem });
    expect(error).toBeInstanceOf(InvalidKeyError);
    expect((error as Error).message).toContain(rule);
    // The key is never repeated in the error.
    if (key.length > 3) expect((error as Error).message).not.toContain(key);
    expect(keyProblem(key)).toBeDefined();
  });

  it.each(['__proto__', 'constructor', 'a b/ü/中文.txt', 'x'.repeat(1024), '.well-known'])('accepts the key %#', async (key) => {
    const mem = memoryResources();
    expect(await thrown({ reports: reports.write }, (r) => r.reports.put(key, 'x'), { resources: mem })).toBeUndefined();
    expect(mem.keys(reports)).toEqual([key]);
  });

  it('refuses a content type with CR/LF, an expiry out of range and data that is neither text nor bytes', async () => {
    const mem = memoryResources();
    const put = (fn: (r: any) => Promise<unknown>) => thrown({ reports: reports.allow('read', 'write') }, fn, { resources: mem });
    expect(await put((r) => r.reports.put('k', 'v', { contentType: 'text/plain\r\nX-Evil: 1' }))).toMatchObject({ option: 'contentType' });
    expect(await put((r) => r.reports.put('k', { not: 'bytes' }))).toMatchObject({ option: 'data' });
    expect(await put((r) => r.reports.downloadUrl('k', { expiresInSeconds: 0 }))).toMatchObject({ option: 'expiresInSeconds' });
    expect(await put((r) => r.reports.downloadUrl('k', { expiresInSeconds: 8 * 24 * 3600 }))).toMatchObject({ option: 'expiresInSeconds' });
    expect(mem.keys(reports)).toEqual([]);
  });
});

describe('topics', () => {
  it('publishes with attributes named like prototype members, kept as given', async () => {
    const mem = memoryResources();
    const attributes = JSON.parse('{"constructor":"c","toString":"t","kind":"created"}') as Record<string, string>;
    expect(await thrown({ events: events.publish }, (r) => r.events.publish({ id: 1 }, { attributes }), { resources: mem })).toBeUndefined();
    const [sent] = mem.published(events);
    expect(Object.entries(sent!.attributes)).toEqual([['constructor', 'c'], ['toString', 't'], ['kind', 'created']]);
    expect(({} as Record<string, unknown>)['kind']).toBeUndefined();
  });

  // Azure Functions hands a Service Bus message's application properties over with the first letter
  // lowercased and without `__proto__`: names it would change are refused on every provider.
  it.each([[JSON.parse('{"__proto__":"p"}') as Record<string, string>], [{ Priority: 'high' }]])('refuses an attribute name a consumer would not receive as sent %#', async (attributes) => {
    const mem = memoryResources();
    const error = await thrown({ events: events.publish }, (r) => r.events.publish({}, { attributes }), { resources: mem });
    expect(error).toBeInstanceOf(InvalidOutputOptionError);
    expect((error as Error).message).toContain('Azure Functions lowercases a first capital and drops "__proto__"');
    expect(mem.published(events)).toEqual([]);
  });

  it.each([
    [{ 'aws.trace': 'x' }],
    [{ 'a b': 'x' }],
    [{ k: '' }],
    [{ k: 'a\u0000' }],
    [Object.fromEntries(Array.from({ length: 11 }, (_, i) => [`k${i}`, 'v']))],
  ])('refuses the attributes %#', async (attributes) => {
    const mem = memoryResources();
    expect(await thrown({ events: events.publish }, (r) => r.events.publish({}, { attributes }), { resources: mem })).toBeInstanceOf(InvalidOutputOptionError);
    expect(mem.published(events)).toEqual([]);
  });

  it('publishes a CloudEvent in binary mode, and refuses one without type or with CR/LF in source', async () => {
    const mem = memoryResources();
    const time = new Date('2026-01-01T00:00:00Z');
    await thrown({ events: events.publish }, (r) => r.events.publishEvent({ type: 'order.created', source: '/orders', id: 'e-1', time, data: { id: 'o' } }), { resources: mem });
    expect(mem.published(events)[0]).toMatchObject({
      body: { id: 'o' },
      attributes: { 'ce-specversion': '1.0', 'ce-type': 'order.created', 'ce-source': '/orders', 'ce-id': 'e-1', 'ce-time': '2026-01-01T00:00:00.000Z' },
    });
    expect(await thrown({ events: events.publish }, (r) => r.events.publishEvent({ source: '/o', data: 1 }), { resources: mem })).toMatchObject({ option: 'type' });
    expect(await thrown({ events: events.publish }, (r) => r.events.publishEvent({ type: 't', source: '/o\r\nx', data: 1 }), { resources: mem })).toMatchObject({ option: 'source' });
  });
});

describe('deliver', () => {
  const Report = z.object({ orderId: z.string(), total: z.number() });
  const receipts = bucket('receipts');
  const done = topic('order-done', { schema: Report });

  function app(seen: unknown[], flaky: { failures: number }) {
    return {
      api: defineHttp({
        method: 'POST',
        body: Order,
        uses: { orders: orders.send },
        handler: async (req, ctx) => {
          await ctx.resources.orders.send(req.body);
          return noContent();
        },
      }),
      worker: defineQueue({
        queue: orders,
        uses: { receipts: receipts.write },
        handler: async (msg, ctx) => {
          if (flaky.failures-- > 0) throw new Error('flaky');
          await ctx.resources.receipts.put(`r/${msg.body.id}.json`, JSON.stringify(msg.body), { contentType: 'application/json' });
        },
      }),
      onReceipt: defineStorage({
        bucket: receipts,
        changes: ['created'],
        uses: { receipts: receipts.read, done: done.publish },
        handler: async (obj, ctx) => {
          const receipt = (await ctx.resources.receipts.get(obj.key))?.json() as { id: string; total: number };
          await ctx.resources.done.publishEvent({ type: 'com.example.order.done', source: '/orders', data: { orderId: receipt.id, total: receipt.total } });
        },
      }),
      onDone: defineCloudEvent({
        types: ['com.example.order.done'],
        schema: Report,
        handler: async (event) => void seen.push(event.data),
      }),
    };
  }

  it('runs the whole chain: HTTP -> queue -> bucket -> CloudEvent, with retries', async () => {
    const seen: unknown[] = [];
    const mod = app(seen, { failures: 2 });
    const mem = memoryResources();
    const res = await invoke(mod.api, httpRequest({ method: 'POST', json: { id: 'o-7', total: 12 } }), { resources: mem });
    expect(res.status).toBe(204);
    const report = await mem.deliver(mod);
    expect(report.ok).toBe(true);
    expect(report.deliveries.map((d) => [d.function, d.attempt, d.status])).toEqual([
      ['worker', 1, 'failed'],
      ['worker', 2, 'failed'],
      ['worker', 3, 'ok'],
      ['onReceipt', 1, 'ok'],
      ['onDone', 1, 'ok'],
    ]);
    expect(seen).toEqual([{ orderId: 'o-7', total: 12 }]);
    expect(mem.keys(receipts)).toEqual(['r/o-7.json']);
    expect(report.logs.messages('error')).toEqual(['Event handler failed', 'Event handler failed']);
  });

  it('reports what failed every attempt, and what nothing consumes', async () => {
    const mem = memoryResources();
    const mod = app([], { failures: 99 });
    await invoke(mod.api, httpRequest({ method: 'POST', json: { id: 'o-8', total: 1 } }), { resources: mem });
    const report = await mem.deliver(mod, { maxAttempts: 2 });
    expect(report.ok).toBe(false);
    expect(report.failed).toMatchObject([{ function: 'worker', attempts: 2 }]);
    expect((report.failed[0]?.error as Error).message).toBe('flaky');
    const other = memoryResources();
    await invoke(mod.api, httpRequest({ method: 'POST', json: { id: 'o-9', total: 1 } }), { resources: other });
    const none = await other.deliver({ onDone: mod.onDone });
    expect(none.unconsumed).toMatchObject([{ resource: 'queue:orders' }]);
    expect(none.ok).toBe(true);
  });

  it('stops a consumer that feeds itself after maxRounds, and says how much is pending', async () => {
    const loop = queue('loop');
    const mod = { again: defineQueue({ queue: loop, uses: { loop: loop.send }, handler: async (msg, ctx) => void (await ctx.resources.loop.send(msg.body)) }) };
    const mem = memoryResources();
    await mod.again.handler(message({ body: 1 }), createContext({ resources: mem.source, logSink: () => {} }));
    const report = await mem.deliver(mod, { maxRounds: 5 });
    expect(report.deliveries).toHaveLength(5);
    expect(report.pending).toBe(1);
    expect(report.ok).toBe(false);
  });
});
