import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { AzureDeployError, deployFunctionApp, type DeployOptions } from '@onefn/azure/deploy';
import { deployReport } from '@onefn/azure/cli';
import { expectReportShape } from '../../../test/cli/run.js';
import { handleBlob, handleTags, type BlobEntry } from './fake-lifecycle.js';

const entry = new URL('./fixtures/deploy-app.ts', import.meta.url).pathname;
const SUB = '00000000-1111-2222-3333-444444444444';
const SECRET = 'c2VjcmV0LXN0b3JhZ2Uta2V5';

interface Call { method: string; path: string; body: string; auth: string | undefined }

/** A loopback server that plays ARM and the Kudu zip-deploy endpoint, recording every call. */
async function fakeAzure(options: { appExists?: boolean; accountExists?: boolean; failPlan?: boolean } = {}): Promise<{ server: Server; base: string; calls: Call[]; blobs: Map<string, BlobEntry>; tags: Record<string, string> }> {
  const calls: Call[] = [];
  // The kept releases (Blob service) and the site's tags, which deploy merges the serving release into.
  const releases = { blobs: new Map<string, BlobEntry>(), container: false };
  const tags: Record<string, string> = {};
  let polls = 0;
  let base = '';
  const read = (req: IncomingMessage): Promise<string> => new Promise((done) => { const parts: Buffer[] = []; req.on('data', (c: Buffer) => parts.push(c)); req.on('end', () => done(Buffer.concat(parts).toString('latin1'))); });
  const server = createServer(async (req, res) => {
    const body = await read(req);
    const url = new URL(req.url ?? '/', 'http://x');
    const path = url.pathname;
    const lower = path.toLowerCase();
    calls.push({ method: req.method ?? '', path, body, auth: req.headers.authorization });
    if (handleBlob(req, res, url, Buffer.from(body, 'latin1'), releases) || handleTags(req, res, url, Buffer.from(body), tags)) return;
    const send = (status: number, value: unknown, headers: Record<string, string> = {}): void => {
      res.writeHead(status, { 'content-type': 'application/json', ...headers });
      res.end(JSON.stringify(value));
    };
    const notFound = (): void => send(404, { error: { code: 'ResourceNotFound', message: 'not found' } });
    const accountId = `/subscriptions/${SUB}/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts/acmeapi`;
    if (req.method === 'POST' && (path === '/api/publish' || path === '/api/zipdeploy')) return send(202, {}, { location: `${base}/api/deployments/d-1` });
    if (path === '/api/deployments/d-1') return send(200, ++polls < 2 ? { status: 1, complete: false } : { status: 4, complete: true });
    if (lower.endsWith('/resourcegroups/rg')) return send(200, { id: `/subscriptions/${SUB}/resourceGroups/rg`, name: 'rg', location: 'westeurope' });
    if (lower.endsWith('/storageaccounts/acmeapi/listkeys')) return send(200, { keys: [{ keyName: 'key1', value: SECRET, permissions: 'FULL' }] });
    if (lower.endsWith('/storageaccounts/acmeapi')) {
      if (req.method === 'GET' && !options.accountExists && !calls.some((c) => c.method === 'PUT' && c.path.toLowerCase().endsWith('/storageaccounts/acmeapi'))) return notFound();
      return send(200, { id: accountId, name: 'acmeapi', location: 'westeurope', properties: { provisioningState: 'Succeeded', primaryEndpoints: { blob: `${base}/acmeapi/` } } });
    }
    if (lower.includes('/queueservices/default/queues/') || lower.includes('/blobservices/default/containers/')) return send(200, { id: path, name: path.split('/').pop() });
    if (lower.endsWith('/serverfarms/acme-api-plan')) {
      if (options.failPlan) return send(409, { error: { code: 'Conflict', message: 'The plan quota for FlexConsumption is exhausted in westeurope' } });
      return send(200, { id: `/subscriptions/${SUB}/resourceGroups/rg/providers/Microsoft.Web/serverfarms/acme-api-plan`, name: 'acme-api-plan', location: 'westeurope', properties: { provisioningState: 'Succeeded' } });
    }
    const site = { id: `/subscriptions/${SUB}/resourceGroups/rg/providers/Microsoft.Web/sites/acme-api`, name: 'acme-api', location: 'westeurope', properties: { defaultHostName: 'acme-api.azurewebsites.net', provisioningState: 'Succeeded' } };
    if (lower.endsWith('/sites/acme-api')) {
      if (req.method === 'GET' && !options.appExists) return notFound();
      return send(200, site);
    }
    if (lower.endsWith('/sites/acme-api/config/appsettings/list')) return send(200, { properties: { APPINSIGHTS_CONNECTION_STRING: 'kept' } });
    if (lower.endsWith('/sites/acme-api/config/appsettings')) return send(200, { properties: {} });
    if (lower.includes('/providers/microsoft.eventgrid/eventsubscriptions/')) return send(201, { id: path });
    return send(400, { error: { code: 'Unexpected', message: `unexpected ${req.method} ${path}` } });
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { server, base, calls, blobs: releases.blobs, tags };
}

let running: Server | undefined;
afterEach(async () => {
  await new Promise<void>((done) => (running ? running.close(() => done()) : done()));
  running = undefined;
});

const credential = { getToken: async () => ({ token: 'fake-token', expiresOnTimestamp: Date.now() + 3_600_000 }) };

function options(base: string, extra: Partial<DeployOptions> = {}): DeployOptions {
  return { entry, subscriptionId: SUB, resourceGroup: 'rg', location: 'westeurope', app: 'acme-api', credential, armEndpoint: base, scmEndpoint: base, allowInsecureConnection: true, pollIntervalMs: 0, ...extra };
}

const summary = (calls: Call[]): string[] => calls.map((c) => `${c.method} ${c.path.replace(`/subscriptions/${SUB}`, '').replace(/\/resourceGroups\/rg/i, '')}`);

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
    running = fake.server;
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
      'PUT /acmeapi/onefn-releases',
      'GET /acmeapi/onefn-releases',
      'PUT /acmeapi/onefn-releases/acme-api/1.zip',
      'PATCH /providers/Microsoft.Web/sites/acme-api/providers/Microsoft.Resources/tags/default',
    ]);
    // ARM and Kudu take the token; the Blob service, the account key.
    expect(fake.calls.filter((c) => !c.path.startsWith('/acmeapi/')).every((c) => c.auth === 'Bearer fake-token')).toBe(true);
    // The package is kept as release 1 (for rollback) and marked serving; the app carries onefn's tag.
    const zipSent = fake.calls.find((c) => c.path === '/api/publish')?.body;
    expect(fake.blobs.get('acme-api/1.zip')?.body.toString('latin1')).toBe(zipSent);
    expect(fake.blobs.get('acme-api/1.zip')?.metadata).toEqual({ sha256: Buffer.from(result.sha256, 'base64').toString('hex') });
    expect(fake.tags).toEqual({ 'onefn-release': '1' });
    expect(result.release).toBe(1);
    const site = JSON.parse(fake.calls.find((c) => c.method === 'PUT' && c.path.endsWith('/sites/acme-api'))?.body ?? '{}');
    expect(site).toMatchObject({ tags: { 'deployed-by': 'onefn' }, kind: 'functionapp,linux', properties: { functionAppConfig: { runtime: { name: 'node', version: '22' } } } });
    const settings = Object.fromEntries((site.properties.siteConfig.appSettings as { name: string; value: string }[]).map((s) => [s.name, s.value]));
    expect(settings['AzureWebJobsStorage']).toContain(SECRET);
    expect(settings['FUNCTIONS_EXTENSION_VERSION']).toBe('~4');
    const zip = fake.calls.find((c) => c.path === '/api/publish');
    expect(zip?.body.startsWith('PK')).toBe(true);
    const sub = JSON.parse(fake.calls.find((c) => c.path.includes('/eventSubscriptions/'))?.body ?? '{}');
    expect(sub.properties.filter).toEqual({ includedEventTypes: ['Microsoft.Storage.BlobCreated'], subjectBeginsWith: '/blobServices/default/containers/uploads/blobs/img/' });
    expect(sub.properties.destination.properties.resourceId).toMatch(/sites\/acme-api\/functions\/uploads$/);
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
    running = fake.server;
    const result = await deployFunctionApp(options(fake.base, { stage: 'prod', dryRun: true }));
    expect(result.app).toBe('acme-api-prod');
    expect(result.steps).toEqual(expect.arrayContaining(['ensure storage account acmeapiprod', 'ensure Flex Consumption (FC1) plan acme-api-prod-plan', 'create or update function app acme-api-prod (Node 22)']));
    expect(fake.calls).toHaveLength(0);
    await expect(deployFunctionApp(options(fake.base, { stage: 'Prod!' }))).rejects.toThrow(/Invalid option "stage"/);
  });

  it('updates an existing app by merging its settings', async () => {
    const fake = await fakeAzure({ appExists: true, accountExists: true });
    running = fake.server;
    await deployFunctionApp(options(fake.base));
    const s = summary(fake.calls);
    expect(s).not.toContain('PUT /providers/Microsoft.Web/sites/acme-api');
    expect(s).not.toContain('PUT /providers/Microsoft.Storage/storageAccounts/acmeapi');
    expect(s).toContain('POST /providers/Microsoft.Web/sites/acme-api/config/appsettings/list');
    const update = JSON.parse(fake.calls.find((c) => c.method === 'PUT' && c.path.endsWith('/config/appsettings'))?.body ?? '{}');
    expect(update.properties).toMatchObject({ APPINSIGHTS_CONNECTION_STRING: 'kept', FUNCTIONS_EXTENSION_VERSION: '~4' });
    // An app onefn did not create gets no ownership tag, only the serving release.
    expect(fake.tags).toEqual({ 'onefn-release': '1' });
    await deployFunctionApp(options(fake.base));
    expect([...fake.blobs.keys()]).toEqual(['acme-api/1.zip', 'acme-api/2.zip']);
    expect(fake.tags).toEqual({ 'onefn-release': '2' });
  });

  it('surfaces an API error with its message and stops', async () => {
    const fake = await fakeAzure({ failPlan: true });
    running = fake.server;
    const error = await deployFunctionApp(options(fake.base)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AzureDeployError);
    expect((error as Error).message).toMatch(/plan acme-api-plan failed.*409.*quota for FlexConsumption is exhausted/);
    expect(fake.calls.some((c) => c.path === '/api/publish')).toBe(false);
    expect((error as Error).message).not.toContain(SECRET);
  });

  it('plan mode makes no calls', async () => {
    const fake = await fakeAzure();
    running = fake.server;
    const result = await deployFunctionApp(options(fake.base, { dryRun: true }));
    expect(fake.calls).toHaveLength(0);
    expect(result.steps).toContain('ensure queue orders');
  });

  it('ensures the queues and containers that handlers declared in uses, and refuses a topic it cannot reach', async () => {
    const fake = await fakeAzure();
    running = fake.server;
    const usesApp = fileURLToPath(new URL('./fixtures/resources-app.ts', import.meta.url));
    const result = await deployFunctionApp(options(fake.base, { entry: usesApp, dryRun: true }));
    expect(result.steps.filter((s) => s.startsWith('ensure queue') || s.startsWith('ensure container'))).toEqual([
      'ensure queue order-jobs', 'ensure container reports', 'ensure container app-package-acme-api',
    ]);
    const topicApp = fileURLToPath(new URL('./fixtures/topic-app.ts', import.meta.url));
    await expect(deployFunctionApp(options(fake.base, { entry: topicApp, dryRun: true }))).rejects.toThrow(/does not reach Service Bus topics/);
    expect(fake.calls).toHaveLength(0);
  });

  describe('app settings onefn relies on win over the user\'s', () => {
    const appSettings = { FUNCTIONS_EXTENSION_VERSION: '~3', AzureWebJobsStorage: 'UseDevelopmentStorage=true', FUNCTIONS_WORKER_RUNTIME: 'node', API_URL: 'https://api.example.com' };

    it('creates the app with ~4 and its own storage, keeps the rest, and names what it ignored', async () => {
      const fake = await fakeAzure();
      running = fake.server;
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
      running = fake.server;
      await deployFunctionApp(options(fake.base, { appSettings }));
      const update = JSON.parse(fake.calls.find((c) => c.method === 'PUT' && c.path.endsWith('/config/appsettings'))?.body ?? '{}');
      expect(update.properties).toMatchObject({ APPINSIGHTS_CONNECTION_STRING: 'kept', FUNCTIONS_EXTENSION_VERSION: '~4', API_URL: 'https://api.example.com' });
      expect(update.properties.AzureWebJobsStorage).toContain('AccountName=acmeapi;');
    });

    it('the plan (and its JSON) names the ignored settings', async () => {
      const fake = await fakeAzure();
      running = fake.server;
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

  it.each([
    [{ subscriptionId: 'nope' }, /subscriptionId/],
    [{ app: '-bad-' }, /"app"/],
    [{ plan: 'premium' }, /"plan"/],
    [{ armEndpoint: 'http://127.0.0.1:1', allowInsecureConnection: false }, /armEndpoint/],
    [{ regoin: 'x' }, /regoin/],
  ] as const)('validates %j before any call', async (extra, message) => {
    const fake = await fakeAzure();
    running = fake.server;
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
