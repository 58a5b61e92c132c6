import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { ServiceBusManagementClient } from '@azure/arm-servicebus';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bucket, defineHttp, defineQueue, defineTopic, json, queue, topic } from 'onefn';
import { serve } from '@onefn/azure';
import {
  buildFunctionApp, ensureServiceBusEntities, needsServiceBus, serviceBusGrants, serviceBusNeeds, serviceBusSettings, serviceBusSteps,
} from '@onefn/azure/deploy';
import { azureHost } from '@onefn/azure/testing';

// Deploy's Service Bus part: what an app needs, the settings and least-privilege grants it gets, and
// the entities ensured through the real @azure/arm-servicebus client against a loopback ARM.

const SUB = '00000000-1111-2222-3333-444444444444';
const NS_ID = `/subscriptions/${SUB}/resourceGroups/rg/providers/Microsoft.ServiceBus/namespaces/acme-bus`;
const host = azureHost();

const orders = queue('orders');
const events = topic('order-events');
const reports = bucket('reports');
const app = {
  api: defineHttp({ method: 'POST', route: '/orders', uses: { orders: orders.send, events: events.publish }, env: { ONEFN_TOPIC_ORDER_EVENTS: 'order-events-prod' }, handler: () => json({}) }),
  worker: defineQueue({ queue: orders, uses: { events: events.publish, reports: reports.write }, handler: () => undefined }),
  audit: defineTopic({ topic: 'order-events-prod', handler: () => undefined }),
};

function specs(messaging: 'storageQueue' | 'serviceBus') {
  host.reset();
  return serve(app, { messaging });
}

describe('serviceBusNeeds, settings and grants', () => {
  it('a storageQueue app: topics only, their real names, sender on each topic, receiver on each subscription', () => {
    const needs = serviceBusNeeds(specs('storageQueue'), { messaging: 'storageQueue' });
    expect(needs.sends).toEqual([
      { kind: 'topic', name: 'order-events', entity: 'order-events-prod', functions: ['api'] },
      { kind: 'topic', name: 'order-events', entity: 'order-events', functions: ['worker'] },
    ]);
    expect(needs.triggers).toEqual([{ kind: 'topic', entity: 'order-events-prod', subscription: 'audit', function: 'audit', connection: 'ServiceBusConnection', sessions: false }]);
    expect(serviceBusSettings(needs, { namespace: 'acme-bus' })).toEqual({
      ONEFN_TOPIC_ORDER_EVENTS: 'order-events',
      ServiceBusConnection__fullyQualifiedNamespace: 'acme-bus.servicebus.windows.net',
    });
    const role = (id: string) => `/subscriptions/${SUB}/providers/Microsoft.Authorization/roleDefinitions/${id}`;
    expect(serviceBusGrants(needs, { subscriptionId: SUB, namespaceId: NS_ID })).toEqual([
      { role: 'Azure Service Bus Data Sender', roleDefinitionId: role('69a216fc-b8fb-44d8-bc22-1f3c2cd27a39'), scope: `${NS_ID}/topics/order-events-prod`, reason: 'topic:order-events publish (api)' },
      { role: 'Azure Service Bus Data Sender', roleDefinitionId: role('69a216fc-b8fb-44d8-bc22-1f3c2cd27a39'), scope: `${NS_ID}/topics/order-events`, reason: 'topic:order-events publish (worker)' },
      { role: 'Azure Service Bus Data Receiver', roleDefinitionId: role('4f6d3b9b-027b-4f4c-9142-0e5a2a2247e0'), scope: `${NS_ID}/topics/order-events-prod/subscriptions/audit`, reason: 'topic:order-events-prod receive (audit)' },
    ]);
  });

  it('a serviceBus app: queues too, sent to and read; a connection string where no identity is used', () => {
    const needs = serviceBusNeeds(specs('serviceBus'), { messaging: 'serviceBus' });
    expect(needs.sends.map((s) => `${s.kind}:${s.entity}`)).toEqual(['queue:orders', 'topic:order-events-prod', 'topic:order-events']);
    expect(needs.triggers.map((t) => `${t.kind}:${t.entity}:${t.function}`)).toEqual(['queue:orders:worker', 'topic:order-events-prod:audit']);
    expect(serviceBusSettings(needs, { connectionString: 'Endpoint=sb://acme-bus.servicebus.windows.net/;SharedAccessKeyName=send;SharedAccessKey=k' })).toEqual({
      ONEFN_QUEUE_ORDERS: 'orders',
      ONEFN_TOPIC_ORDER_EVENTS: 'order-events',
      ServiceBusConnection: 'Endpoint=sb://acme-bus.servicebus.windows.net/;SharedAccessKeyName=send;SharedAccessKey=k',
    });
    expect(serviceBusGrants(needs, { subscriptionId: SUB, namespaceId: NS_ID }).map((g) => `${g.role.split(' ').pop()} ${g.scope.slice(NS_ID.length)}`)).toEqual([
      'Sender /queues/orders', 'Sender /topics/order-events-prod', 'Sender /topics/order-events', 'Receiver /queues/orders', 'Receiver /topics/order-events-prod/subscriptions/audit',
    ]);
    expect(serviceBusSteps(needs, 'acme-bus')).toEqual([
      'ensure Service Bus queue orders in acme-bus',
      'ensure Service Bus topic order-events-prod in acme-bus',
      'ensure Service Bus topic order-events in acme-bus',
      'ensure Service Bus subscription audit on topic order-events-prod in acme-bus',
    ]);
  });

  it('an app with no topic and Storage queues needs no Service Bus', () => {
    host.reset();
    const needs = serviceBusNeeds(serve({ worker: app.worker }), { messaging: 'storageQueue' });
    expect(needsServiceBus({ ...needs, sends: needs.sends.filter((s) => s.kind !== 'topic') })).toBe(false);
    expect(serviceBusSettings({ ...needs, sends: [], triggers: [] }, { namespace: 'x' })).toEqual({});
  });
});

describe('ensureServiceBusEntities through @azure/arm-servicebus', () => {
  const calls: Array<{ method: string; path: string; body: string }> = [];
  let base = '';
  const server = createServer((req: IncomingMessage, res) => {
    const parts: Buffer[] = [];
    req.on('data', (c: Buffer) => parts.push(c));
    req.on('end', () => {
      const path = new URL(req.url ?? '/', 'http://x').pathname;
      calls.push({ method: req.method ?? '', path, body: Buffer.concat(parts).toString('utf8') });
      const exists = path.endsWith('/topics/order-events-prod') || req.method === 'PUT';
      res.writeHead(exists ? 200 : 404, { 'content-type': 'application/json' });
      res.end(JSON.stringify(exists ? { id: path, name: path.split('/').pop() } : { error: { code: 'NotFound', message: 'not found' } }));
    });
  });
  beforeAll(async () => {
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise<void>((done) => server.close(() => done()));
  });

  it('creates what is missing, leaves what exists, with the exact ARM calls', async () => {
    const credential = { getToken: async () => ({ token: 'fake-token', expiresOnTimestamp: Date.now() + 3_600_000 }) };
    const client = new ServiceBusManagementClient(credential, SUB, { endpoint: base, allowInsecureConnection: true });
    // The SDK's bearer policy refuses http URLs; on loopback the token goes without it.
    client.pipeline.removePolicy({ name: 'bearerTokenAuthenticationPolicy' });
    const needs = serviceBusNeeds(specs('serviceBus'), { messaging: 'serviceBus' });
    const logged: string[] = [];
    const created = await ensureServiceBusEntities(client, 'rg', 'acme-bus', needs, async (name, run) => {
      logged.push(name);
      return run();
    });
    expect(logged).toEqual(serviceBusSteps(needs, 'acme-bus'));
    expect(created).toEqual(['Service Bus queue orders in acme-bus', 'Service Bus topic order-events in acme-bus', 'Service Bus subscription audit on topic order-events-prod in acme-bus']);
    const ns = `/subscriptions/${SUB}/resourceGroups/rg/providers/Microsoft.ServiceBus/namespaces/acme-bus`;
    expect(calls.map((c) => `${c.method} ${c.path}${c.method === 'PUT' ? ` ${c.body}` : ''}`)).toEqual([
      `GET ${ns}/queues/orders`, `PUT ${ns}/queues/orders {}`,
      `GET ${ns}/topics/order-events-prod`,
      `GET ${ns}/topics/order-events`, `PUT ${ns}/topics/order-events {}`,
      `GET ${ns}/topics/order-events-prod/subscriptions/audit`, `PUT ${ns}/topics/order-events-prod/subscriptions/audit {}`,
    ]);
  });
});

describe('the bundle carries the Service Bus client only when the app sends to Service Bus', () => {
  it('a bucket-only app leaves @azure/service-bus out; a publishing app carries it', async () => {
    const dir = fileURLToPath(new URL('./fixtures/', import.meta.url));
    const bucketOnly = (await buildFunctionApp({ entry: `${dir}sb-bucket-only.ts` })).files['dist/index.mjs'] as string;
    const publishing = (await buildFunctionApp({ entry: `${dir}sb-publisher.ts` })).files['dist/index.mjs'] as string;
    expect(bucketOnly).not.toContain('rhea');
    expect(bucketOnly).toContain('this app was built without @azure/service-bus');
    expect(publishing).toContain('x-opt-scheduled-enqueue-time');
    expect(publishing.length - bucketOnly.length).toBeGreaterThan(300_000);
  }, 120_000);
});
