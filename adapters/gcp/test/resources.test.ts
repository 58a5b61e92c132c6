import { generateKeyPairSync } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { status as grpcStatus } from '@grpc/grpc-js';
import { bucket, defineHttp, defineTopic, noContent, ProviderError, queue, topic, type LogEntry } from 'onefn';
import { serve } from '@onefn/gcp';
import { createGcpDriver } from '@onefn/gcp/resources';
import { httpRequest, pubsubEvent, startServer, type TestServer } from '@onefn/gcp/testing';
import { FakeGcs, FakePubSub } from './fake-google-data.js';

// The Google Cloud resource driver with the real clients: @google-cloud/pubsub over gRPC to a loopback
// Publisher (its emulator mode: apiEndpoint, insecure), @google-cloud/storage over the JSON API to a
// loopback server; functions run through functions-framework's own server.

// Google's auth library would probe the GCE metadata server (169.254.169.254) for a project and
// credentials it does not need here; tests reach only 127.0.0.1.
process.env['METADATA_SERVER_DETECTION'] = 'none';

const pubsub = new FakePubSub();
const gcs = new FakeGcs();
const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
let driver: Awaited<ReturnType<typeof createGcpDriver>>;

const orders = queue('orders');
const events = topic('order-events');
const reports = bucket('reports');

let captured: { error: unknown; value: unknown } = { error: undefined, value: undefined };
let body: (r: any) => Promise<unknown> = async () => undefined;
const logs: LogEntry[] = [];
const mod = {
  // Each test sets `body`; the function reports what it returned or threw.
  api: defineHttp({
    uses: { orders: orders.send, events: events.publish, reports: reports.allow('read', 'write', 'delete') },
    handler: async (_req, ctx) => {
      try {
        captured.value = await body(ctx.resources);
      } catch (e) {
        captured.error = e;
      }
      return noContent();
    },
  }),
  relay: defineTopic({ topic: 'inbox', uses: { orders: orders.send }, handler: async (msg, ctx) => void (await ctx.resources.orders.send(msg.body)) }),
};
const servers: Record<string, TestServer> = {};

beforeAll(async () => {
  await Promise.all([pubsub.start(), gcs.start()]);
  driver = await createGcpDriver({
    env: { ONEFN_QUEUE_ORDERS: 'projects/demo/topics/orders-prod', ONEFN_BUCKET_REPORTS: 'reports-prod' },
    pubsub: { projectId: 'demo', apiEndpoint: pubsub.endpoint },
    storage: {
      projectId: 'demo',
      apiEndpoint: gcs.endpoint,
      credentials: { client_email: 'fn@demo.iam.gserviceaccount.com', private_key: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString() },
      retryOptions: { autoRetry: false },
    },
  });
  serve(mod, { resources: () => driver, logSink: (e) => void logs.push(e) });
  for (const name of Object.keys(mod)) servers[name] = await startServer(name);
});
afterAll(async () => {
  for (const s of Object.values(servers)) await s.close();
  await Promise.all([pubsub.stop(), gcs.stop()]);
});
beforeEach(() => {
  pubsub.calls.length = 0;
  gcs.calls.length = 0;
  captured = { error: undefined, value: undefined };
});

async function run(fn: (r: any) => Promise<unknown>): Promise<{ error: unknown; value: unknown }> {
  body = fn;
  const res = await (servers['api'] as TestServer).send(httpRequest({ method: 'POST', path: '/' }));
  expect(res.status).toBe(204);
  return captured;
}

describe('Pub/Sub', () => {
  it('publishes a queue message to its topic, with the ordering key, and a batch in one call', async () => {
    const one = await run((r) => r.orders.send({ id: 'o-1' }));
    expect(one.error).toBeUndefined();
    expect(one.value).toEqual({ id: 'ps-1' });
    expect(pubsub.calls).toEqual([{ op: 'Publish', input: { topic: 'projects/demo/topics/orders-prod', messages: [{ data: '{"id":"o-1"}', attributes: {}, orderingKey: '' }] } }]);
    pubsub.calls.length = 0;
    const many = await run((r) => r.orders.sendBatch([{ n: 1 }, { n: 2 }, { n: 3 }], { groupId: 'customer-7' }));
    expect(many.error).toBeUndefined();
    expect((many.value as { ids: string[] }).ids).toHaveLength(3);
    expect(pubsub.calls.map((c) => (c.input['messages'] as Array<{ orderingKey: string; data: string }>).map((m) => [m.data, m.orderingKey]))).toEqual([
      [['{"n":1}', 'customer-7'], ['{"n":2}', 'customer-7'], ['{"n":3}', 'customer-7']],
    ]);
  });

  it('publishes a topic message with attributes, and a CloudEvent as ce- attributes, in the function\'s project', async () => {
    const { error } = await run(async (r) => {
      await r.events.publish({ id: 1 }, { attributes: { kind: 'created' } });
      await r.events.publishEvent({ type: 'order.created', source: '/orders', id: 'e-1', time: new Date('2026-01-01T00:00:00Z'), data: { id: 1 } });
    });
    expect(error).toBeUndefined();
    expect(pubsub.calls[0]?.input).toEqual({ topic: 'projects/demo/topics/order-events', messages: [{ data: '{"id":1}', attributes: { kind: 'created' }, orderingKey: '' }] });
    expect((pubsub.calls[1]?.input['messages'] as Array<{ attributes: Record<string, string> }>)[0]?.attributes).toMatchObject({ 'ce-type': 'order.created', 'ce-source': '/orders', 'ce-id': 'e-1', 'ce-specversion': '1.0' });
  });

  it('refuses a delay, which Pub/Sub cannot make, before any call', async () => {
    const { error } = await run((r) => r.orders.send({}, { delaySeconds: 5 }));
    expect(error).toMatchObject({ code: 'INVALID_OUTPUT_OPTION', option: 'delaySeconds' });
    expect(pubsub.calls).toEqual([]);
  });

  it("turns Pub/Sub's refusal into a ProviderError with the gRPC status name and details", async () => {
    pubsub.failures.push({ code: grpcStatus.PERMISSION_DENIED, details: 'User not authorized to perform this action.' });
    const { error } = await run((r) => r.events.publish({}));
    expect(error).toBeInstanceOf(ProviderError);
    expect(error).toMatchObject({ providerCode: 'PERMISSION_DENIED', providerMessage: 'User not authorized to perform this action.', resource: 'topic:order-events' });
  });

  it('sends from a Pub/Sub-triggered function too (a push in, a Publish out)', async () => {
    const res = await (servers['relay'] as TestServer).send(pubsubEvent({ topic: 'inbox', data: '{"from":"inbox"}' }));
    expect(res.status).toBe(204);
    expect(pubsub.calls).toMatchObject([{ input: { topic: 'projects/demo/topics/orders-prod', messages: [{ data: '{"from":"inbox"}' }] } }]);
  });
});

describe('Cloud Storage', () => {
  it('puts, gets, heads, lists page by page and deletes, on the bucket the setting names', async () => {
    gcs.pageSize = 2;
    const seen: Record<string, unknown> = {};
    const { error } = await run(async (r) => {
      seen['etag'] = (await r.reports.put('daily/a b.json', '{"n":1}', { contentType: 'application/json' })).etag;
      await r.reports.put('daily/2.txt', 'två');
      await r.reports.put('daily/3.bin', new Uint8Array([0, 1, 255]));
      const got = await r.reports.get('daily/a b.json');
      seen['json'] = got.json();
      seen['type'] = got.contentType;
      seen['bytes'] = [...(await r.reports.get('daily/3.bin')).bytes()];
      seen['head'] = await r.reports.head('daily/2.txt');
      seen['missing'] = [await r.reports.get('daily/none'), await r.reports.head('daily/none')];
      const keys: string[] = [];
      for await (const o of r.reports.list('daily/')) keys.push(o.key);
      seen['keys'] = keys;
      await r.reports.delete('daily/2.txt');
      await r.reports.delete('daily/never');
    });
    expect(error).toBeUndefined();
    expect(seen).toMatchObject({
      json: { n: 1 }, type: 'application/json', bytes: [0, 1, 255], missing: [undefined, undefined],
      head: { key: 'daily/2.txt', size: 4, contentType: 'text/plain; charset=utf-8' }, keys: ['daily/2.txt', 'daily/3.bin', 'daily/a b.json'],
    });
    expect(seen['etag']).toBe('CK1EAE=');
    expect(gcs.calls[0]).toMatchObject({ op: 'objects.insert', input: { bucket: 'reports-prod', name: 'daily/a b.json', contentType: 'application/json', uploadType: 'multipart', data: '{"n":1}' } });
    expect(gcs.calls.filter((c) => c.op === 'objects.list').map((c) => c.input['pageToken'])).toEqual([undefined, 'daily/3.bin']);
    expect([...gcs.objects.keys()].sort()).toEqual(['reports-prod/daily/3.bin', 'reports-prod/daily/a b.json']);
  });

  it('signs V4 URLs locally with the service account key, without calling Cloud Storage', async () => {
    const { value, error } = await run(async (r) => [await r.reports.downloadUrl('daily/a b.json', { expiresInSeconds: 60 }), await r.reports.uploadUrl('in/x.png', { contentType: 'image/png' })]);
    expect(error).toBeUndefined();
    const [download, upload] = (value as string[]).map((u) => new URL(u));
    expect(download?.pathname).toContain('/reports-prod/daily/a%20b.json');
    expect(download?.searchParams.get('X-Goog-Algorithm')).toBe('GOOG4-RSA-SHA256');
    expect(download?.searchParams.get('X-Goog-Expires')).toBe('60');
    expect(download?.searchParams.get('X-Goog-Credential')).toMatch(/^fn@demo\.iam\.gserviceaccount\.com\//);
    expect(upload?.searchParams.get('X-Goog-SignedHeaders')).toContain('content-type');
    expect(gcs.calls).toEqual([]);
  });

  it("turns Cloud Storage's refusal into a ProviderError with the reason and status", async () => {
    gcs.failNext('objects.insert', 403, 'fn@demo.iam.gserviceaccount.com does not have storage.objects.create access');
    const { error } = await run((r) => r.reports.put('k', 'v'));
    expect(error).toBeInstanceOf(ProviderError);
    expect(error).toMatchObject({ status: 403, resource: 'bucket:reports' });
    expect((error as ProviderError).providerMessage).toContain('storage.objects.create');
  });
});
