import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  defineHttp, defineQueue, defineTopic, InvalidOutputOptionError, json, MessageTooLargeError, PartialBatchError, ProviderError, queue, ResourceUnavailableError, topic,
} from 'onefn';
import type { ResourceDriverSource } from 'onefn/runtime';
import { serve } from '@onefn/azure';
import { AZURE_LIMITS, createAzureDriver, SERVICE_BUS_LIMITS, toServiceBusMessage, type AzureDriver } from '@onefn/azure/resources';
import { azureHost, httpResult, rpcHttp, rpcQueueMessage, rpcServiceBusMessage } from '@onefn/azure/testing';
import { type LoopbackServiceBus, type RecordedMessage, startServiceBus } from './service-bus-broker.js';

// Service Bus outputs through the real @azure/service-bus client (AMQP 1.0 over rhea) into a loopback
// namespace, asserting the exact messages that arrive, and round-tripping them into Service Bus
// trigger invocations through @azure/functions' own pipeline.

// The storage clients are created but never called here: the development-storage string is enough.
const STORAGE = 'UseDevelopmentStorage=true';
const Order = z.object({ id: z.string(), total: z.number() });
const orders = queue('orders', { schema: Order });
const events = topic('order-events', { schema: Order });

let sb: LoopbackServiceBus;
const drivers: AzureDriver[] = [];
const host = azureHost();

async function driverFor(messaging: 'storageQueue' | 'serviceBus', env: Record<string, string> = {}): Promise<AzureDriver> {
  const driver = await createAzureDriver({ messaging, env: { AzureWebJobsStorage: STORAGE, ServiceBusConnection: sb.connectionString, ...env } });
  drivers.push(driver);
  return driver;
}

beforeAll(async () => {
  sb = await startServiceBus(['orders', 'order-events-prod', 'jobs', 'audit']);
});
afterAll(async () => {
  await Promise.all(drivers.map((d) => d.close()));
  await sb?.stop();
});
beforeEach(() => {
  host.reset();
  sb.messages.length = 0;
  sb.transfers.length = 0;
  sb.links.length = 0;
});

/** What the Functions host hands a Service Bus-triggered function for a message that arrived. */
function asTrigger(m: RecordedMessage) {
  const props = Object.fromEntries(Object.entries(m.applicationProperties).map(([k, v]) => [k, String(v)]));
  return rpcServiceBusMessage({
    body: m.body.toString('utf8'),
    messageId: String(m.messageId),
    applicationProperties: props,
    ...(m.contentType ? { contentType: m.contentType } : {}),
    ...(m.sessionId ? { sessionId: m.sessionId } : {}),
  });
}

/** Runs `body` inside a queue-triggered function with these uses, returning what it threw and answered. */
async function run(source: ResourceDriverSource, uses: never, body: (r: any) => Promise<unknown>): Promise<{ error: unknown; value: unknown }> {
  let error: unknown;
  let value: unknown;
  host.reset();
  serve(
    {
      job: defineQueue({
        queue: 'trigger',
        uses,
        handler: async (_m, ctx) => {
          try {
            value = await body((ctx as unknown as { resources: unknown }).resources);
          } catch (e) {
            error = e;
          }
        },
      }),
    },
    { resources: source },
  );
  await host.invoke('job', rpcQueueMessage({ body: '{}' }));
  return { error, value };
}

describe('topics: publish through ServiceBusClient, read back by the serviceBusTopic trigger', () => {
  it('HTTP -> topic (named by ONEFN_TOPIC_*) -> topic trigger: the same body and attributes', async () => {
    const driver = await driverFor('storageQueue', { ONEFN_TOPIC_ORDER_EVENTS: 'order-events-prod' });
    const seen: unknown[] = [];
    serve(
      {
        api: defineHttp({
          method: 'POST', route: '/orders', body: Order, uses: { events: events.publish },
          handler: async (req, ctx) => json(await ctx.resources.events.publish(req.body, { attributes: { tenant: 'acme', 'kind.v2': 'order' } }), { status: 202 }),
        }),
        audit: defineTopic({ topic: events, handler: async (msg) => void seen.push({ body: msg.body, attributes: { ...msg.attributes }, id: msg.id }) }),
      },
      { resources: () => driver },
    );
    const posted = await host.invoke('api', rpcHttp({ method: 'POST', url: '/api/orders', headers: { 'content-type': 'application/json' }, body: '{"id":"o-1","total":12.5}' }));
    expect(posted.status).toBe('success');
    const answer = JSON.parse(new TextDecoder().decode(httpResult(posted).body)) as { id: string };

    expect(sb.messages).toHaveLength(1);
    const [m] = sb.messages as [RecordedMessage];
    expect(m).toMatchObject({
      entity: 'order-events-prod', batched: false, messageId: answer.id, contentType: 'application/json', sessionId: undefined, scheduledEnqueueTimeUtc: undefined,
      applicationProperties: { tenant: 'acme', 'kind.v2': 'order' },
    });
    expect(m.body.toString('utf8')).toBe('{"id":"o-1","total":12.5}');
    expect(answer.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(sb.tokens).toContain(`sb://${sb.host}/order-events-prod`);

    const delivered = await host.invoke('audit', asTrigger(m));
    expect(delivered.status).toBe('success');
    expect(seen).toEqual([{ body: { id: 'o-1', total: 12.5 }, attributes: { tenant: 'acme', 'kind.v2': 'order', contentType: 'application/json' }, id: answer.id }]);
  });

  it('publishes a CloudEvent: data as the body, ce- application properties, the data content type', async () => {
    const driver = await driverFor('storageQueue', { ONEFN_TOPIC_ORDER_EVENTS: 'order-events-prod' });
    const at = new Date('2026-05-01T10:00:00.000Z');
    const { error, value } = await run(() => driver, { events: events.publish } as never, (r) =>
      r.events.publishEvent({ type: 'com.example.order.done', source: '/orders', subject: 'o-2', id: 'evt-1', time: at, data: { id: 'o-2', total: 3 } }));
    expect(error).toBeUndefined();
    const [m] = sb.messages as [RecordedMessage];
    expect(value).toEqual({ id: m.messageId });
    expect(m.body.toString('utf8')).toBe('{"id":"o-2","total":3}');
    expect(m.contentType).toBe('application/json');
    expect(m.applicationProperties).toEqual({
      'ce-specversion': '1.0', 'ce-type': 'com.example.order.done', 'ce-source': '/orders', 'ce-id': 'evt-1', 'ce-time': at.toISOString(),
      'ce-datacontenttype': 'application/json', 'ce-subject': 'o-2',
    });
    const seen: Array<Record<string, string>> = [];
    host.reset();
    serve({ audit: defineTopic({ topic: events, handler: async (msg) => void seen.push({ ...msg.attributes }) }) });
    expect((await host.invoke('audit', asTrigger(m))).status).toBe('success');
    expect(seen[0]).toMatchObject({ 'ce-type': 'com.example.order.done', 'ce-id': 'evt-1', 'ce-source': '/orders' });
  });

  it('keeps one client and one sender link per entity for the instance', async () => {
    const driver = await driverFor('storageQueue', { ONEFN_TOPIC_ORDER_EVENTS: 'order-events-prod' });
    for (let i = 0; i < 3; i++) expect((await run(() => driver, { events: events.publish } as never, (r) => r.events.publish({ id: `o-${i}`, total: i }))).error).toBeUndefined();
    expect(sb.messages.map((m) => m.body.toString())).toEqual(['{"id":"o-0","total":0}', '{"id":"o-1","total":1}', '{"id":"o-2","total":2}']);
    expect(sb.links).toEqual(['order-events-prod']);
  });

  it('concurrent first sends from a fresh driver still open one sender link', async () => {
    const driver = await driverFor('serviceBus');
    const sent = await Promise.all(Array.from({ length: 5 }, (_, i) => driver.sendMessages('jobs', [{ body: String(i), attributes: {} }])));
    expect(sent.flat().every((o) => o.ok)).toBe(true);
    expect(sb.links).toEqual(['jobs']);
    expect(sb.messages.map((m) => m.body.toString()).sort()).toEqual(['0', '1', '2', '3', '4']);
  });

  it('applies Service Bus limits to topics and Storage Queue limits to queues in a storageQueue app', async () => {
    const driver = await driverFor('storageQueue');
    expect(driver.limitsOf('topic')).toBe(SERVICE_BUS_LIMITS);
    expect(driver.limitsOf('queue')).toBe(AZURE_LIMITS);
    const audit = topic('audit');
    // 100 KB: beyond a Storage queue message (48 KiB), within a Service Bus one.
    expect((await run(() => driver, { audit: audit.publish } as never, (r) => r.audit.publish('x'.repeat(100_000)))).error).toBeUndefined();
    expect(sb.messages[0]?.body.byteLength).toBe(100_002);
    const group = await run(() => driver, { orders: orders.send } as never, (r) => r.orders.send({ id: 'a', total: 1 }, { groupId: 'g' }));
    expect(group.error).toMatchObject({ option: 'groupId' });
  });
});

describe('queues on Service Bus (messaging: serviceBus)', () => {
  it('register hands its messaging to the driver source: send -> Service Bus queue -> serviceBusQueue trigger', async () => {
    const settings: unknown[] = [];
    const source = Object.assign(() => Promise.reject(new Error('register must use the configured source')), {
      configure(s: object) {
        settings.push(s);
        return () => driverFor('serviceBus');
      },
    });
    const seen: unknown[] = [];
    serve(
      {
        api: defineHttp({ method: 'POST', route: '/orders', body: Order, uses: { orders: orders.send }, handler: async (req, ctx) => json(await ctx.resources.orders.send(req.body, { groupId: 'tenant-1', dedupeId: 'order-o-9', delaySeconds: 120 }), { status: 202 }) }),
        worker: defineQueue({ queue: orders, handler: async (msg) => void seen.push({ body: msg.body, key: msg.orderingKey, id: msg.id }) }),
      },
      { messaging: 'serviceBus', serviceBusConnection: 'ServiceBusConnection', resources: source },
    );
    // Once per app: both functions share the configured source.
    expect(settings).toEqual([{ messaging: 'serviceBus', storageConnection: 'AzureWebJobsStorage', serviceBusConnection: 'ServiceBusConnection' }]);
    const before = Date.now();
    const posted = await host.invoke('api', rpcHttp({ method: 'POST', url: '/api/orders', headers: { 'content-type': 'application/json' }, body: '{"id":"o-9","total":4}' }));
    const after = Date.now();
    expect(posted.status).toBe('success');
    expect(JSON.parse(new TextDecoder().decode(httpResult(posted).body))).toEqual({ id: 'order-o-9' });
    const [m] = sb.messages as [RecordedMessage];
    expect(m).toMatchObject({ entity: 'orders', messageId: 'order-o-9', sessionId: 'tenant-1', contentType: 'application/json', applicationProperties: {} });
    expect(m.body.toString()).toBe('{"id":"o-9","total":4}');
    const scheduled = m.scheduledEnqueueTimeUtc!.getTime();
    expect(scheduled).toBeGreaterThanOrEqual(before + 120_000);
    expect(scheduled).toBeLessThanOrEqual(after + 120_000);

    expect((await host.invoke('worker', asTrigger(m))).status).toBe('success');
    expect(seen).toEqual([{ body: { id: 'o-9', total: 4 }, key: 'tenant-1', id: 'order-o-9' }]);
  });

  it('sendBatch: split at 100 entries per send, every message in order, each its own id', async () => {
    const driver = await driverFor('serviceBus');
    const bodies = Array.from({ length: 250 }, (_, i) => ({ id: `o-${i}`, total: i }));
    const { error, value } = await run(() => driver, { orders: orders.send } as never, (r) => r.orders.sendBatch(bodies, { groupId: 'g' }));
    expect(error).toBeUndefined();
    expect(sb.transfers).toEqual([{ entity: 'orders', count: 100 }, { entity: 'orders', count: 100 }, { entity: 'orders', count: 50 }]);
    expect(sb.messages.map((m) => JSON.parse(m.body.toString()))).toEqual(bodies);
    expect(sb.messages.every((m) => m.batched && m.sessionId === 'g')).toBe(true);
    expect((value as { ids: string[] }).ids).toEqual(sb.messages.map((m) => m.messageId));
    expect(new Set((value as { ids: string[] }).ids).size).toBe(250);
  });

  it('packs a send by the exact AMQP size the link allows: three 100 KB messages go as two batches', async () => {
    const driver = await driverFor('serviceBus');
    const big = { body: JSON.stringify('y'.repeat(100_000)), attributes: {} };
    const outcomes = await driver.sendMessages('orders', [big, big, big]);
    expect(outcomes.every((o) => o.ok)).toBe(true);
    expect(sb.transfers).toEqual([{ entity: 'orders', count: 2 }, { entity: 'orders', count: 1 }]);
  });

  it('a message at the limit goes, one byte more is refused before any call', async () => {
    const driver = await driverFor('serviceBus');
    const limit = SERVICE_BUS_LIMITS.messageBytes;
    const fits = await run(() => driver, { orders: queue('orders').send } as never, (r) => r.orders.send('x'.repeat(limit - 2), { dedupeId: 'd'.repeat(128), groupId: 's'.repeat(128), delaySeconds: 5 }));
    expect(fits.error).toBeUndefined();
    expect(sb.messages[0]?.body.byteLength).toBe(limit);
    const over = await run(() => driver, { orders: queue('orders').send } as never, (r) => r.orders.send('x'.repeat(limit - 1)));
    expect(over.error).toBeInstanceOf(MessageTooLargeError);
    expect(sb.transfers).toHaveLength(1);
  });
});

describe('refusals and bad input', () => {
  it("an entity the namespace does not have: Service Bus's MessagingEntityNotFound as a ProviderError", async () => {
    const driver = await driverFor('serviceBus');
    const { error } = await run(() => driver, { missing: queue('missing-queue').send } as never, (r) => r.missing.send({}));
    expect(error).toBeInstanceOf(ProviderError);
    expect(error).toMatchObject({ providerCode: 'MessagingEntityNotFound', resource: 'queue:missing-queue' });
  });

  it('a refused send is a ProviderError with the code; a refused later batch is a PartialBatchError that loses nothing', async () => {
    const driver = await driverFor('serviceBus');
    // A refusal the SDK does not retry (it retries throttling and UnauthorizedAccess with its own policy).
    sb.refuseNext('jobs', 'amqp:link:message-size-exceeded', 'The received message exceeds the limit');
    const jobs = queue('jobs');
    const { error } = await run(() => driver, { jobs: jobs.send } as never, (r) => r.jobs.send({ n: 1 }));
    expect(error).toBeInstanceOf(ProviderError);
    expect(error).toMatchObject({ providerCode: 'MessageSizeExceeded', providerMessage: 'The received message exceeds the limit', resource: 'queue:jobs' });
    expect(sb.messages).toHaveLength(0);

    sb.refuseNext('jobs', 'amqp:link:message-size-exceeded', 'The received message exceeds the limit', 1);
    const batch = await run(() => driver, { jobs: jobs.send } as never, (r) => r.jobs.sendBatch(Array.from({ length: 150 }, (_, i) => ({ n: i }))));
    expect(batch.error).toBeInstanceOf(PartialBatchError);
    const partial = batch.error as PartialBatchError;
    expect(partial.sent.map((s) => s.index)).toEqual(Array.from({ length: 100 }, (_, i) => i));
    expect(partial.failed.map((f) => f.index)).toEqual(Array.from({ length: 50 }, (_, i) => 100 + i));
    expect(sb.messages).toHaveLength(100);
  });

  it('refuses attributes the Service Bus header cannot carry, before any call', async () => {
    const driver = await driverFor('storageQueue');
    const audit = topic('audit');
    const one = await run(() => driver, { audit: audit.publish } as never, (r) => r.audit.publish({}, { attributes: { big: 'v'.repeat(33 * 1024) } }));
    expect(one.error).toBeInstanceOf(InvalidOutputOptionError);
    const many = Object.fromEntries(Array.from({ length: 3 }, (_, i) => [`k${i}`, 'v'.repeat(30 * 1024)]));
    const all = await run(() => driver, { audit: audit.publish } as never, (r) => r.audit.publish({}, { attributes: many }));
    expect(all.error).toMatchObject({ option: 'attributes' });
    expect(sb.transfers).toHaveLength(0);
  });

  it('carries hostile attribute names and values as plain properties', async () => {
    const driver = await driverFor('storageQueue');
    const audit = topic('audit');
    const attributes = JSON.parse('{"__proto__":"p","constructor":"c","line":"a\\r\\nb"}') as Record<string, string>;
    // `__proto__` is refused before any call on every provider (the Functions host would not hand it over, below).
    const refused = await run(() => driver, { audit: audit.publish } as never, (r) => r.audit.publish({ ok: true }, { attributes }));
    expect(refused.error).toMatchObject({ code: 'INVALID_OUTPUT_OPTION', option: 'attributes' });
    expect(sb.transfers).toHaveLength(0);
    const { ['__proto__']: _dropped, ...portable } = Object.fromEntries(Object.entries(attributes));
    const { error } = await run(() => driver, { audit: audit.publish } as never, (r) => r.audit.publish({ ok: true }, { attributes: portable }));
    expect(error).toBeUndefined();
    // What the driver hands the SDK keeps `__proto__` as a property of its own (a producer other than
    // onefn's publish may send one).
    const prepared = toServiceBusMessage({ body: '{}', attributes }, 0);
    expect(Object.getOwnPropertyDescriptor(prepared.applicationProperties, '__proto__')?.value).toBe('p');
    expect(Object.getPrototypeOf(prepared.applicationProperties)).toBe(Object.prototype);
    const props = sb.messages[0]!.applicationProperties;
    expect(props).toMatchObject({ constructor: 'c', line: 'a\r\nb' });
    // Delivered back with a `__proto__` property, the consumer runs, its other attributes intact, and
    // no prototype is touched (the library's metadata conversion does not carry that one name).
    const seen: Array<Record<string, string>> = [];
    host.reset();
    serve({ audit: defineTopic({ topic: audit, handler: async (msg) => void seen.push(msg.attributes as Record<string, string>) }) });
    const delivered = rpcServiceBusMessage({ body: '{"ok":true}', messageId: 'm-1', applicationProperties: attributes });
    expect((await host.invoke('audit', delivered)).status).toBe('success');
    expect(seen[0]).toMatchObject({ constructor: 'c', line: 'a\r\nb' });
    expect(({} as Record<string, unknown>)['p']).toBeUndefined();
  });

  it('without a Service Bus setting: a ResourceUnavailableError naming both forms; a malformed one is named too', async () => {
    const none = await createAzureDriver({ env: { AzureWebJobsStorage: STORAGE } });
    const missing = await run(() => none, { events: events.publish } as never, (r) => r.events.publish({ id: 'a', total: 1 }));
    expect(missing.error).toBeInstanceOf(ResourceUnavailableError);
    expect((missing.error as Error).message).toContain('ServiceBusConnection__fullyQualifiedNamespace');
    const bad = await createAzureDriver({ env: { AzureWebJobsStorage: STORAGE, Bus: 'not a connection string' }, serviceBusConnection: 'Bus' });
    const malformed = await run(() => bad, { events: events.publish } as never, (r) => r.events.publish({ id: 'a', total: 1 }));
    expect(malformed.error).toBeInstanceOf(ResourceUnavailableError);
    expect((malformed.error as Error).message).toContain('the setting Bus is not a usable Service Bus connection');
    expect((malformed.error as Error).message).not.toContain('not a connection string');
  });
});
