import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli, type CliIO } from 'onefn/cli';

const repo = new URL('../../', import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), 'onefn-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, content: unknown): string {
  const path = join(dir, name);
  writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content));
  return path;
}

async function run(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const io: CliIO = { stdout: (t) => void (out += t), stderr: (t) => void (err += t), cwd: repo, env: {} };
  const code = await runCli(argv, io);
  return { code, out, err };
}

const events = file(
  'events.ts',
  `import { defineQueue, defineStorage } from 'onefn';
   export const jobs = defineQueue({ queue: 'jobs', handler: (m) => { if (m.body === 'bad') throw new Error('no'); } });
   export const uploads = defineStorage({ bucket: 'b', handler: () => {} });`,
);

describe('onefn invoke local', () => {
  it.each([
    ['GET with a name', { method: 'GET', path: '/hello?name=Ada' }, 200, { message: 'Hello, Ada!' }],
    ['GET without a name', { method: 'GET', path: '/hello' }, 200, { message: 'Hello, world!' }],
    ['POST JSON', { method: 'POST', path: '/hello', body: { name: 'Ada' } }, 200, { message: 'Hello, Ada!' }],
    ['POST invalid', { method: 'POST', path: '/hello', body: { name: 42 } }, 400, undefined],
    ['unknown path', { method: 'GET', path: '/nope' }, 404, undefined],
  ])('routes %s through the hello example', async (_n, event, status, body) => {
    const res = await run('invoke', 'local', 'examples/hello/index.ts', '--event', file('e.json', event));
    expect(res.code).toBe(0);
    const printed = JSON.parse(res.out) as { status: number; body: string };
    expect(printed.status).toBe(status);
    if (body) expect(JSON.parse(printed.body)).toEqual(body);
  });

  it('runs one definition chosen by --function', async () => {
    const res = await run('invoke', 'local', 'examples/hello/index.ts', '--event', file('p.json', { method: 'DELETE', path: '/hello' }), '--function', 'sayHello');
    expect(JSON.parse(res.out).status).toBe(405);
    const other = await run('invoke', 'local', 'examples/hello/index.ts', '--event', file('p2.json', { method: 'GET', path: '/hello?name=Bo' }), '--function', 'postHello');
    expect(JSON.parse(other.out).status).toBe(405);
  });

  it('runs a batch of messages and prints each outcome', async () => {
    const res = await run('invoke', 'local', events, '--event', file('m.json', [{ kind: 'message', id: 'a', body: 'ok' }, { kind: 'message', id: 'b', body: 'bad' }]));
    expect(res.code).toBe(0);
    expect(JSON.parse(res.out)).toEqual({ outcomes: [{ id: 'a', status: 'ok' }, { id: 'b', status: 'failed', error: 'no' }], failed: ['b'] });
  });

  it('runs a storage event', async () => {
    const res = await run('invoke', 'local', events, '--event', file('s.json', { kind: 'storage', bucket: 'b', key: 'k' }));
    expect(JSON.parse(res.out).failed).toEqual([]);
  });

  it.each([
    ['a file that is not JSON', () => ['--event', file('bad.json', '{oops')], 1, /is not JSON/],
    ['a missing file', () => ['--event', join(dir, 'none.json')], 2, /cannot read/],
    ['no --event', () => [], 2, /--event <file.json> is required/],
    ['an unknown kind', () => ['--event', file('k.json', { kind: 'sms' })], 1, /unknown kind "sms"/],
    ['a kind nothing serves', () => ['--event', file('c.json', { kind: 'cloudevent', source: 's', type: 't' })], 2, /no definition takes cloudevent/],
    ['an unknown function', () => ['--event', file('x.json', { kind: 'message' }), '--function', 'nope'], 2, /no definition named "nope"/],
    ['a bad storage event', () => ['--event', file('y.json', { kind: 'storage', key: 'k' })], 1, /"bucket" must be a non-empty string/],
  ])('exits non-zero with one line for %s', async (_n, extra, exit, message) => {
    const res = await run('invoke', 'local', events, ...extra());
    expect(res.code).toBe(exit);
    expect(res.err).toMatch(/^onefn: /);
    expect(res.out).toBe('');
    expect(res.err).toMatch(message);
    expect(res.err.trim().split('\n')).toHaveLength(1);
  });

  it('exits 1 for a module that does not exist or exports nothing', async () => {
    expect((await run('invoke', 'local', 'nope.ts', '--event', file('z.json', { path: '/' }))).err).toMatch(/No such module/);
    expect((await run('invoke', 'local', file('empty.ts', 'export const x = 1;'), '--event', file('z.json', { path: '/' }))).err).toMatch(/exports no onefn definition/);
  });
});

describe('the onefn command', () => {
  it('prints usage, and refuses unknown commands and providers in one line', async () => {
    expect((await run('help')).out).toContain('dev <entry>');
    expect((await run('launch')).code).toBe(2);
    const unknown = await run('invoke', 'mars', 'x.ts');
    expect([unknown.code, unknown.err]).toEqual([2, 'onefn: unknown provider "mars"; use one of aws, gcp, azure\n']);
    expect((await run('deploy')).err).toMatch(/needs a provider/);
  });
});
