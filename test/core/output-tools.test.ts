// The local tools put results on the wire too: `onefn dev` through Node's http server, `onefn invoke
// local` as printed JSON. A result that cannot be sent gets the same answer there as on the clouds.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LogEntry } from 'onefn';
import { runCli, startDevServer, type CliIO, type DevServer } from 'onefn/cli';

const repo = new URL('../../', import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), 'onefn-output-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const entry = join(dir, 'bad.ts');
writeFileSync(
  entry,
  `import { defineHttp, json, redirect } from 'onefn';
   export const header = defineHttp({ method: 'GET', route: '/header', handler: () => ({ headers: { 'x-note': 'ok\\r\\nx-injected: evil' }, body: 'hi' }) });
   export const moved = defineHttp({ method: 'GET', route: '/redirect', handler: () => redirect('/next\\r\\nx-injected: evil') });
   export const cookie = defineHttp({ method: 'GET', route: '/cookie', handler: () => json({}, { cookies: ['a=1\\r\\nx-injected: evil'] }) });`,
);

const GENERIC = { type: 'about:blank', title: 'Internal Server Error', status: 500, detail: 'The function failed. See its logs for details.' };
const paths = ['/header', '/redirect', '/cookie'];

describe('onefn dev', () => {
  let dev: DevServer;
  const logs: LogEntry[] = [];
  const printed: string[] = [];
  beforeAll(async () => {
    dev = await startDevServer({ entry, port: 0, watch: false, print: (line) => void printed.push(line), logSink: (e) => void logs.push(e) });
  });
  afterAll(() => dev.close());

  it.each(paths)('answers GET %s with the generic 500 problem and logs the HeaderError', async (path) => {
    logs.length = 0;
    printed.length = 0;
    const res = await fetch(dev.url + path);
    expect(res.status).toBe(500);
    expect(res.headers.get('content-type')).toBe('application/problem+json');
    expect(res.headers.get('x-injected')).toBeNull();
    expect(res.headers.getSetCookie()).toEqual([]);
    expect(await res.json()).toEqual(GENERIC);
    expect(logs.map((e) => (e.fields['error'] as { code?: string }).code)).toEqual(['INVALID_HEADER']);
    // The handler's log, not the dev server's own failure.
    expect(printed.join('\n')).not.toContain('dev server error');
  });
});

describe('onefn invoke local', () => {
  it.each(paths)('prints the generic 500 problem for GET %s and logs the HeaderError', async (path) => {
    const event = join(dir, 'event.json');
    writeFileSync(event, JSON.stringify({ method: 'GET', path }));
    let out = '';
    let err = '';
    const io: CliIO = { stdout: (t) => void (out += t), stderr: (t) => void (err += t), cwd: repo, env: {} };
    expect(await runCli(['invoke', 'local', entry, '--event', event], io)).toBe(0);
    const printed = JSON.parse(out) as { status: number; headers: Record<string, unknown>; cookies: string[]; body: string };
    expect(printed.status).toBe(500);
    expect(printed.cookies).toEqual([]);
    expect(printed.headers).toEqual({ 'content-type': 'application/problem+json' });
    expect(JSON.parse(printed.body)).toEqual(GENERIC);
    expect(out).not.toContain('evil');
    expect(err).toContain('INVALID_HEADER');
    expect(err).not.toContain('x-injected: evil');
  });
});
