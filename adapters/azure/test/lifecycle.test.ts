import type { Server } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { AzureLifecycleError, destroyFunctionApp, functionLogs, rollbackFunctionApp } from '@onefn/azure/deploy';
import { CredentialsError } from 'onefn/build';
import { optionalPeer } from '../src/deploy/lifecycle.js';
import { defaultState, fakeLifecycle, where } from './fake-lifecycle.js';

let running: Server | undefined;
afterEach(async () => {
  await new Promise<void>((done) => (running ? running.close(() => done()) : done()));
  running = undefined;
});

describe('what rollback, destroy and logs share', () => {
  it('a missing optional peer names its install command; a module missing inside it is reported as is', async () => {
    const missing = Object.assign(new Error("Cannot find package '@azure/monitor-query-logs' imported from /app/cli.js"), { code: 'ERR_MODULE_NOT_FOUND' });
    const error = await optionalPeer('@azure/monitor-query-logs', () => Promise.reject(missing)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AzureLifecycleError);
    expect(error).toMatchObject({ code: 'MISSING_PACKAGE', message: 'this command needs @azure/monitor-query-logs, an optional peer of @onefn/azure: npm i -D @azure/monitor-query-logs' });
    const inner = Object.assign(new Error("Cannot find module 'tslib'"), { code: 'MODULE_NOT_FOUND' });
    await expect(optionalPeer('@azure/arm-eventgrid', () => Promise.reject(inner))).rejects.toBe(inner);
    await expect(optionalPeer('@azure/arm-eventgrid', () => Promise.resolve(42))).resolves.toBe(42);
  });

  const unavailable = Object.assign(new Error('DefaultAzureCredential failed to retrieve a token from the included credentials.\nAttempted credentials: ...'), { name: 'AggregateAuthenticationError' });
  const refusing = { getToken: async () => { throw unavailable; } };

  it.each([
    ['rollback', (base: string) => rollbackFunctionApp({ ...where(base), credential: refusing })],
    ['destroy', (base: string) => destroyFunctionApp({ ...where(base), credential: refusing, dryRun: true })],
    ['logs', (base: string) => functionLogs({ ...where(base), credential: refusing })],
  ] as const)('%s: a credential the chain cannot use is one line naming az login, and nothing is called', async (_, run) => {
    const fake = await fakeLifecycle(defaultState());
    running = fake.server;
    const error = await run(fake.base).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CredentialsError);
    expect((error as Error).message).toBe('no usable Azure credentials (DefaultAzureCredential failed to retrieve a token from the included credentials); log in with: az login (or set AZURE_CLIENT_ID, AZURE_TENANT_ID and AZURE_CLIENT_SECRET)');
    expect(fake.calls).toHaveLength(0);
  });

  it('ARM answering 401 (an expired token) is the same one line', async () => {
    const fake = await fakeLifecycle(defaultState());
    running = fake.server;
    fake.server.removeAllListeners('request');
    fake.server.on('request', (_req, res) => res.writeHead(401, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { code: 'ExpiredAuthenticationToken', message: 'The access token expiry UTC time is earlier than current UTC time.' } })));
    const error = await rollbackFunctionApp(where(fake.base)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CredentialsError);
    expect((error as Error).message).toMatch(/^no usable Azure credentials \(The access token expiry UTC time is earlier than current UTC time\); log in with: az login/);
  });
});
