import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from 'onefn/cli';
import { fixtureText } from './fixtures.js';

const dir = mkdtempSync(join(tmpdir(), 'onefn-gcp-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const app = fileURLToPath(new URL('./app/app.ts', import.meta.url));

function io() {
  const out = { stdout: '', stderr: '' };
  return { out, io: { stdout: (t: string) => void (out.stdout += t), stderr: (t: string) => void (out.stderr += t), cwd: dir, env: {} } };
}
function file(name: string, content: string): string {
  writeFileSync(join(dir, name), content);
  return name;
}
const run = (command: string, positionals: string[], options: Record<string, string | boolean>) => {
  const { out, io: i } = io();
  const flags = Object.entries(options).flatMap(([k, v]) => (v === true ? [`--${k}`] : [`--${k}`, String(v)]));
  return runCli([command, 'gcp', ...positionals, ...flags], i).then((code) => ({ code, ...out }));
};

describe('onefn invoke gcp', () => {
  it('runs an HTTP request file and prints {status, headers, body}', async () => {
    const r = await run('invoke', [app], { event: file('req.json', JSON.stringify({ method: 'GET', path: '/hello?name=Ada', headers: {} })) });
    expect(r.code).toBe(0);
    const printed = JSON.parse(r.stdout);
    expect(printed).toMatchObject({ status: 200, headers: { 'content-type': 'application/json' } });
    expect(JSON.parse(printed.body)).toEqual({ message: 'Hello, Ada!', fn: 'http' });
  });

  it('runs a structured CloudEvent file through the event function; logs go to stderr', async () => {
    const ce = JSON.parse(fixtureText('gcp/cloudevent-structured/pubsub-message-published.json')) as Record<string, unknown>;
    const r = await run('invoke', [app], { event: file('ce.json', JSON.stringify(ce)) });
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ status: 204, body: '' });
    expect(JSON.parse(r.stderr.trim().split('\n').pop() as string)).toMatchObject({ severity: 'INFO', message: 'order', id: 'aaaaaa-1111-bbbb-2222-cccccccccccc' });
  });

  it('a handler failure is a result: prints the 500 Pub/Sub would redeliver on, and exits 0', async () => {
    const ce = JSON.parse(fixtureText('gcp/cloudevent-structured/pubsub-message-published.json')) as { data: { message: { attributes?: Record<string, string> } } };
    ce.data.message.attributes = { ...ce.data.message.attributes, fail: 'yes' };
    const r = await run('invoke', [app], { event: file('fail.json', JSON.stringify(ce)) });
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).status).toBe(500);
  });

  it('a refused event prints the 422 and exits 1', async () => {
    const r = await run('invoke', [app], { event: file('bad.json', JSON.stringify({ specversion: '1.0', id: '1', source: '/s', type: 'com.example.other' })) });
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout).status).toBe(422);
  });

  it.each([
    [[], { event: 'x.json' }, 2, 'onefn: onefn invoke gcp needs an entry module'],
    [[app], {}, 2, '--event'],
    [[app], { event: 'missing.json' }, 2, 'cannot read missing.json'],
    [[app], { event: 'notjson.json' }, 1, 'is not JSON'],
    [[app], { event: 'req2.json', function: 'nope' }, 2, 'no function "nope"'],
  ] as Array<[string[], Record<string, string>, number, string]>)('bad input %# is one line and a non-zero exit', async (positionals, options, exit, message) => {
    file('notjson.json', '{oops');
    file('req2.json', '{"method":"GET","path":"/"}');
    const r = await run('invoke', positionals, options);
    expect(r.code).toBe(exit);
    expect(r.stderr).toContain(message);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
  });
});

describe('onefn build gcp / deploy gcp --dry-run', () => {
  it('writes function.zip and lists entry points', async () => {
    const r = await run('build', [app], { out: 'out', json: true, 'routed-name': 'api' });
    expect(r.code).toBe(0);
    const printed = JSON.parse(r.stdout);
    expect(existsSync(printed.artifacts[0].path)).toBe(true);
    expect(printed.functions).toEqual([
      { name: 'api', kind: 'http', action: 'built', trigger: null, url: null, detail: { entryPoint: 'api', sourcemap: false, nodeOptions: null } },
      { name: 'orders', kind: 'message', action: 'built', trigger: null, url: null, detail: { entryPoint: 'orders', sourcemap: false, nodeOptions: null } },
    ]);
  });

  it('plans a deploy without calls and prints JSON', async () => {
    const r = await run('deploy', [app], { project: 'my-project', region: 'us-central1', 'dry-run': true, json: true });
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ dryRun: true, functions: [{ name: 'http', action: 'planned' }, { name: 'orders', action: 'planned' }] });
  });

  it('--json plan names a user env that onefn overrides, and says so on stderr', async () => {
    const r = await run('deploy', [app], { project: 'my-project', region: 'us-central1', env: 'NODE_ENV=development,API=x', 'dry-run': true, json: true });
    expect(r.code).toBe(0);
    const printed = JSON.parse(r.stdout) as { functions: Array<{ name: string; detail: { ignoredEnv: Array<{ name: string }> } }> };
    expect(printed.functions.map((f) => [f.name, f.detail.ignoredEnv.map((v) => v.name)])).toEqual([['http', ['NODE_ENV']], ['orders', ['NODE_ENV']]]);
    expect(r.stderr).toContain('plan: http: env NODE_ENV ignored: onefn deploys with NODE_ENV=production');
  });

  it('names a bad option in one line', async () => {
    const r = await run('deploy', [app], { project: 'my-project', region: 'us-central1', runtime: 'nodejs16', 'dry-run': true });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^onefn: Invalid option "runtime"/);
  });
});
