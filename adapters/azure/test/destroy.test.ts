import type { Server } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { AzureLifecycleError, destroyFunctionApp } from '@onefn/azure/deploy';
import { LIFECYCLE_REPORT_KEYS } from 'onefn/cli';
import { destroyCommand } from '../src/deploy/lifecycle-command.js';
import { ACCOUNT_ID, credential, defaultState, fakeLifecycle, KEY, PLAN_ID, releases, RG, SITE_ID, summary, SUB, where, type FakeState } from './fake-lifecycle.js';

let running: Server | undefined;
afterEach(async () => {
  await new Promise<void>((done) => (running ? running.close(() => done()) : done()));
  running = undefined;
});

const EG = `${ACCOUNT_ID}/providers/Microsoft.EventGrid/eventSubscriptions`;
// Deploy's subscription for `uploads`; one of the user's to another app; one to a webhook.
const subscriptions = [
  { name: 'uploads', resourceId: `${SITE_ID}/functions/uploads` },
  { name: 'theirs', resourceId: `${RG}/providers/Microsoft.Web/sites/other-app/functions/uploads` },
  { name: 'hook', resourceId: '', endpointType: 'WebHook' },
];

async function start(extra: Partial<FakeState> = {}) {
  const fake = await fakeLifecycle(defaultState({ blobs: releases(2), subscriptions: [...subscriptions], ...extra }));
  running = fake.server;
  return fake;
}

describe('destroyFunctionApp against loopback ARM, Event Grid and Blob', () => {
  it('plans first: --dry-run lists what onefn made, reads only, and deletes nothing', async () => {
    const fake = await start();
    const lines: string[] = [];
    const plan = await destroyFunctionApp({ ...where(fake.base), dryRun: true, progress: (l) => lines.push(l) });
    expect(plan.resources).toEqual([
      { kind: 'event subscription', id: `${EG}/uploads`, action: 'planned' },
      { kind: 'function app', id: SITE_ID, action: 'planned' },
      { kind: 'app service plan', id: PLAN_ID, action: 'planned' },
      { kind: 'release package', id: 'onefn-releases/acme-api/1.zip', action: 'planned' },
      { kind: 'release package', id: 'onefn-releases/acme-api/2.zip', action: 'planned' },
    ]);
    expect(plan.kept).toEqual(['resource group rg', 'storage account acmeapi (its queues and containers may hold data)']);
    expect(fake.calls.every((c) => c.method === 'GET' || c.path.endsWith('/listKeys'))).toBe(true);
    expect(lines).toContain(`plan: delete function app ${SITE_ID}`);
    expect(JSON.stringify(plan) + lines.join('\n')).not.toContain(KEY);
  });

  it('deletes the subscriptions to the app, the app (settings with it), its empty plan and its releases, and nothing else', async () => {
    const fake = await start();
    const result = await destroyFunctionApp(where(fake.base));
    expect(summary(fake.calls)).toEqual([
      'GET /providers/Microsoft.Web/sites/acme-api',
      'GET /providers/Microsoft.Storage/storageAccounts/acmeapi/providers/Microsoft.EventGrid/eventSubscriptions',
      'GET /providers/Microsoft.Web/serverfarms/acme-api-plan/sites',
      'GET /providers/Microsoft.Storage/storageAccounts/acmeapi',
      'POST /providers/Microsoft.Storage/storageAccounts/acmeapi/listKeys',
      'GET /acmeapi/onefn-releases',
      'DELETE /providers/Microsoft.Storage/storageAccounts/acmeapi/providers/Microsoft.EventGrid/eventSubscriptions/uploads',
      'DELETE /providers/Microsoft.Web/sites/acme-api',
      'DELETE /providers/Microsoft.Web/serverfarms/acme-api-plan',
      'DELETE /acmeapi/onefn-releases/acme-api/1.zip',
      'DELETE /acmeapi/onefn-releases/acme-api/2.zip',
    ]);
    // The plan goes by its own call, only once listed empty.
    expect(fake.calls.find((c) => c.method === 'DELETE' && c.path === SITE_ID)?.query).toContain('deleteEmptyServerFarm=false');
    expect(result.resources.every((r) => r.action === 'deleted')).toBe(true);
    expect(fake.state.subscriptions.map((s) => s.name)).toEqual(['theirs', 'hook']);
    expect(fake.state.site).toBeUndefined();
    expect(fake.state.blobs.size).toBe(0);
    expect(fake.calls.filter((c) => c.path.startsWith('/subscriptions')).every((c) => c.auth === 'Bearer fake-token')).toBe(true);
  });

  it('run again, it finds the app gone and deletes nothing', async () => {
    const fake = await start();
    await destroyFunctionApp(where(fake.base));
    const before = fake.calls.length;
    const again = await destroyFunctionApp(where(fake.base));
    expect(again.resources).toEqual([{ kind: 'function app', id: SITE_ID, action: 'absent' }]);
    expect(fake.calls.slice(before).some((c) => c.method === 'DELETE')).toBe(false);
  });

  it('refuses an app onefn did not create (no deployed-by tag), before deleting anything', async () => {
    const fake = await start({ site: { tags: { 'onefn-release': '2' }, flex: true, serverFarmId: PLAN_ID } });
    const error = await destroyFunctionApp(where(fake.base)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AzureLifecycleError);
    expect(error).toMatchObject({ code: 'NOT_OWNED', message: expect.stringMatching(/acme-api was not created by onefn \(it has no tag deployed-by=onefn\)/) });
    expect(summary(fake.calls)).toEqual(['GET /providers/Microsoft.Web/sites/acme-api']);
  });

  it('keeps a plan that serves other apps, or one deploy did not make', async () => {
    const shared = await start({ planApps: ['acme-api', 'billing'] });
    const result = await destroyFunctionApp(where(shared.base));
    expect(result.resources.map((r) => r.kind)).not.toContain('app service plan');
    expect(result.kept).toContain('plan acme-api-plan (it also serves billing)');
    expect(shared.calls.some((c) => c.method === 'DELETE' && c.path === PLAN_ID)).toBe(false);
    await new Promise<void>((done) => shared.server.close(() => done()));
    const own = await start({ site: { tags: { 'deployed-by': 'onefn' }, flex: true, serverFarmId: `${RG}/providers/Microsoft.Web/serverfarms/big-plan` } });
    const second = await destroyFunctionApp({ ...where(own.base), dryRun: true });
    expect(second.kept).toContain('plan big-plan (not the one deploy made for the app)');
    expect(own.calls.some((c) => c.path.includes('/serverfarms/'))).toBe(false);
  });

  it('with a function, removes only its subscription and keeps the app, even one onefn did not create', async () => {
    const fake = await start({ site: { tags: {}, flex: true, serverFarmId: PLAN_ID }, subscriptions: [...subscriptions, { name: 'images', resourceId: `${SITE_ID}/functions/images` }] });
    const result = await destroyFunctionApp({ ...where(fake.base), function: 'uploads' });
    expect(result.resources).toEqual([{ kind: 'event subscription', id: `${EG}/uploads`, action: 'deleted' }]);
    expect(result.kept).toContain('function app acme-api (it serves the module\'s other functions; onefn destroy azure acme-api removes it)');
    expect(fake.state.subscriptions.map((s) => s.name)).toEqual(['theirs', 'hook', 'images']);
    expect(fake.state.site).toBeDefined();
  });

  it.each([
    [{ function: '__proto__!' }, /"function"/],
    [{ function: 'x'.repeat(200) }, /"function"/],
    [{ app: '-x-' }, /"app"/],
    [{ resourceGroup: 'a/b' }, /resourceGroup/],
    [{ storageAccount: 'Not_Valid' }, /storageAccount/],
    [{ armEndpoint: 'http://127.0.0.1:1', allowInsecureConnection: false }, /armEndpoint/],
  ] as const)('validates %j before any call', async (extra, message) => {
    const fake = await start();
    await expect(destroyFunctionApp({ ...where(fake.base), ...(extra as object) })).rejects.toThrow(message);
    expect(fake.calls).toHaveLength(0);
  });

  it('an API refusal is one typed error with the service\'s message', async () => {
    const fake = await start({ site: undefined });
    const error = await destroyFunctionApp({ ...where(fake.base), function: 'uploads' }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'APP_NOT_FOUND' });
  });
});

describe('onefn destroy azure', () => {
  it('--json prints the shared DestroyReport; text lists what goes and what stays', async () => {
    const fake = await start();
    const out: string[] = [];
    const io = { stdout: (t: string) => void out.push(t), stderr: () => {}, cwd: '/', env: { AZURE_SUBSCRIPTION_ID: SUB } };
    const overrides = { credential, armEndpoint: fake.base, allowInsecureConnection: true };
    expect(await destroyCommand({ positionals: ['acme-api'], options: { 'resource-group': 'rg', 'dry-run': true, json: true } }, io, overrides)).toBe(0);
    const report = JSON.parse(out.join(''));
    expect(Object.keys(report)).toEqual([...LIFECYCLE_REPORT_KEYS.destroy]);
    expect(report).toMatchObject({ command: 'destroy', provider: 'azure', dryRun: true, function: 'acme-api', detail: { app: 'acme-api', resourceGroup: 'rg' } });
    expect(report.resources).toHaveLength(5);
    out.length = 0;
    expect(await destroyCommand({ positionals: ['uploads'], options: { app: 'acme-api', 'resource-group': 'rg' } }, io, overrides)).toBe(0);
    expect(out.join('')).toBe(`deleted event subscription ${EG}/uploads\nkept resource group rg\nkept storage account acmeapi (its queues and containers may hold data)\nkept function app acme-api (it serves the module's other functions; onefn destroy azure acme-api removes it)\n`);
  });
});
