import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { defineQueue, defineTopic, queue } from 'onefn';
import { DeployOptionError } from 'onefn/build';
import { runCli } from 'onefn/cli';
import { serve } from '@onefn/azure';
import { AzureDeployError, buildFunctionApp, checkServiceBusNeeds, deployFunctionApp, type DeployOptions, serviceBusNeeds as serviceBusNeedsOf, type ServiceBusNeeds } from '@onefn/azure/deploy';
import { azureHost } from '@onefn/azure/testing';
import { assignmentName } from '../src/deploy/identity.js';
import { expectReportShape } from '../../../test/cli/run.js';
import { credential, type FakeAzure, fakeAzure as startFake, type FakeAzureOptions, PRINCIPAL, SECRET, SUB, summary } from './fake-azure.js';

// `onefn deploy azure --service-bus <namespace>`: the queues, topics and subscriptions an app reads and
// declared in `uses`, ensured through @azure/arm-servicebus; keyless settings; Data Sender / Receiver
// for the app's identity on exactly each entity, through @azure/arm-authorization; all against a
// loopback ARM that records each call.

const entry = fileURLToPath(new URL('./fixtures/sb-deploy-app.ts', import.meta.url));
const NS = `/subscriptions/${SUB}/resourceGroups/rg/providers/Microsoft.ServiceBus/namespaces/acme-bus`;
const ACCOUNT = `/subscriptions/${SUB}/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts/acmeapi`;
const role = (guid: string): string => `/subscriptions/${SUB}/providers/Microsoft.Authorization/roleDefinitions/${guid}`;
const SENDER = role('69a216fc-b8fb-44d8-bc22-1f3c2cd27a39');
const RECEIVER = role('4f6d3b9b-027b-4f4c-9142-0e5a2a2247e0');
const API = '2021-11-01';

let running: FakeAzure | undefined;
afterEach(async () => {
  await running?.close();
  running = undefined;
});
async function fakeAzure(options: FakeAzureOptions = {}): Promise<FakeAzure> {
  running = await startFake(options);
  return running;
}

function options(base: string, extra: Partial<DeployOptions> = {}): DeployOptions {
  return {
    entry, subscriptionId: SUB, resourceGroup: 'rg', location: 'westeurope', app: 'acme-api', credential, armEndpoint: base, scmEndpoint: base, allowInsecureConnection: true, pollIntervalMs: 0,
    adapter: { messaging: 'serviceBus' }, serviceBus: 'acme-bus', ...extra,
  };
}

const busCalls = (fake: FakeAzure) => fake.calls.filter((c) => c.path.includes('/Microsoft.ServiceBus/') && !c.path.includes('roleAssignments'))
  .map((c) => `${c.method} ${c.path.slice(NS.length) || '/'}${c.query.get('api-version') === API ? '' : ` api-version=${c.query.get('api-version')}`}${c.method === 'PUT' ? ` ${c.body}` : ''}`);

const EXPECTED_GRANTS = [
  { role: 'Storage Blob Data Contributor', roleDefinitionId: role('ba92f5b4-2d11-453d-a403-e96b0029c9fe'), scope: `${ACCOUNT}/blobServices/default/containers/reports`, reason: 'bucket:reports write (worker)' },
  { role: 'Storage Blob Delegator', roleDefinitionId: role('db58b8e5-c6ad-4a2a-8342-4190687cbf4a'), scope: ACCOUNT, reason: 'signing download and upload URLs with the app\'s identity' },
  { role: 'Azure Service Bus Data Sender', roleDefinitionId: SENDER, scope: `${NS}/queues/orders`, reason: 'queue:orders send (api)' },
  { role: 'Azure Service Bus Data Sender', roleDefinitionId: SENDER, scope: `${NS}/topics/order-events`, reason: 'topic:order-events publish (api)' },
  // In the order of the planned functions: audit, then worker.
  { role: 'Azure Service Bus Data Receiver', roleDefinitionId: RECEIVER, scope: `${NS}/topics/order-events/subscriptions/audit`, reason: 'topic:order-events receive (audit)' },
  { role: 'Azure Service Bus Data Receiver', roleDefinitionId: RECEIVER, scope: `${NS}/queues/orders`, reason: 'queue:orders receive (worker)' },
];

const siteSettings = (fake: FakeAzure): Record<string, string> => {
  const site = JSON.parse(fake.calls.find((c) => c.method === 'PUT' && c.path.endsWith('/sites/acme-api'))?.body ?? '{}') as { properties: { siteConfig: { appSettings: { name: string; value: string }[] } } };
  return Object.fromEntries(site.properties.siteConfig.appSettings.map((s) => [s.name, s.value]));
};

describe('deploy ensures and grants the Service Bus entities of an app', () => {
  it('a session queue, a topic and its subscription: the exact ARM calls, the roles, and keyless settings', async () => {
    const fake = await fakeAzure({ serviceBus: { 'acme-bus': {} } });
    const lines: string[] = [];
    const result = await deployFunctionApp(options(fake.base, { progress: (l) => lines.push(l) }));
    expect(busCalls(fake)).toEqual([
      'GET /',
      'GET /queues/orders', 'PUT /queues/orders {"properties":{"requiresSession":true}}',
      'GET /topics/order-events', 'PUT /topics/order-events {}',
      'GET /topics/order-events/subscriptions/audit', 'PUT /topics/order-events/subscriptions/audit {}',
    ]);
    // Queues go to Service Bus with this messaging: no Storage queue; the worker's container stays in storage.
    expect(summary(fake.calls).filter((c) => (c.includes('queueServices') || c.includes('/containers/')) && !c.includes('roleAssignments'))).toEqual([
      'PUT /providers/Microsoft.Storage/storageAccounts/acmeapi/blobServices/default/containers/reports',
      'PUT /providers/Microsoft.Storage/storageAccounts/acmeapi/blobServices/default/containers/app-package-acme-api',
    ]);
    const roleCalls = fake.calls.filter((c) => c.path.includes('/providers/Microsoft.Authorization/roleAssignments/'));
    expect(roleCalls.map((c) => ({ method: c.method, path: c.path, apiVersion: c.query.get('api-version'), body: JSON.parse(c.body) }))).toEqual(
      EXPECTED_GRANTS.map((g) => ({
        method: 'PUT',
        path: `${g.scope}/providers/Microsoft.Authorization/roleAssignments/${assignmentName(g.scope, g.roleDefinitionId, PRINCIPAL)}`,
        apiVersion: '2022-04-01',
        body: { properties: { roleDefinitionId: g.roleDefinitionId, principalId: PRINCIPAL, principalType: 'ServicePrincipal', description: `onefn: ${g.reason}` } },
      })),
    );
    expect(result.roleAssignments).toEqual(EXPECTED_GRANTS);
    const settings = siteSettings(fake);
    expect(settings).toMatchObject({
      ServiceBusConnection__fullyQualifiedNamespace: 'acme-bus.servicebus.windows.net',
      ONEFN_QUEUE_ORDERS: 'orders',
      ONEFN_TOPIC_ORDER_EVENTS: 'order-events',
      ONEFN_STORAGE__credential: 'managedidentity',
    });
    expect(Object.keys(settings)).not.toContain('ServiceBusConnection');
    expect(Object.entries(settings).filter(([, v]) => v.includes(SECRET)).map(([k]) => k).sort()).toEqual(['AzureWebJobsStorage', 'DEPLOYMENT_STORAGE_CONNECTION_STRING']);
    expect(result.serviceBus).toEqual({
      auth: 'identity', namespace: 'acme-bus', resourceGroup: 'rg',
      entities: [
        { kind: 'queue', name: 'orders', requiresSession: true, action: 'created' },
        { kind: 'topic', name: 'order-events', action: 'created' },
        { kind: 'subscription', name: 'audit', topic: 'order-events', action: 'created' },
      ],
    });
    expect(lines.slice(0, 5)).toEqual([
      'ensure resource group rg in westeurope',
      'look up Service Bus namespace acme-bus in rg',
      'ensure Service Bus session queue orders in acme-bus',
      'ensure Service Bus topic order-events in acme-bus',
      'ensure Service Bus subscription audit on topic order-events in acme-bus',
    ]);
  });

  it('existing entities are left alone (no PUT), and reported as such; a redeploy meets RoleAssignmentExists and goes on', async () => {
    const fake = await fakeAzure({
      appExists: true, accountExists: true, roleAssignment: { status: 409, code: 'RoleAssignmentExists', message: 'The role assignment already exists.' },
      // A connection string an earlier deploy (or the portal) left would win over the identity: it goes.
      appSettings: { ServiceBusConnection: 'Endpoint=sb://acme-bus.servicebus.windows.net/;SharedAccessKeyName=k;SharedAccessKey=old' },
      serviceBus: { 'acme-bus': { entities: { 'queues/orders': { requiresSession: true }, 'topics/order-events': {}, 'topics/order-events/subscriptions/audit': {} } } },
    });
    const result = await deployFunctionApp(options(fake.base));
    expect(busCalls(fake)).toEqual(['GET /', 'GET /queues/orders', 'GET /topics/order-events', 'GET /topics/order-events/subscriptions/audit']);
    expect(result.serviceBus?.entities.map((e) => e.action)).toEqual(['exists', 'exists', 'exists']);
    const update = JSON.parse(fake.calls.find((c) => c.method === 'PUT' && c.path.endsWith('/config/appsettings'))?.body ?? '{}') as { properties: Record<string, string> };
    expect(update.properties).toMatchObject({ APPINSIGHTS_CONNECTION_STRING: 'kept', ServiceBusConnection__fullyQualifiedNamespace: 'acme-bus.servicebus.windows.net' });
    expect(Object.keys(update.properties)).not.toContain('ServiceBusConnection');
  });

  it('the namespace may live in another resource group', async () => {
    const fake = await fakeAzure({ serviceBus: { 'acme-bus': {} } });
    const result = await deployFunctionApp(options(fake.base, { entry: fileURLToPath(new URL('./fixtures/topic-app.ts', import.meta.url)), serviceBusResourceGroup: 'rg-shared' }));
    const shared = `/subscriptions/${SUB}/resourceGroups/rg-shared/providers/Microsoft.ServiceBus/namespaces/acme-bus`;
    expect(fake.calls.filter((c) => c.path.includes('Microsoft.ServiceBus')).map((c) => `${c.method} ${c.path}`)).toEqual([
      `GET ${shared}`, `GET ${shared}/topics/order-events`, `PUT ${shared}/topics/order-events`,
      `PUT ${shared}/topics/order-events/providers/Microsoft.Authorization/roleAssignments/${assignmentName(`${shared}/topics/order-events`, SENDER, PRINCIPAL)}`,
    ]);
    expect(result.serviceBus).toMatchObject({ namespace: 'acme-bus', resourceGroup: 'rg-shared' });
  });

  it.each([
    ['a namespace that does not exist', {}, /look up Service Bus namespace acme-bus in rg failed: the Service Bus namespace acme-bus does not exist .*az servicebus namespace create/],
    ['a Basic namespace (no topics)', { 'acme-bus': { sku: 'Basic' as const } }, /is on the Basic tier, which has no topics \(the app uses topic order-events\)/],
    ['an existing queue without sessions read by an ordered consumer', { 'acme-bus': { entities: { 'queues/orders': {} } } }, /ensure Service Bus session queue orders in acme-bus failed: the queue orders exists without sessions.*cannot be turned on later/],
  ])('%s is a typed error, and nothing is deployed', async (_what, serviceBus, message) => {
    const fake = await fakeAzure({ serviceBus });
    const error = await deployFunctionApp(options(fake.base)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AzureDeployError);
    expect((error as Error).message).toMatch(message);
    expect((error as { cause?: { code?: string } }).cause?.code).toBe('AZURE_SERVICE_BUS_ENTITY_MISMATCH');
    expect(fake.calls.some((c) => c.method === 'PUT' && (c.path.includes('ServiceBus/namespaces/acme-bus/') || c.path.includes('storageAccounts')))).toBe(false);
    expect(fake.calls.some((c) => c.path === '/api/publish')).toBe(false);
  });

  it('an existing session queue read by a consumer that is not ordered is refused too', async () => {
    const fake = await fakeAzure({ serviceBus: { 'acme-bus': { entities: { 'queues/orders': { requiresSession: true } } } } });
    const plain = fileURLToPath(new URL('./fixtures/deploy-app.ts', import.meta.url));
    const error = await deployFunctionApp(options(fake.base, { entry: plain })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AzureDeployError);
    expect((error as Error).message).toMatch(/^ensure Service Bus queue orders in acme-bus failed: the queue orders requires sessions, and its consumer is not ordered/);
    expect(busCalls(fake)).toEqual(['GET /', 'GET /queues/orders']);
  });

  it('a queue the app only sends to keeps its owner\'s sessions', async () => {
    const fake = await fakeAzure({ serviceBus: { 'acme-bus': { entities: { 'queues/orders': { requiresSession: true } } } } });
    const sender = fileURLToPath(new URL('./fixtures/sb-sender.ts', import.meta.url));
    const result = await deployFunctionApp(options(fake.base, { entry: sender }));
    expect(busCalls(fake)).toEqual(['GET /', 'GET /queues/orders']);
    expect(result.serviceBus?.entities).toEqual([{ kind: 'queue', name: 'orders', requiresSession: false, action: 'exists' }]);
    expect(result.roleAssignments.map((g) => `${g.role} ${g.scope.slice(NS.length)}`)).toEqual(['Azure Service Bus Data Sender /queues/orders']);
  });

  it('a Service Bus grant the deployer may not make names the way out', async () => {
    const fake = await fakeAzure({ serviceBus: { 'acme-bus': {} }, roleAssignment: { status: 403, code: 'AuthorizationFailed', message: 'no roleAssignments/write' } });
    const error = await deployFunctionApp(options(fake.base, { entry: fileURLToPath(new URL('./fixtures/topic-app.ts', import.meta.url)) })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AzureDeployError);
    expect((error as Error).message).toMatch(/^grant Azure Service Bus Data Sender on .*topics\/order-events .*failed \(403 AuthorizationFailed\).*leave --service-bus out and give the Service Bus connection settings connection strings in appSettings/);
  });
});

describe('without a namespace', () => {
  it('connection strings in appSettings: onefn creates and grants nothing on Service Bus, and says so', async () => {
    const fake = await fakeAzure();
    const lines: string[] = [];
    const result = await deployFunctionApp(options(fake.base, { serviceBus: undefined, progress: (l) => lines.push(l), appSettings: { ServiceBusConnection: 'Endpoint=sb://acme-bus.servicebus.windows.net/;SharedAccessKeyName=app;SharedAccessKey=s3cret' } }));
    expect(fake.calls.some((c) => c.path.includes('ServiceBus'))).toBe(false);
    expect(result.roleAssignments.map((g) => g.role)).toEqual(['Storage Blob Data Contributor', 'Storage Blob Delegator']);
    expect(result.serviceBus).toEqual({ auth: 'connectionString', namespace: null, resourceGroup: null, entities: [] });
    expect(siteSettings(fake)).toMatchObject({ ServiceBusConnection: expect.stringContaining('SharedAccessKey=s3cret'), ONEFN_QUEUE_ORDERS: 'orders' });
    expect(JSON.stringify(result) + lines.join('\n')).not.toContain('s3cret');
    expect(lines).toContain('Service Bus through the connection string in ServiceBusConnection: onefn creates no queue, topic or subscription there and assigns no role');
  });

  it('neither: a typed error naming --service-bus, before any call', async () => {
    const fake = await fakeAzure();
    const error = await deployFunctionApp(options(fake.base, { serviceBus: undefined })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DeployOptionError);
    expect(error).toMatchObject({ code: 'INVALID_DEPLOY_OPTION', option: 'serviceBus' });
    expect((error as Error).message).toMatch(/audit reads Service Bus topic order-events: name the Service Bus namespace with --service-bus <namespace>/);
    expect(fake.calls).toHaveLength(0);
  });

  it.each(['AzureWebJobsStorage', 'ONEFN_STORAGE', 'DEPLOYMENT_STORAGE_CONNECTION_STRING'])('a Service Bus connection named %s (a storage setting onefn writes) is refused', async (serviceBusConnection) => {
    const fake = await fakeAzure({ serviceBus: { 'acme-bus': {} } });
    const error = await deployFunctionApp(options(fake.base, { adapter: { messaging: 'serviceBus', serviceBusConnection } })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DeployOptionError);
    expect(error).toMatchObject({ option: 'serviceBusConnection' });
    expect((error as Error).message).toContain(`cannot be the app setting ${serviceBusConnection}`);
    expect(fake.calls).toHaveLength(0);
  });

  it('a namespace wins over a connection string given for the same setting, which is reported as ignored', async () => {
    const fake = await fakeAzure({ serviceBus: { 'acme-bus': {} } });
    const result = await deployFunctionApp(options(fake.base, { dryRun: true, appSettings: { ServiceBusConnection: 'Endpoint=sb://x/;SharedAccessKey=s3cret', ONEFN_QUEUE_ORDERS: 'elsewhere' } }));
    expect(result.ignoredSettings.map((s) => s.name)).toEqual(['ServiceBusConnection', 'ONEFN_QUEUE_ORDERS']);
    expect(result.appSettings['ServiceBusConnection']).toBeUndefined();
    expect(result.appSettings['ONEFN_QUEUE_ORDERS']).toBe('orders');
    expect(JSON.stringify(result)).not.toContain('s3cret');
  });
});

describe('onefn deploy azure --dry-run --json', () => {
  it('lists the entities, settings and grants, with the namespace unknown rather than refused', async () => {
    const out: string[] = [];
    const err: string[] = [];
    const code = await runCli(['deploy', 'azure', entry, '--messaging', 'serviceBus', '--dry-run', '--json'], { stdout: (t) => void out.push(t), stderr: (t) => void err.push(t), cwd: '/', env: {} });
    expect(err.join('')).not.toMatch(/^onefn: /m);
    expect(code).toBe(0);
    const report = JSON.parse(out.join(''));
    expectReportShape(report, 'deploy', 'azure');
    const ns = '/subscriptions/<subscription>/resourceGroups/<resource-group>/providers/Microsoft.ServiceBus/namespaces/<service-bus>';
    expect(report.detail.unknowns).toEqual(['subscription', 'resourceGroup', 'location', 'app', 'serviceBus']);
    expect(report.detail.serviceBus).toEqual({
      auth: 'identity', namespace: '<service-bus>', resourceGroup: '<resource-group>',
      entities: [
        { kind: 'queue', name: 'orders', requiresSession: true, action: 'planned' },
        { kind: 'topic', name: 'order-events', action: 'planned' },
        { kind: 'subscription', name: 'audit', topic: 'order-events', action: 'planned' },
      ],
    });
    expect(report.detail.steps.filter((s: string) => s.includes('Service Bus'))).toEqual([
      'look up Service Bus namespace <service-bus> in <resource-group>',
      'ensure Service Bus session queue orders in <service-bus>',
      'ensure Service Bus topic order-events in <service-bus>',
      'ensure Service Bus subscription audit on topic order-events in <service-bus>',
      `grant Azure Service Bus Data Sender on ${ns}/queues/orders to the identity of <app>`,
      `grant Azure Service Bus Data Sender on ${ns}/topics/order-events to the identity of <app>`,
      `grant Azure Service Bus Data Receiver on ${ns}/topics/order-events/subscriptions/audit to the identity of <app>`,
      `grant Azure Service Bus Data Receiver on ${ns}/queues/orders to the identity of <app>`,
    ]);
    expect(report.detail.roleAssignments.filter((g: { role: string }) => g.role.startsWith('Azure Service Bus'))).toHaveLength(4);
    expect(report.detail.appSettings).toMatchObject({ ServiceBusConnection__fullyQualifiedNamespace: '<service-bus>.servicebus.windows.net', ONEFN_QUEUE_ORDERS: 'orders', ONEFN_TOPIC_ORDER_EVENTS: 'order-events' });
    expect(err.join('')).toMatch(/plan: not known without .*--app, --service-bus: shown as <placeholders>/);
  });

  it('examples/orders plans on Azure with its least-privilege grants, the topic on Service Bus included', async () => {
    const example = fileURLToPath(new URL('../../../examples/orders/app.ts', import.meta.url));
    const out: string[] = [];
    const code = await runCli(['deploy', 'azure', example, '--service-bus', 'acme-bus', '--dry-run', '--json'], { stdout: (t) => void out.push(t), stderr: () => {}, cwd: '/', env: {} });
    expect(code).toBe(0);
    const report = JSON.parse(out.join(''));
    const ns = '/subscriptions/<subscription>/resourceGroups/<resource-group>/providers/Microsoft.ServiceBus/namespaces/acme-bus';
    const account = '/subscriptions/<subscription>/resourceGroups/<resource-group>/providers/Microsoft.Storage/storageAccounts/<storage-account>';
    expect(report.detail.roleAssignments.map((g: { role: string; scope: string; reason: string }) => [g.role, g.scope, g.reason])).toEqual([
      // The HTTP definitions share one routed function (http); the identity is the app's, so the container gets the union.
      ['Storage Blob Data Contributor', `${account}/blobServices/default/containers/reports`, 'bucket:reports read, write (http, worker)'],
      ['Storage Queue Data Message Sender', `${account}/queueServices/default/queues/orders`, 'queue:orders send (http)'],
      ['Storage Blob Delegator', account, 'signing download and upload URLs with the app\'s identity'],
      ['Azure Service Bus Data Sender', `${ns}/topics/order-done`, 'topic:order-done publish (onReport)'],
    ]);
    expect(report.detail.serviceBus).toEqual({ auth: 'identity', namespace: 'acme-bus', resourceGroup: '<resource-group>', entities: [{ kind: 'topic', name: 'order-done', action: 'planned' }] });
    expect(report.detail.appSettings).toMatchObject({ ServiceBusConnection__fullyQualifiedNamespace: 'acme-bus.servicebus.windows.net', ONEFN_TOPIC_ORDER_DONE: 'order-done' });
  });

  it('the flag (and the config setting) name the namespace', async () => {
    const out: string[] = [];
    const code = await runCli(['deploy', 'azure', entry, '--messaging', 'serviceBus', '--service-bus', 'acme-bus', '--service-bus-resource-group', 'rg-bus', '--dry-run', '--json'], { stdout: (t) => void out.push(t), stderr: () => {}, cwd: '/', env: {} });
    expect(code).toBe(0);
    const report = JSON.parse(out.join(''));
    expect(report.detail.unknowns).not.toContain('serviceBus');
    expect(report.detail.serviceBus).toMatchObject({ namespace: 'acme-bus', resourceGroup: 'rg-bus' });
    expect(report.detail.appSettings.ServiceBusConnection__fullyQualifiedNamespace).toBe('acme-bus.servicebus.windows.net');
  });

  it('azure.serviceBus in the project config names it too (a flag wins over it)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'onefn-sb-config-'));
    try {
      writeFileSync(join(dir, 'package.json'), JSON.stringify({ onefn: { entry, azure: { messaging: 'serviceBus', serviceBus: 'acme-bus', serviceBusResourceGroup: 'rg-bus' } } }));
      const run = async (...flags: string[]) => {
        const out: string[] = [];
        const err: string[] = [];
        const code = await runCli(['deploy', 'azure', '--dry-run', '--json', ...flags], { stdout: (t) => void out.push(t), stderr: (t) => void err.push(t), cwd: dir, env: {} });
        expect(err.join('')).not.toMatch(/^onefn: /m);
        expect(code).toBe(0);
        return JSON.parse(out.join('')).detail.serviceBus;
      };
      expect(await run()).toMatchObject({ namespace: 'acme-bus', resourceGroup: 'rg-bus' });
      expect(await run('--service-bus', 'other-bus')).toMatchObject({ namespace: 'other-bus', resourceGroup: 'rg-bus' });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it.each([
    ['acme_bus', /Invalid option "serviceBus": --service-bus must be a Service Bus namespace name/],
    ['acme-bus.servicebus.windows.net', /the namespace's name, not its host name/],
    ['abc', /6-50 letters/],
    ['a'.repeat(51), /6-50 letters/],
    ['acme-bus-sb', /not in -sb or -mgmt/],
    ['acme-bus-', /ending with a letter or digit/],
    ['1acme-bus', /starting with a letter/],
    ['acme\r\nbus', /got "acme\\r\\nbus"/],
  ])('--service-bus %j is refused, even in a dry run', async (name, message) => {
    const err: string[] = [];
    const code = await runCli(['deploy', 'azure', entry, '--messaging', 'serviceBus', '--service-bus', name, '--dry-run'], { stdout: () => {}, stderr: (t) => void err.push(t), cwd: '/', env: {} });
    expect(code).toBe(1);
    expect(err.join('')).toMatch(message);
  });

  it('--service-bus-resource-group is checked as a resource group', async () => {
    const err: string[] = [];
    const code = await runCli(['deploy', 'azure', entry, '--messaging', 'serviceBus', '--service-bus', 'acme-bus', '--service-bus-resource-group', 'rg/../x', '--dry-run'], { stdout: () => {}, stderr: (t) => void err.push(t), cwd: '/', env: {} });
    expect(code).toBe(1);
    expect(err.join('')).toMatch(/Invalid option "serviceBusResourceGroup": must be a resource group name/);
  });
});

describe('names Service Bus refuses are refused before any call', () => {
  const host = azureHost();
  const fixture = (name: string): string => fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url));

  it.each([
    ['a queue and a topic of the same name', 'sb-clash.ts', 'topic', /uses topic "jobs", but .* uses queue "jobs": a Service Bus queue and topic cannot share a name/],
    ['a subscription name over 50 characters', 'sb-long-subscription.ts', 'topicSubscription', /"a{51}" is not a Service Bus subscription name \(1-50/],
    ['an entity name from a setting Service Bus does not take', 'sb-bad-entity.ts', 'topic', /"events\/\.\.\/x" is not a Service Bus topic name/],
    ['an entity name over 260 characters', 'sb-long-entity.ts', 'queue', /"q{80}\.\.\." is not a Service Bus queue name \(1-260/],
  ])('%s', async (_what, file, option, message) => {
    const fake = await fakeAzure({ serviceBus: { 'acme-bus': {} } });
    const error = await deployFunctionApp(options(fake.base, { entry: fixture(file) })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DeployOptionError);
    expect(error).toMatchObject({ option });
    expect((error as Error).message).toMatch(message);
    expect(fake.calls).toHaveLength(0);
  });

  it('one queue read both in order and not', async () => {
    host.reset();
    const jobs = queue('jobs');
    const specs = serve({ a: defineQueue({ queue: jobs, ordered: true, handler: () => {} }), b: defineQueue({ queue: jobs, handler: () => {} }) }, { messaging: 'serviceBus' });
    expect(() => checkServiceBusNeeds(serviceBusNeedsOf(specs, { messaging: 'serviceBus' }))).toThrow(/a reads queue "jobs" in order \(a session queue\) but b reads it without/);
    host.reset();
  });

  it('two subscribers on one subscription (a shared topicSubscription)', () => {
    host.reset();
    const specs = serve({ a: defineTopic({ topic: 'events', handler: () => {} }), b: defineTopic({ topic: 'events', handler: () => {} }), c: defineTopic({ topic: 'other', handler: () => {} }) }, { topicSubscription: 'shared' });
    host.reset();
    expect(() => checkServiceBusNeeds(serviceBusNeedsOf(specs))).toThrow(/a and b both read subscription "shared" of topic "events": each would get only part of its messages/);
    const own = serve({ a: defineTopic({ topic: 'events', handler: () => {} }), b: defineTopic({ topic: 'events', handler: () => {} }) });
    host.reset();
    expect(() => checkServiceBusNeeds(serviceBusNeedsOf(own))).not.toThrow();
  });

  const needs = (sends: ReadonlyArray<['queue' | 'topic', string]>, subscription = 'audit'): ServiceBusNeeds => ({
    connection: 'ServiceBusConnection',
    sends: sends.map(([kind, entity]) => ({ kind, name: 'x', entity, functions: ['api'] })),
    triggers: [{ kind: 'topic', entity: 'events', subscription, function: 'audit', connection: 'ServiceBusConnection', sessions: false }],
  });
  it.each([
    [[['queue', 'q'.repeat(260)]], 'audit', undefined],
    [[['queue', 'a.b_c-d']], 'a'.repeat(50), undefined],
    [[['queue', 'q'.repeat(261)]], 'audit', /not a Service Bus queue name/],
    [[['topic', 'orders.']], 'audit', /"orders\." is not a Service Bus topic name/],
    [[['topic', '-orders']], 'audit', /not a Service Bus topic name/],
    [[['queue', 'ordérs']], 'audit', /not a Service Bus queue name/],
    [[['queue', 'or ders']], 'audit', /not a Service Bus queue name/],
    [[['queue', 'orders\r\n']], 'audit', /"orders\\r\\n" is not a Service Bus queue name/],
    [[['queue', '__proto__']], 'audit', /"__proto__" is not a Service Bus queue name/],
    [[['queue', 'Events']], 'audit', /audit uses topic "events", but api uses queue "Events": a Service Bus queue and topic cannot share a name/],
    [[['queue', 'constructor'], ['topic', 'CONSTRUCTOR']], 'audit', /uses topic "CONSTRUCTOR", but api uses queue "constructor"/],
    [[], 'a'.repeat(51), /is not a Service Bus subscription name/],
    [[], 'audit/x', /"audit\/x" is not a Service Bus subscription name/],
  ] as const)('checkServiceBusNeeds(%j, %j)', (sends, subscription, refused) => {
    const run = (): void => checkServiceBusNeeds(needs(sends as ReadonlyArray<['queue' | 'topic', string]>, subscription));
    if (refused) expect(run).toThrow(refused);
    else expect(run).not.toThrow();
  });

  it('the built package registers the ordered consumer with isSessionsEnabled', async () => {
    const pkg = await buildFunctionApp({ entry, adapter: { messaging: 'serviceBus' } });
    const bundle = pkg.files['dist/index.mjs'] as string;
    expect(bundle).toMatch(/"worker",\s*\{[^}]*queueName:\s*"orders"[^}]*isSessionsEnabled:\s*(?:!0|true)/);
    expect(bundle).not.toMatch(/"audit",\s*\{[^}]*isSessionsEnabled/);
  }, 60_000);

  it('the ordered consumer\'s binding has isSessionsEnabled, as @azure/functions registers it; others do not', () => {
    host.reset();
    const jobs = queue('jobs');
    serve({ inOrder: defineQueue({ queue: jobs, ordered: true, handler: () => {} }), plain: defineQueue({ queue: 'other', handler: () => {} }), audit: defineTopic({ topic: 'events', handler: () => {} }) }, { messaging: 'serviceBus' });
    expect(host.registrations.get('inOrder')?.trigger).toMatchObject({ type: 'serviceBusTrigger', queueName: 'jobs', isSessionsEnabled: true });
    expect(host.registrations.get('plain')?.trigger).not.toHaveProperty('isSessionsEnabled');
    expect(host.registrations.get('audit')?.trigger).not.toHaveProperty('isSessionsEnabled');
    host.reset();
    // With Storage Queues there are no sessions: the binding is a plain queue trigger.
    serve({ inOrder: defineQueue({ queue: jobs, ordered: true, handler: () => {} }) });
    expect(host.registrations.get('inOrder')?.trigger).toMatchObject({ type: 'queueTrigger', queueName: 'jobs' });
    expect(host.registrations.get('inOrder')?.trigger).not.toHaveProperty('isSessionsEnabled');
    host.reset();
  });
});
