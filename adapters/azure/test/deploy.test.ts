import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { AzureDeployError, deployFunctionApp, type DeployOptions } from '@onefn/azure/deploy';
import { deployReport } from '@onefn/azure/cli';
import { expectReportShape } from '../../../test/cli/run.js';
import { DeployOptionError } from 'onefn/build';
import { assignmentName } from '../src/deploy/identity.js';
import { credential, type FakeAzure, fakeAzure as startFake, type FakeAzureOptions, PRINCIPAL, SECRET, SUB, summary } from './fake-azure.js';

const entry = new URL('./fixtures/deploy-app.ts', import.meta.url).pathname;

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
  return { entry, subscriptionId: SUB, resourceGroup: 'rg', location: 'westeurope', app: 'acme-api', credential, armEndpoint: base, scmEndpoint: base, allowInsecureConnection: true, pollIntervalMs: 0, ...extra };
}

/** `onefn <command> azure <positionals> --flags`, through the one shell, as a user runs it. */
function cli(command: string) {
  return async (args: { positionals: string[]; options: Record<string, string | boolean> }, io: Parameters<typeof import('onefn/cli').runCli>[1]): Promise<number> => {
    const { runCli: run } = await import('onefn/cli');
    return run([command, 'azure', ...args.positionals, ...Object.entries(args.options).flatMap(([k, v]) => (v === true ? [`--${k}`] : [`--${k}`, String(v)]))], io);
  };
}

describe('deployFunctionApp against a loopback ARM + Kudu', () => {
  it('creates everything, deploys the zip, polls, subscribes storage events and prints URLs', async () => {
    const fake = await fakeAzure();
    const lines: string[] = [];
    const result = await deployFunctionApp(options(fake.base, { progress: (l) => lines.push(l) }));
    expect(summary(fake.calls)).toEqual([
      'PUT ',
      'GET /providers/Microsoft.Storage/storageAccounts/acmeapi',
      'PUT /providers/Microsoft.Storage/storageAccounts/acmeapi',
      'PUT /providers/Microsoft.Storage/storageAccounts/acmeapi/queueServices/default/queues/orders',
      'PUT /providers/Microsoft.Storage/storageAccounts/acmeapi/blobServices/default/containers/uploads',
      'PUT /providers/Microsoft.Storage/storageAccounts/acmeapi/blobServices/default/containers/app-package-acme-api',
      'POST /providers/Microsoft.Storage/storageAccounts/acmeapi/listKeys',
      'PUT /providers/Microsoft.Web/serverfarms/acme-api-plan',
      'GET /providers/Microsoft.Web/sites/acme-api',
      'PUT /providers/Microsoft.Web/sites/acme-api',
      'POST /api/publish',
      'GET /api/deployments/d-1',
      'GET /api/deployments/d-1',
      'PUT /providers/Microsoft.Storage/storageAccounts/acmeapi/providers/Microsoft.EventGrid/eventSubscriptions/uploads',
      // The package kept as release 1 (for rollback), and the app tagged as serving it.
      'PUT /acmeapi/onefn-releases',
      'GET /acmeapi/onefn-releases',
      'PUT /acmeapi/onefn-releases/acme-api/1.zip',
      'PATCH /providers/Microsoft.Web/sites/acme-api/providers/Microsoft.Resources/tags/default',
    ]);
    // ARM and Kudu take the bearer token; the kept release goes to Blob storage with the account key (SharedKey).
    expect(fake.calls.filter((c) => !c.path.startsWith('/acmeapi/')).every((c) => c.auth === 'Bearer fake-token')).toBe(true);
    const site = JSON.parse(fake.calls.find((c) => c.method === 'PUT' && c.path.endsWith('/sites/acme-api'))?.body ?? '{}');
    expect(site).toMatchObject({ kind: 'functionapp,linux', properties: { functionAppConfig: { runtime: { name: 'node', version: '22' } } } });
    const settings = Object.fromEntries((site.properties.siteConfig.appSettings as { name: string; value: string }[]).map((s) => [s.name, s.value]));
    expect(settings['AzureWebJobsStorage']).toContain(SECRET);
    expect(settings['FUNCTIONS_EXTENSION_VERSION']).toBe('~4');
    const zip = fake.calls.find((c) => c.path === '/api/publish');
    expect(zip?.body.startsWith('PK')).toBe(true);
    // The Event Grid subscription, through @azure/arm-eventgrid: its api-version and its body as the SDK serializes it.
    expect(fake.calls.find((c) => c.path.includes('/eventSubscriptions/'))?.query.get('api-version')).toBe('2022-06-15');
    expect(JSON.parse(fake.calls.find((c) => c.path.includes('/eventSubscriptions/'))?.body ?? '{}')).toEqual({
      properties: {
        destination: { endpointType: 'AzureFunction', properties: { resourceId: `/subscriptions/${SUB}/resourceGroups/rg/providers/Microsoft.Web/sites/acme-api/functions/uploads`, maxEventsPerBatch: 1 } },
        filter: { includedEventTypes: ['Microsoft.Storage.BlobCreated'], subjectBeginsWith: '/blobServices/default/containers/uploads/blobs/img/' },
        eventDeliverySchema: 'EventGridSchema',
      },
    });
    // No `uses`: no identity, no role assignment.
    expect(site.identity).toBeUndefined();
    expect(Object.keys(settings).filter((k) => k.startsWith('ONEFN_STORAGE'))).toEqual([]);
    expect(result.functions.find((f) => f.name === 'hello')?.url).toBe('https://acme-api.azurewebsites.net/api/hello');
    expect(lines.some((l) => l.includes('https://acme-api.azurewebsites.net/api/hello'))).toBe(true);
    expect(JSON.stringify(result) + lines.join('\n')).not.toContain(SECRET);
    // --json prints the shape every provider shares.
    const report = deployReport(result, undefined);
    expectReportShape(report, 'deploy', 'azure');
    expect(report.functions.find((f) => f.name === 'hello')).toMatchObject({ kind: 'http', action: 'created', url: 'https://acme-api.azurewebsites.net/api/hello' });
    expect(JSON.stringify(report)).not.toContain(SECRET);
  });

  it('a stage goes into the app name, and so into its plan and storage account', async () => {
    const fake = await fakeAzure();
    const result = await deployFunctionApp(options(fake.base, { stage: 'prod', dryRun: true }));
    expect(result.app).toBe('acme-api-prod');
    expect(result.steps).toEqual(expect.arrayContaining(['ensure storage account acmeapiprod', 'ensure Flex Consumption (FC1) plan acme-api-prod-plan', 'create or update function app acme-api-prod (Node 22)']));
    expect(fake.calls).toHaveLength(0);
    await expect(deployFunctionApp(options(fake.base, { stage: 'Prod!' }))).rejects.toThrow(/Invalid option "stage"/);
  });

  it('updates an existing app by merging its settings', async () => {
    const fake = await fakeAzure({ appExists: true, accountExists: true });
    await deployFunctionApp(options(fake.base));
    const s = summary(fake.calls);
    expect(s).not.toContain('PUT /providers/Microsoft.Web/sites/acme-api');
    expect(s).not.toContain('PUT /providers/Microsoft.Storage/storageAccounts/acmeapi');
    expect(s).toContain('POST /providers/Microsoft.Web/sites/acme-api/config/appsettings/list');
    const update = JSON.parse(fake.calls.find((c) => c.method === 'PUT' && c.path.endsWith('/config/appsettings'))?.body ?? '{}');
    expect(update.properties).toMatchObject({ APPINSIGHTS_CONNECTION_STRING: 'kept', FUNCTIONS_EXTENSION_VERSION: '~4' });
  });

  it('surfaces an API error with its message and stops', async () => {
    const fake = await fakeAzure({ failPlan: true });
    const error = await deployFunctionApp(options(fake.base)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AzureDeployError);
    expect((error as Error).message).toMatch(/plan acme-api-plan failed.*409.*quota for FlexConsumption is exhausted/);
    expect(fake.calls.some((c) => c.path === '/api/publish')).toBe(false);
    expect((error as Error).message).not.toContain(SECRET);
  });

  describe('the zip deploy is followed the way the SDK\'s LRO poller follows a Location', () => {
    it('polls the 202\'s Location, then the newer Location a poll names, until Kudu says it succeeded', async () => {
      const fake = await fakeAzure({
        kudu: [
          { status: 202, body: { status: 1, complete: false }, location: '/api/deployments/d-2' },
          { status: 202, body: { status: 2, complete: false } },
          { status: 200, body: { status: 4, complete: true } },
        ],
      });
      const lines: string[] = [];
      await deployFunctionApp(options(fake.base, { progress: (l) => lines.push(l) }));
      expect(summary(fake.calls).filter((c) => c.includes('/api/'))).toEqual(['POST /api/publish', 'GET /api/deployments/d-1', 'GET /api/deployments/d-2', 'GET /api/deployments/d-2']);
      expect(fake.calls.filter((c) => c.path.startsWith('/api/')).every((c) => c.auth === 'Bearer fake-token')).toBe(true);
      expect(lines).toEqual(expect.arrayContaining(['deployment in progress (status 1)', 'deployment in progress (status 2)']));
    });

    it.each([
      [{ kudu: [{ status: 200, body: { status: 3, complete: true, status_text: 'npm install failed' } }] }, 'KUDU_DEPLOYMENT_FAILED', /deploy zip .* failed: the deployment failed: npm install failed/],
      [{ zipStatus: 400 }, 'KUDU_REFUSED', /deploy zip .* failed \(400 KUDU_REFUSED\): the zip deploy answered 400: .*the package is corrupt/],
      [{ kudu: [{ status: 500, body: { message: 'boom' } }] }, 'KUDU_REFUSED', /failed \(500 KUDU_REFUSED\): the deployment status answered 500/],
      [{ kudu: [{ status: 200, body: { status: 1, complete: false } }] }, 'KUDU_TIMEOUT', /did not complete in 0 ms \(last status 1\)/],
      // A Location on another host is refused, never followed: the bearer token goes only to the SCM site.
      [{ kudu: [{ status: 202, body: { status: 1, complete: false }, location: 'http://localhost:9/api/deployments/x' }] }, 'KUDU_REFUSED', /Kudu answered with a Location on another host \(localhost:9\)/],
    ] as const)('%j is a typed error, and nothing is subscribed after it', async (fakeOptions, code, message) => {
      const fake = await fakeAzure(fakeOptions);
      const error = await deployFunctionApp(options(fake.base, { pollTimeoutMs: 0 })).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(AzureDeployError);
      expect((error as Error).message).toMatch(message);
      expect((error as { cause?: { code?: string } }).cause?.code).toBe(code);
      expect(fake.calls.some((c) => c.path.includes('eventSubscriptions'))).toBe(false);
    });
  });

  it('plan mode makes no calls', async () => {
    const fake = await fakeAzure();
    const result = await deployFunctionApp(options(fake.base, { dryRun: true }));
    expect(fake.calls).toHaveLength(0);
    expect(result.steps).toContain('ensure queue orders');
  });

  it('ensures the queues and containers that handlers declared in uses', async () => {
    const fake = await fakeAzure();
    const usesApp = fileURLToPath(new URL('./fixtures/resources-app.ts', import.meta.url));
    const result = await deployFunctionApp(options(fake.base, { entry: usesApp, dryRun: true }));
    expect(result.steps.filter((s) => s.startsWith('ensure queue') || s.startsWith('ensure container'))).toEqual([
      'ensure queue order-jobs', 'ensure container reports', 'ensure container app-package-acme-api',
    ]);
    expect(result.serviceBus).toBeNull();
    expect(fake.calls).toHaveLength(0);
  });

  it('a function that publishes to a topic: the topic ensured in the namespace through @azure/arm-servicebus, Data Sender on it, keyless settings', async () => {
    const fake = await fakeAzure({ serviceBus: { 'acme-bus': {} } });
    const topicApp = fileURLToPath(new URL('./fixtures/topic-app.ts', import.meta.url));
    const result = await deployFunctionApp(options(fake.base, { entry: topicApp, serviceBus: 'acme-bus' }));
    const ns = `/subscriptions/${SUB}/resourceGroups/rg/providers/Microsoft.ServiceBus/namespaces/acme-bus`;
    const sender = `/subscriptions/${SUB}/providers/Microsoft.Authorization/roleDefinitions/69a216fc-b8fb-44d8-bc22-1f3c2cd27a39`;
    const grant = { role: 'Azure Service Bus Data Sender', roleDefinitionId: sender, scope: `${ns}/topics/order-events`, reason: 'topic:order-events publish (api)' };
    expect(fake.calls.filter((c) => c.path.includes('/Microsoft.ServiceBus/') || c.path.includes('roleAssignments')).map((c) => ({ method: c.method, path: c.path, apiVersion: c.query.get('api-version'), body: c.body ? JSON.parse(c.body) : undefined }))).toEqual([
      { method: 'GET', path: ns, apiVersion: '2021-11-01', body: undefined },
      { method: 'GET', path: `${ns}/topics/order-events`, apiVersion: '2021-11-01', body: undefined },
      { method: 'PUT', path: `${ns}/topics/order-events`, apiVersion: '2021-11-01', body: {} },
      {
        method: 'PUT', path: `${grant.scope}/providers/Microsoft.Authorization/roleAssignments/${assignmentName(grant.scope, sender, PRINCIPAL)}`, apiVersion: '2022-04-01',
        body: { properties: { roleDefinitionId: sender, principalId: PRINCIPAL, principalType: 'ServicePrincipal', description: 'onefn: topic:order-events publish (api)' } },
      },
    ]);
    // The namespace and its entity first (a missing namespace stops the deploy before anything is created); the grant after the app.
    const order = summary(fake.calls);
    expect(order.slice(0, 4)).toEqual(['PUT ', 'GET /providers/Microsoft.ServiceBus/namespaces/acme-bus', 'GET /providers/Microsoft.ServiceBus/namespaces/acme-bus/topics/order-events', 'PUT /providers/Microsoft.ServiceBus/namespaces/acme-bus/topics/order-events']);
    expect(order.findIndex((c) => c.includes('roleAssignments'))).toBe(order.indexOf('PUT /providers/Microsoft.Web/sites/acme-api') + 1);
    const site = JSON.parse(fake.calls.find((c) => c.method === 'PUT' && c.path.endsWith('/sites/acme-api'))?.body ?? '{}');
    expect(site.identity).toEqual({ type: 'SystemAssigned' });
    const settings = Object.fromEntries((site.properties.siteConfig.appSettings as { name: string; value: string }[]).map((x) => [x.name, x.value]));
    expect(settings).toMatchObject({ ServiceBusConnection__fullyQualifiedNamespace: 'acme-bus.servicebus.windows.net', ONEFN_TOPIC_ORDER_EVENTS: 'order-events' });
    // Keyless: no Service Bus connection string, and no storage identity settings (the app uses no queue or container).
    expect(Object.keys(settings).filter((k) => k === 'ServiceBusConnection' || k.startsWith('ONEFN_STORAGE'))).toEqual([]);
    expect(result.roleAssignments).toEqual([grant]);
    expect(result.serviceBus).toEqual({ auth: 'identity', namespace: 'acme-bus', resourceGroup: 'rg', entities: [{ kind: 'topic', name: 'order-events', action: 'created' }] });
  });

  it('a topic without --service-bus is a typed error naming the flag, before any call', async () => {
    const fake = await fakeAzure();
    const topicApp = fileURLToPath(new URL('./fixtures/topic-app.ts', import.meta.url));
    const error = await deployFunctionApp(options(fake.base, { entry: topicApp })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DeployOptionError);
    expect(error).toMatchObject({ code: 'INVALID_DEPLOY_OPTION', option: 'serviceBus' });
    expect((error as Error).message).toMatch(/api publishes to topic order-events: name the Service Bus namespace with --service-bus <namespace> .*or give ServiceBusConnection a connection string in appSettings/);
    expect(fake.calls).toHaveLength(0);
  });

  describe('app settings onefn relies on win over the user\'s', () => {
    const appSettings = { FUNCTIONS_EXTENSION_VERSION: '~3', AzureWebJobsStorage: 'UseDevelopmentStorage=true', FUNCTIONS_WORKER_RUNTIME: 'node', API_URL: 'https://api.example.com' };

    it('creates the app with ~4 and its own storage, keeps the rest, and names what it ignored', async () => {
      const fake = await fakeAzure();
        const lines: string[] = [];
      const result = await deployFunctionApp(options(fake.base, { appSettings, plan: 'consumption', progress: (l) => lines.push(l) }));
      const site = JSON.parse(fake.calls.find((c) => c.method === 'PUT' && c.path.endsWith('/sites/acme-api'))?.body ?? '{}');
      const settings = Object.fromEntries((site.properties.siteConfig.appSettings as { name: string; value: string }[]).map((x) => [x.name, x.value]));
      expect(settings).toMatchObject({ FUNCTIONS_EXTENSION_VERSION: '~4', FUNCTIONS_WORKER_RUNTIME: 'node', WEBSITE_NODE_DEFAULT_VERSION: '~22', API_URL: 'https://api.example.com' });
      expect(settings['AzureWebJobsStorage']).toContain(`AccountKey=${SECRET}`);
      // Equal to onefn's own value (FUNCTIONS_WORKER_RUNTIME=node): nothing to report.
      expect(result.ignoredSettings.map((x) => x.name)).toEqual(['FUNCTIONS_EXTENSION_VERSION', 'AzureWebJobsStorage']);
      expect(lines).toContainEqual(expect.stringMatching(/^app setting FUNCTIONS_EXTENSION_VERSION ignored: onefn needs the Functions host 4\.x/));
      expect(lines.join('\n')).not.toContain('UseDevelopmentStorage');
    });

    it('an existing app gets onefn\'s values over both the user\'s and the portal\'s', async () => {
      const fake = await fakeAzure({ appExists: true, accountExists: true });
        await deployFunctionApp(options(fake.base, { appSettings }));
      const update = JSON.parse(fake.calls.find((c) => c.method === 'PUT' && c.path.endsWith('/config/appsettings'))?.body ?? '{}');
      expect(update.properties).toMatchObject({ APPINSIGHTS_CONNECTION_STRING: 'kept', FUNCTIONS_EXTENSION_VERSION: '~4', API_URL: 'https://api.example.com' });
      expect(update.properties.AzureWebJobsStorage).toContain('AccountName=acmeapi;');
    });

    it('the plan (and its JSON) names the ignored settings', async () => {
      const fake = await fakeAzure();
        const lines: string[] = [];
      const result = await deployFunctionApp(options(fake.base, { appSettings, dryRun: true, progress: (l) => lines.push(l) }));
      expect(fake.calls).toHaveLength(0);
      expect(JSON.parse(JSON.stringify(result)).ignoredSettings).toEqual([
        { name: 'FUNCTIONS_EXTENSION_VERSION', reason: expect.stringContaining('~4') },
        { name: 'AzureWebJobsStorage', reason: expect.stringContaining('acmeapi') },
      ]);
      expect(lines).toContainEqual(expect.stringMatching(/^plan: app setting AzureWebJobsStorage ignored: /));
      const plain = await deployFunctionApp(options(fake.base, { appSettings: { API_URL: 'x' }, dryRun: true }));
      expect(plain.ignoredSettings).toEqual([]);
    });
  });

  it('settings named like Object.prototype members are the user\'s own, not onefn\'s, and are masked in the plan', async () => {
    const fake = await fakeAzure();
    const result = await deployFunctionApp(options(fake.base, { dryRun: true, appSettings: { toString: 'a', constructor: 'b', hasOwnProperty: 'c' } }));
    expect(result.ignoredSettings).toEqual([]);
    expect(result.appSettings).toMatchObject({ toString: '<masked>', constructor: '<masked>', hasOwnProperty: '<masked>' });
    expect(fake.calls).toHaveLength(0);
  });

  it.each([
    [{ subscriptionId: 'nope' }, /subscriptionId/],
    [{ app: '-bad-' }, /"app"/],
    [{ plan: 'premium' }, /"plan"/],
    [{ armEndpoint: 'http://127.0.0.1:1', allowInsecureConnection: false }, /armEndpoint/],
    [{ regoin: 'x' }, /regoin/],
    [{ storageAuth: 'sas' }, /"storageAuth": must be identity or key/],
    [{ appSettings: JSON.parse('{"__proto__": "x"}') }, /"appSettings": setting "__proto__"/],
    [{ dryRun: 'yes' }, /"dryRun"/],
  ] as const)('validates %j before any call', async (extra, message) => {
    const fake = await fakeAzure();
    await expect(deployFunctionApp({ ...options(fake.base), ...(extra as object) })).rejects.toThrow(message);
    expect(fake.calls).toHaveLength(0);
  });
});

describe('onefn deploy azure', () => {
  it('plans with --dry-run --json and validates options in one line', async () => {
    const out: string[] = [];
    const err: string[] = [];
    const io = { stdout: (t: string) => void out.push(t), stderr: (t: string) => void err.push(t), cwd: '/', env: { AZURE_SUBSCRIPTION_ID: SUB } };
    expect(await cli('deploy')({ positionals: [entry], options: { 'resource-group': 'rg', location: 'westeurope', app: 'acme-api', 'dry-run': true, json: true } }, io)).toBe(0);
    expect(JSON.parse(out.join(''))).toMatchObject({ command: 'deploy', provider: 'azure', dryRun: true, detail: { app: 'acme-api', plan: 'flex' } });
    const bad: string[] = [];
    expect(await cli('deploy')({ positionals: [entry], options: { 'resource-group': 'rg', location: 'West Europe', app: 'acme-api' } }, { ...io, stderr: (t) => void bad.push(t) })).toBe(1);
    expect(bad.join('')).toMatch(/^onefn: Invalid option "location"/);
  });
});
