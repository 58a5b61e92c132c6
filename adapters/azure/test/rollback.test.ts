import type { Server } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { AzureLifecycleError, rollbackFunctionApp } from '@onefn/azure/deploy';
import { LIFECYCLE_REPORT_KEYS, runCli } from 'onefn/cli';
import { rollbackCommand } from '../src/deploy/lifecycle-command.js';
import { credential, defaultState, fakeLifecycle, KEY, releases, SUB, summary, where, type FakeState } from './fake-lifecycle.js';

let running: Server | undefined;
afterEach(async () => {
  await new Promise<void>((done) => (running ? running.close(() => done()) : done()));
  running = undefined;
});

async function start(extra: Partial<FakeState> = {}) {
  const fake = await fakeLifecycle(defaultState({ blobs: releases(3), ...extra }));
  running = fake.server;
  return fake;
}

const options = (base: string) => ({ ...where(base), scmEndpoint: base, pollIntervalMs: 0 });

describe('rollbackFunctionApp against loopback ARM, Blob and Kudu', () => {
  it('ships the release before the one serving through Kudu, then marks it serving', async () => {
    const fake = await start();
    const lines: string[] = [];
    const result = await rollbackFunctionApp({ ...options(fake.base), progress: (l) => lines.push(l) });
    expect(summary(fake.calls)).toEqual([
      'GET /providers/Microsoft.Web/sites/acme-api',
      'GET /providers/Microsoft.Storage/storageAccounts/acmeapi',
      'POST /providers/Microsoft.Storage/storageAccounts/acmeapi/listKeys',
      'GET /acmeapi/onefn-releases',
      'HEAD /acmeapi/onefn-releases/acme-api/2.zip',
      'GET /acmeapi/onefn-releases/acme-api/2.zip',
      'POST /api/publish',
      'GET /api/deployments/d-1',
      'PATCH /providers/Microsoft.Web/sites/acme-api/providers/Microsoft.Resources/tags/default',
    ]);
    const list = fake.calls.find((c) => c.path === '/acmeapi/onefn-releases');
    expect(new URLSearchParams(list?.query).get('prefix')).toBe('acme-api/');
    // The kept package itself is what Kudu receives.
    expect(fake.calls.find((c) => c.path === '/api/publish')?.body).toBe('PK-release-2');
    expect(JSON.parse(fake.calls.at(-1)?.body ?? '{}')).toEqual({ operation: 'Merge', properties: { tags: { 'onefn-release': '2' } } });
    expect(fake.state.site?.tags).toEqual({ 'deployed-by': 'onefn', 'onefn-release': '2' });
    expect(result).toMatchObject({ dryRun: false, app: 'acme-api', plan: 'flex', from: '3', to: '2', unchanged: false, package: 'onefn-releases/acme-api/2.zip', releases: [1, 2, 3] });
    expect(result.sha256).toEqual({ from: '3'.repeat(64), to: '2'.repeat(64) });
    expect(fake.calls.filter((c) => c.path.startsWith('/subscriptions') || c.path.startsWith('/api')).every((c) => c.auth === 'Bearer fake-token')).toBe(true);
    expect(JSON.stringify(result) + lines.join('\n')).not.toContain(KEY);
  });

  it('a rollback of a rollback goes one further back; --to picks any kept release', async () => {
    const fake = await start();
    await rollbackFunctionApp(options(fake.base));
    const second = await rollbackFunctionApp(options(fake.base));
    expect([second.from, second.to]).toEqual(['2', '1']);
    const forward = await rollbackFunctionApp({ ...options(fake.base), to: '3' });
    expect([forward.from, forward.to]).toEqual(['1', '3']);
    expect(fake.calls.filter((c) => c.path === '/api/publish').map((c) => c.body)).toEqual(['PK-release-2', 'PK-release-1', 'PK-release-3']);
  });

  it('Linux Consumption ships through /api/zipdeploy', async () => {
    const fake = await start({ site: { tags: { 'deployed-by': 'onefn', 'onefn-release': '3' }, flex: false, serverFarmId: '' } });
    const result = await rollbackFunctionApp(options(fake.base));
    expect(result.plan).toBe('consumption');
    expect(fake.calls.find((c) => c.method === 'POST' && c.path.startsWith('/api/'))).toMatchObject({ path: '/api/zipdeploy', query: '?isAsync=true' });
  });

  it('--dry-run reads and plans, ships nothing and moves no tag', async () => {
    const fake = await start();
    const result = await rollbackFunctionApp({ ...options(fake.base), dryRun: true });
    expect(result).toMatchObject({ dryRun: true, from: '3', to: '2' });
    expect(fake.calls.map((c) => c.method)).toEqual(['GET', 'GET', 'POST', 'GET']);
    expect(fake.calls.some((c) => c.path.endsWith('.zip'))).toBe(false);
    expect(fake.state.site?.tags['onefn-release']).toBe('3');
  });

  it('rolling back to the release serving ships nothing', async () => {
    const fake = await start();
    const result = await rollbackFunctionApp({ ...options(fake.base), to: '3' });
    expect(result.unchanged).toBe(true);
    expect(fake.calls.some((c) => c.path === '/api/publish' || c.method === 'PATCH')).toBe(false);
  });

  it.each([
    ['the app is not there', { site: undefined }, {}, 'APP_NOT_FOUND', /no function app acme-api in resource group rg/],
    ['the app has no release record', { site: { tags: {}, flex: true, serverFarmId: '' } }, {}, 'NO_PREVIOUS_RELEASE', /no onefn release record/],
    ['release 1 has nothing before it', { site: { tags: { 'onefn-release': '1' }, flex: true, serverFarmId: '' } }, {}, 'NO_PREVIOUS_RELEASE', /serves release 1 and has no kept release before it to roll back to \(kept: 1, 2, 3\)/],
    ['--to names no kept release', {}, { to: '9' }, 'RELEASE_NOT_FOUND', /no kept release 9; kept: 1, 2, 3/],
    ['no release container yet', { container: false, blobs: new Map() }, {}, 'NO_PREVIOUS_RELEASE', /kept: none/],
  ] as const)('refuses with a typed error when %s', async (_, state, extra, code, message) => {
    const fake = await start(state as Partial<FakeState>);
    const error = await rollbackFunctionApp({ ...options(fake.base), ...extra }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AzureLifecycleError);
    expect(error).toMatchObject({ code });
    expect((error as Error).message).toMatch(message);
    expect(fake.calls.some((c) => c.path === '/api/publish' || c.method === 'PATCH')).toBe(false);
  });

  it('a failed Kudu deployment is an error, and the serving tag stays', async () => {
    const fake = await start({ kuduStatus: 3 });
    const error = await rollbackFunctionApp(options(fake.base)).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'KUDU_DEPLOYMENT_FAILED', message: expect.stringMatching(/^the deployment failed: the package does not start/) });
    expect(fake.state.site?.tags['onefn-release']).toBe('3');
  });

  it.each([
    [{ to: 'latest' }, /"to"/],
    [{ to: '-1' }, /"to"/],
    [{ app: 'bad_app!' }, /"app"/],
    [{ subscriptionId: 'nope' }, /subscriptionId/],
    [{ stage: 'Prod' }, /"stage"/],
    [{ scmEndpoint: 'ftp://x' }, /scmEndpoint/],
    [{ regoin: 'x' }, /regoin/],
  ] as const)('validates %j before any call', async (extra, message) => {
    const fake = await start();
    await expect(rollbackFunctionApp({ ...options(fake.base), ...(extra as object) })).rejects.toThrow(message);
    expect(fake.calls).toHaveLength(0);
  });
});

describe('onefn rollback azure', () => {
  function io(env: Record<string, string> = { AZURE_SUBSCRIPTION_ID: SUB }) {
    const out: string[] = [];
    const err: string[] = [];
    return { out, err, io: { stdout: (t: string) => void out.push(t), stderr: (t: string) => void err.push(t), cwd: '/', env } };
  }

  it('--json prints the shared RollbackReport; text says what serves now', async () => {
    const fake = await start();
    const t = io();
    const args = { positionals: ['acme-api'], options: { 'resource-group': 'rg', json: true } };
    expect(await rollbackCommand(args, t.io, { credential, armEndpoint: fake.base, scmEndpoint: fake.base, allowInsecureConnection: true, pollIntervalMs: 0 })).toBe(0);
    const report = JSON.parse(t.out.join(''));
    expect(Object.keys(report)).toEqual([...LIFECYCLE_REPORT_KEYS.rollback]);
    expect(report).toMatchObject({ command: 'rollback', provider: 'azure', stage: null, dryRun: false, function: 'acme-api', from: '3', to: '2', detail: { package: 'onefn-releases/acme-api/2.zip', releases: [1, 2, 3] } });
    expect(t.err.join('')).toContain('ship release 2');
    const text = io();
    expect(await rollbackCommand({ positionals: ['acme-api'], options: { 'resource-group': 'rg', 'dry-run': true } }, text.io, { credential, armEndpoint: fake.base, allowInsecureConnection: true })).toBe(0);
    expect(text.out.join('')).toBe('acme-api: would ship release 1 (was 2)\n');
  });

  it('a stage goes into the app name, and --app with a function still rolls the app back', async () => {
    const fake = await start();
    const t = io();
    await rollbackCommand({ positionals: ['hello'], options: { app: 'acme', 'resource-group': 'rg', stage: 'api', 'dry-run': true } }, t.io, { credential, armEndpoint: fake.base, allowInsecureConnection: true });
    expect(summary(fake.calls)[0]).toBe('GET /providers/Microsoft.Web/sites/acme-api');
    expect(t.err.join('')).toContain('hello is one function of acme-api: the whole app rolls back');
  });

  it.each([
    [['rollback', 'azure', '--resource-group', 'rg'], /needs the function app/],
    [['rollback', 'azure', 'acme-api'], /--resource-group <name> is required/],
    [['rollback', 'azure', 'a', '--function', 'b', '--resource-group', 'rg'], /two functions/],
  ])('%j is a usage error', async (argv, message) => {
    const t = io();
    expect(await runCli(argv, t.io)).toBe(2);
    expect(t.err.join('')).toMatch(message);
  });

  it('the config\'s azure.app arrives as --app: the app named again is still the app, not one of its functions', async () => {
    const fake = await start();
    const t = io();
    await rollbackCommand({ positionals: ['ACME-API'], options: { app: 'acme-api', 'resource-group': 'rg', 'dry-run': true } }, t.io, { credential, armEndpoint: fake.base, allowInsecureConnection: true });
    expect(t.err.join('')).not.toContain('is one function of');
  });

  it.each(['rollback', 'destroy', 'logs'])('onefn %s azure --help lists its flags', async (command) => {
    const t = io();
    expect(await runCli([command, 'azure', '--help'], t.io)).toBe(0);
    const help = t.out.join('');
    for (const flag of ['--app <name>', '--function <name>', '--subscription <id>', '--resource-group <name>', '--stage <name>', '--json']) expect(help).toContain(flag);
    expect(help.includes('--dry-run')).toBe(command !== 'logs');
    expect(help.includes('--since <duration>')).toBe(command === 'logs');
    expect(help.includes('--to <release>')).toBe(command === 'rollback');
  });

  it('needs a subscription', async () => {
    const t = io({});
    expect(await runCli(['rollback', 'azure', 'acme-api', '--resource-group', 'rg'], t.io)).toBe(2);
    expect(t.err.join('')).toMatch(/--subscription <id> is required/);
  });

});
