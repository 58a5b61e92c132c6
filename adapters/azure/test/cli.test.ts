import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { unzipSync } from 'fflate';
import { azureHost, httpResult, rpcHttp, rpcQueueMessage } from '@onefn/azure/testing';
import { runCli } from 'onefn/cli';
import { buildFunctionApp } from '@onefn/azure/deploy';

const app = new URL('./fixtures/app.ts', import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), 'onefn-azure-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const host = azureHost();
beforeEach(() => host.reset());

function io(): { out: string[]; err: string[]; io: { stdout(t: string): void; stderr(t: string): void; cwd: string; env: Record<string, string> } } {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, io: { stdout: (t) => void out.push(t), stderr: (t) => void err.push(t), cwd: dir, env: {} } };
}

function eventFile(name: string, value: unknown): string {
  const file = join(dir, name);
  writeFileSync(file, JSON.stringify(value));
  return file;
}

/** `onefn <command> azure <positionals> --flags`, through the one shell, as a user runs it. */
function cli(command: string) {
  return async (args: { positionals: string[]; options: Record<string, string | boolean> }, io: Parameters<typeof runCli>[1]): Promise<number> => {
    return runCli([command, 'azure', ...args.positionals, ...Object.entries(args.options).flatMap(([k, v]) => (v === true ? [`--${k}`] : [`--${k}`, String(v)]))], io);
  };
}

describe('onefn invoke azure', () => {
  it('runs an HTTP request through the pipeline', async () => {
    const t = io();
    const code = await cli('invoke')({ positionals: [app], options: { event: eventFile('get.json', { http: { method: 'GET', url: '/api/hello?name=Ada' } }) } }, t.io);
    expect(code).toBe(0);
    expect(JSON.parse(t.out.join(''))).toMatchObject({ function: 'hello', status: 'ok', result: { status: 200, body: '{"message":"Hello, Ada!"}' } });
  });

  it('runs a queue message and reports its failure as a result (exit 0), as invoke aws does', async () => {
    const ok = io();
    expect(await cli('invoke')({ positionals: [app], options: { event: eventFile('q.json', { queue: { body: { fail: false } } }) } }, ok.io)).toBe(0);
    const bad = io();
    expect(await cli('invoke')({ positionals: [app], options: { event: eventFile('q2.json', { queue: { body: { fail: true }, id: 'm-7' } }) } }, bad.io)).toBe(0);
    expect(JSON.parse(bad.out.join(''))).toMatchObject({ status: 'failed', error: { code: 'EVENT_FAILED' } });
  });

  it.each([
    [{ positionals: [app], options: {} }, 2, /^onefn: --event/],
    [{ positionals: [app], options: { event: 'missing.json' } }, 2, /^onefn: cannot read missing.json/],
    [{ positionals: [app], options: { event: '__bad__' } }, 1, /^onefn: .*not JSON/],
    [{ positionals: [app], options: { event: '__two__' } }, 1, /^onefn: .*one key/],
    [{ positionals: [app], options: { event: '__timer__' } }, 2, /^onefn: no function takes this event/],
    [{ positionals: [app], options: { event: '__typo__' } }, 1, /^onefn: rpcHttp: unknown option "jsn"/],
  ])('bad input is one line and a non-zero exit: %j', async (args, exit, message) => {
    writeFileSync(join(dir, '__bad__'), '{nope');
    writeFileSync(join(dir, '__two__'), '{"http":{},"queue":{}}');
    writeFileSync(join(dir, '__timer__'), '{"timer":{}}');
    writeFileSync(join(dir, '__typo__'), '{"http":{"method":"POST","url":"/api/hello","jsn":{"name":"Ada"}}}');
    const t = io();
    expect(await cli('invoke')(args as never, t.io)).toBe(exit);
    expect(t.err.join('')).toMatch(message);
    expect(t.err.join('').trim().split('\n')).toHaveLength(1);
  });
});

describe('build', () => {
  it('writes host.json, package.json and a deterministic zip', async () => {
    const a = await buildFunctionApp({ entry: app, plan: 'consumption' });
    const b = await buildFunctionApp({ entry: app, plan: 'consumption' });
    expect(a.sha256).toBe(b.sha256);
    const files = unzipSync(a.zip);
    expect(Object.keys(files).sort()).toEqual(['dist/index.mjs', 'host.json', 'package.json']);
    const hostJson = JSON.parse(new TextDecoder().decode(files['host.json']));
    expect(hostJson).toMatchObject({ version: '2.0', functionTimeout: '00:02:00', extensionBundle: { id: 'Microsoft.Azure.Functions.ExtensionBundle' }, extensions: { http: { routePrefix: 'api' } } });
    expect(JSON.parse(new TextDecoder().decode(files['package.json']))).toMatchObject({ main: 'dist/index.mjs', type: 'module' });
    expect(a.functions.map((f) => [f.name, f.trigger.kind])).toEqual([['hello', 'http'], ['orders', 'storageQueue']]);
  });

  it('refuses a timeout over the plan limit, naming the option', async () => {
    await expect(buildFunctionApp({ entry: app, plan: 'consumption', functionTimeout: 3600 })).rejects.toThrow(/functionTimeout/);
  });

  it('the bundled entry registers and runs under the worker (its own copy of @azure/functions)', async () => {
    const pkg = await buildFunctionApp({ entry: app });
    const file = join(dir, 'bundle.mjs');
    writeFileSync(file, pkg.files['dist/index.mjs'] as string);
    await import(pathToFileURL(file).href);
    expect([...host.registrations.keys()]).toEqual(['hello', 'orders']);
    expect(host.registrations.get('hello')?.trigger).toMatchObject({ route: 'hello', authLevel: 'anonymous' });
    expect(httpResult(await host.invoke('hello', rpcHttp({ url: '/api/hello?name=Bundle' }))).json()).toEqual({ message: 'Hello, Bundle!' });
    expect((await host.invoke('orders', rpcQueueMessage({ body: { fail: true } }))).status).toBe('failure');
  });

  it('onefn build azure --out writes the files', async () => {
    const t = io();
    expect(await cli('build')({ positionals: [app], options: { out: 'out', json: true } }, t.io)).toBe(0);
    expect(JSON.parse(readFileSync(join(dir, 'out', 'host.json'), 'utf8')).functionTimeout).toBe('00:02:00');
    expect(JSON.parse(t.out.join('')).functions.map((f: { name: string; kind: string }) => [f.name, f.kind])).toEqual([['hello', 'http'], ['orders', 'message']]);
  });
});
