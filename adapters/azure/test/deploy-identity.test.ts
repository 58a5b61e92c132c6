import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { AzureDeployError, deployFunctionApp, type DeployOptions } from '@onefn/azure/deploy';
import { runCli } from 'onefn/cli';
import { assignmentName, storageGrants, STORAGE_ROLES } from '../src/deploy/identity.js';
import { credential, type FakeAzure, fakeAzure as startFake, type FakeAzureOptions, PRINCIPAL, SECRET, SUB, summary } from './fake-azure.js';

// The app's managed identity, granted exactly the data roles its functions' `uses` need, through
// @azure/arm-appservice and @azure/arm-authorization against a loopback ARM.

const entry = fileURLToPath(new URL('./fixtures/identity-app.ts', import.meta.url));
const ACCOUNT = `/subscriptions/${SUB}/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts/acmeapi`;
const role = (guid: string): string => `/subscriptions/${SUB}/providers/Microsoft.Authorization/roleDefinitions/${guid}`;

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

const EXPECTED_GRANTS = [
  { role: 'Storage Blob Data Reader', roleDefinitionId: role('2a2b9908-6ea1-4ae2-8e65-a410df84e7d1'), scope: `${ACCOUNT}/blobServices/default/containers/archive`, reason: 'bucket:archive read (api, worker)' },
  { role: 'Storage Queue Data Message Sender', roleDefinitionId: role('c6a89b2d-59bc-44d0-9896-0f6e12d7b80a'), scope: `${ACCOUNT}/queueServices/default/queues/order-jobs`, reason: 'queue:order-jobs send (api)' },
  { role: 'Storage Blob Data Contributor', roleDefinitionId: role('ba92f5b4-2d11-453d-a403-e96b0029c9fe'), scope: `${ACCOUNT}/blobServices/default/containers/reports-prod`, reason: 'bucket:reports write (worker)' },
  { role: 'Storage Blob Delegator', roleDefinitionId: role('db58b8e5-c6ad-4a2a-8342-4190687cbf4a'), scope: ACCOUNT, reason: 'signing download and upload URLs with the app\'s identity' },
];

const siteBody = (fake: FakeAzure): { identity?: { type: string }; properties: { siteConfig: { appSettings: { name: string; value: string }[] } } } =>
  JSON.parse(fake.calls.find((c) => c.method === 'PUT' && c.path.endsWith('/sites/acme-api'))?.body ?? '{}');

describe('deploy grants the app identity exactly what its functions use', () => {
  it('turns on the identity, assigns one role per resource on exactly its scope, and writes keyless settings', async () => {
    const fake = await fakeAzure();
    const lines: string[] = [];
    const result = await deployFunctionApp(options(fake.base, { progress: (l) => lines.push(l) }));
    const roleCalls = fake.calls.filter((c) => c.path.includes('/providers/Microsoft.Authorization/roleAssignments/'));
    expect(summary(fake.calls).filter((c) => !c.includes('roleAssignments'))).toEqual([
      'PUT ',
      'GET /providers/Microsoft.Storage/storageAccounts/acmeapi',
      'PUT /providers/Microsoft.Storage/storageAccounts/acmeapi',
      'PUT /providers/Microsoft.Storage/storageAccounts/acmeapi/queueServices/default/queues/order-jobs',
      'PUT /providers/Microsoft.Storage/storageAccounts/acmeapi/blobServices/default/containers/archive',
      'PUT /providers/Microsoft.Storage/storageAccounts/acmeapi/blobServices/default/containers/reports-prod',
      'PUT /providers/Microsoft.Storage/storageAccounts/acmeapi/blobServices/default/containers/app-package-acme-api',
      'POST /providers/Microsoft.Storage/storageAccounts/acmeapi/listKeys',
      'PUT /providers/Microsoft.Web/serverfarms/acme-api-plan',
      'GET /providers/Microsoft.Web/sites/acme-api',
      'PUT /providers/Microsoft.Web/sites/acme-api',
      'POST /api/publish',
      'GET /api/deployments/d-1',
      'GET /api/deployments/d-1',
      'PUT /acmeapi/onefn-releases',
      'GET /acmeapi/onefn-releases',
      'PUT /acmeapi/onefn-releases/acme-api/1.zip',
      'PATCH /providers/Microsoft.Web/sites/acme-api/providers/Microsoft.Resources/tags/default',
    ]);
    // The roles come after the app (whose identity they name) and before the code that needs them.
    const order = summary(fake.calls);
    expect(order.findIndex((c) => c.includes('roleAssignments'))).toBe(order.indexOf('PUT /providers/Microsoft.Web/sites/acme-api') + 1);
    expect(order.findLastIndex((c) => c.includes('roleAssignments'))).toBe(order.indexOf('POST /api/publish') - 1);
    // Exactly these assignments, each a PUT on `<scope>/providers/Microsoft.Authorization/roleAssignments/<deterministic guid>`.
    expect(roleCalls.map((c) => ({ method: c.method, path: c.path, apiVersion: c.query.get('api-version'), body: JSON.parse(c.body) }))).toEqual(
      EXPECTED_GRANTS.map((g) => ({
        method: 'PUT',
        path: `${g.scope}/providers/Microsoft.Authorization/roleAssignments/${assignmentName(g.scope, g.roleDefinitionId, PRINCIPAL)}`,
        apiVersion: '2022-04-01',
        body: { properties: { roleDefinitionId: g.roleDefinitionId, principalId: PRINCIPAL, principalType: 'ServicePrincipal', description: `onefn: ${g.reason}` } },
      })),
    );
    const site = siteBody(fake);
    expect(site.identity).toEqual({ type: 'SystemAssigned' });
    const settings = Object.fromEntries(site.properties.siteConfig.appSettings.map((s) => [s.name, s.value]));
    expect(settings).toMatchObject({
      ONEFN_STORAGE__blobServiceUri: `${fake.base}/acmeapi`,
      ONEFN_STORAGE__queueServiceUri: 'https://acmeapi.queue.core.windows.net',
      ONEFN_STORAGE__credential: 'managedidentity',
    });
    // The functions' own connection holds no key; only the host's storage keeps it.
    expect(Object.entries(settings).filter(([, v]) => v.includes(SECRET)).map(([k]) => k).sort()).toEqual(['AzureWebJobsStorage', 'DEPLOYMENT_STORAGE_CONNECTION_STRING']);
    expect(result.roleAssignments).toEqual(EXPECTED_GRANTS);
    expect(result.storageAuth).toBe('identity');
    expect(JSON.stringify(result) + lines.join('\n')).not.toContain(SECRET);
  });

  it('a redeploy meets 409 RoleAssignmentExists and goes on; an existing app without identity gets one by PATCH', async () => {
    const fake = await fakeAzure({ appExists: true, accountExists: true, roleAssignment: { status: 409, code: 'RoleAssignmentExists', message: 'The role assignment already exists.' } });
    const result = await deployFunctionApp(options(fake.base));
    expect(result.action).toBe('updated');
    const patch = fake.calls.find((c) => c.method === 'PATCH' && c.path.endsWith('/sites/acme-api'));
    expect(JSON.parse(patch?.body ?? '{}')).toEqual({ identity: { type: 'SystemAssigned' } });
    expect(fake.calls.filter((c) => c.path.includes('roleAssignments'))).toHaveLength(4);
    expect(fake.calls.some((c) => c.path === '/api/publish')).toBe(true);
    const update = JSON.parse(fake.calls.find((c) => c.method === 'PUT' && c.path.endsWith('/config/appsettings'))?.body ?? '{}');
    expect(update.properties).toMatchObject({ APPINSIGHTS_CONNECTION_STRING: 'kept', ONEFN_STORAGE__credential: 'managedidentity' });
  });

  it('an app that already has its identity is not patched', async () => {
    const fake = await fakeAzure({ appExists: true, accountExists: true, appHasIdentity: true });
    await deployFunctionApp(options(fake.base));
    // The one PATCH is the serving-release tag; the site itself is not patched.
    expect(fake.calls.some((c) => c.method === 'PATCH' && !c.path.endsWith('/tags/default'))).toBe(false);
    expect(fake.calls.filter((c) => c.path.includes('roleAssignments')).every((c) => JSON.parse(c.body).properties.principalId === PRINCIPAL)).toBe(true);
  });

  it('a deployer who may not assign roles gets a typed error naming the way out, before any code is deployed', async () => {
    const fake = await fakeAzure({ roleAssignment: { status: 403, code: 'AuthorizationFailed', message: 'The client does not have authorization to perform action Microsoft.Authorization/roleAssignments/write' } });
    const error = await deployFunctionApp(options(fake.base)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AzureDeployError);
    expect(error).toMatchObject({ code: 'AZURE_DEPLOY_FAILED' });
    expect((error as Error).message).toMatch(/^grant Storage Blob Data Reader on .*containers\/archive to the identity of acme-api failed \(403 AuthorizationFailed\): .*roleAssignments\/write; .*--storage-auth key/);
    expect(fake.calls.some((c) => c.path === '/api/publish')).toBe(false);
  });

  it('storageAuth key: no identity, no roles, the connection string as before, and stale identity settings dropped', async () => {
    const fresh = await fakeAzure();
    const result = await deployFunctionApp(options(fresh.base, { storageAuth: 'key' }));
    expect(fresh.calls.some((c) => c.path.includes('roleAssignments') || (c.method === 'PATCH' && !c.path.endsWith('/tags/default')))).toBe(false);
    expect(siteBody(fresh).identity).toBeUndefined();
    expect(siteBody(fresh).properties.siteConfig.appSettings.map((s) => s.name)).not.toContain('ONEFN_STORAGE__credential');
    expect(result.roleAssignments).toEqual([]);
    await fresh.close();
    const old = await fakeAzure({ appExists: true, accountExists: true, appSettings: { ONEFN_STORAGE__credential: 'managedidentity', ONEFN_STORAGE__blobServiceUri: 'https://acmeapi.blob.core.windows.net' } });
    await deployFunctionApp(options(old.base, { storageAuth: 'key' }));
    const update = JSON.parse(old.calls.find((c) => c.method === 'PUT' && c.path.endsWith('/config/appsettings'))?.body ?? '{}');
    expect(Object.keys(update.properties).filter((k) => k.startsWith('ONEFN_STORAGE'))).toEqual([]);
    expect(update.properties.AzureWebJobsStorage).toContain(`AccountKey=${SECRET}`);
  });

  it('the dry run lists each role assignment and every setting, secrets masked, with no call', async () => {
    const fake = await fakeAzure();
    const lines: string[] = [];
    const result = await deployFunctionApp(options(fake.base, { dryRun: true, appSettings: { API_TOKEN: 'hunter2-secret' }, progress: (l) => lines.push(l) }));
    expect(fake.calls).toHaveLength(0);
    expect(result.roleAssignments).toEqual(EXPECTED_GRANTS);
    expect(result.steps.filter((s) => s.startsWith('grant ') || s.startsWith('turn on'))).toEqual([
      'turn on the system-assigned managed identity of acme-api',
      ...EXPECTED_GRANTS.map((g) => `grant ${g.role} on ${g.scope} to the identity of acme-api`),
    ]);
    expect(result.appSettings).toEqual({
      API_TOKEN: '<masked>',
      AzureWebJobsStorage: 'DefaultEndpointsProtocol=https;AccountName=acmeapi;AccountKey=<masked>;EndpointSuffix=core.windows.net',
      DEPLOYMENT_STORAGE_CONNECTION_STRING: 'DefaultEndpointsProtocol=https;AccountName=acmeapi;AccountKey=<masked>;EndpointSuffix=core.windows.net',
      FUNCTIONS_EXTENSION_VERSION: '~4',
      ONEFN_STORAGE__blobServiceUri: 'https://acmeapi.blob.core.windows.net',
      ONEFN_STORAGE__credential: 'managedidentity',
      ONEFN_STORAGE__queueServiceUri: 'https://acmeapi.queue.core.windows.net',
    });
    expect(lines).toContain('plan: app setting API_TOKEN=<masked>');
    expect(lines).toContainEqual(expect.stringMatching(/^plan: grant Storage Queue Data Message Sender on .*queues\/order-jobs/));
    expect(lines.join('\n') + JSON.stringify(result)).not.toContain('hunter2');
  });
});

describe('onefn deploy azure --dry-run with nothing but the entry', () => {
  it('shows the whole plan with the unknowns as placeholders, and needs no credentials', async () => {
    const out: string[] = [];
    const err: string[] = [];
    // No AZURE_* variables, no flags beyond the entry.
    const code = await runCli(['deploy', 'azure', entry, '--dry-run', '--json'], { stdout: (t) => void out.push(t), stderr: (t) => void err.push(t), cwd: '/', env: {} });
    expect(err.join('')).not.toMatch(/^onefn: /m);
    expect(code).toBe(0);
    const report = JSON.parse(out.join(''));
    expect(report).toMatchObject({ command: 'deploy', provider: 'azure', dryRun: true });
    expect(report.detail.unknowns).toEqual(['subscription', 'resourceGroup', 'location', 'app']);
    expect(report.detail.steps).toEqual(expect.arrayContaining([
      'ensure resource group <resource-group> in <location>',
      'ensure storage account <storage-account>',
      'ensure queue order-jobs',
      'create or update function app <app> (Node 22)',
      'grant Storage Queue Data Message Sender on /subscriptions/<subscription>/resourceGroups/<resource-group>/providers/Microsoft.Storage/storageAccounts/<storage-account>/queueServices/default/queues/order-jobs to the identity of <app>',
    ]));
    expect(report.detail.roleAssignments).toHaveLength(4);
    expect(report.detail.appSettings['ONEFN_STORAGE__credential']).toBe('managedidentity');
    expect(report.functions.map((f: { name: string }) => f.name)).toEqual(['api', 'worker']);
    expect(err.join('')).toMatch(/plan: not known without --subscription .*--app: shown as <placeholders>/);
  });

  it('without --dry-run the missing flags are still refused, in one line (a usage error)', async () => {
    const err: string[] = [];
    const code = await runCli(['deploy', 'azure', entry], { stdout: () => {}, stderr: (t) => void err.push(t), cwd: '/', env: {} });
    expect(code).toBe(2);
    expect(err.join('')).toMatch(/^onefn: --subscription <id> is required/);
  });

  it.each([
    [['--storage-auth', 'sas'], 2, /^onefn: --storage-auth must be one of identity, key/],
    [['--app', 'bad_name!'], 1, /^onefn: Invalid option "app"/],
  ] as const)('%j is refused even in a dry run', async (flags, exit, message) => {
    const err: string[] = [];
    const code = await runCli(['deploy', 'azure', entry, '--dry-run', ...flags], { stdout: () => {}, stderr: (t) => void err.push(t), cwd: '/', env: {} });
    expect(code).toBe(exit);
    expect(err.join('')).toMatch(message);
  });
});

describe('storageGrants and assignmentName', () => {
  const target = { subscriptionId: SUB, accountId: ACCOUNT };
  it.each([
    [[{ kind: 'queue', name: 'q', actions: ['send'] }], [['Storage Queue Data Message Sender', `${ACCOUNT}/queueServices/default/queues/q`]]],
    [[{ kind: 'bucket', name: 'b', actions: ['read'] }], [['Storage Blob Data Reader', `${ACCOUNT}/blobServices/default/containers/b`], ['Storage Blob Delegator', ACCOUNT]]],
    [[{ kind: 'bucket', name: 'b', actions: ['delete'] }], [['Storage Blob Data Contributor', `${ACCOUNT}/blobServices/default/containers/b`], ['Storage Blob Delegator', ACCOUNT]]],
    [[{ kind: 'bucket', name: 'b', actions: ['read', 'write'] }, { kind: 'bucket', name: 'c', actions: ['read'] }], [
      ['Storage Blob Data Contributor', `${ACCOUNT}/blobServices/default/containers/b`],
      ['Storage Blob Data Reader', `${ACCOUNT}/blobServices/default/containers/c`],
      ['Storage Blob Delegator', ACCOUNT],
    ]],
    [[{ kind: 'topic', name: 't', actions: ['publish'] }], []],
  ] as const)('%j', (uses, expected) => {
    const grants = storageGrants(uses.map((use) => ({ use, resource: use.name, functions: ['f'] })), target);
    expect(grants.map((g) => [g.role, g.scope])).toEqual(expected);
  });

  it('names are stable GUIDs that differ by scope, role and principal', () => {
    const a = assignmentName(`${ACCOUNT}/x`, role(STORAGE_ROLES.blobReader.id), PRINCIPAL);
    expect(a).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(assignmentName(`${ACCOUNT}/x`, role(STORAGE_ROLES.blobReader.id), PRINCIPAL)).toBe(a);
    expect(assignmentName(`${ACCOUNT}/X`.toLowerCase(), role(STORAGE_ROLES.blobReader.id).toUpperCase(), PRINCIPAL)).toBe(a);
    expect(new Set([
      a,
      assignmentName(`${ACCOUNT}/y`, role(STORAGE_ROLES.blobReader.id), PRINCIPAL),
      assignmentName(`${ACCOUNT}/x`, role(STORAGE_ROLES.blobContributor.id), PRINCIPAL),
      assignmentName(`${ACCOUNT}/x`, role(STORAGE_ROLES.blobReader.id), SUB),
    ]).size).toBe(4);
  });
});
