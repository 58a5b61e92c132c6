import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDevServer, type DevServer } from 'onefn/cli';

const repo = new URL('../../', import.meta.url).pathname;

describe('onefn dev serves the hello example over real HTTP', () => {
  let dev: DevServer;
  beforeAll(async () => {
    dev = await startDevServer({ entry: join(repo, 'examples/hello/index.ts'), port: 0, watch: false, print: () => {}, logSink: () => {} });
  });
  afterAll(() => dev.close());

  it('binds to loopback', () => {
    expect(dev.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  });

  it.each([
    ['GET', '/hello?name=Ada', undefined, 200, { message: 'Hello, Ada!' }],
    ['GET', '/hello', undefined, 200, { message: 'Hello, world!' }],
    ['POST', '/hello', '{"name":"Ada"}', 200, { message: 'Hello, Ada!' }],
  ])('%s %s', async (method, path, body, status, expected) => {
    const res = await fetch(dev.url + path, { method, body, headers: body ? { 'content-type': 'application/json' } : {} });
    expect(res.status).toBe(status);
    expect(res.headers.get('content-type')).toBe('application/json');
    expect(await res.json()).toEqual(expected);
  });

  it.each([
    ['an empty name', '{"name":""}'],
    ['a name too long', JSON.stringify({ name: 'x'.repeat(101) })],
    ['a number', '{"name":5}'],
    ['no name', '{}'],
  ])('answers POST with %s by a 400 naming the field', async (_n, body) => {
    const res = await fetch(`${dev.url}/hello`, { method: 'POST', body, headers: { 'content-type': 'application/json' } });
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toBe('application/problem+json');
    const problem = (await res.json()) as { issues: Array<{ location: string; path: string[]; message: string }> };
    expect(problem.issues[0]).toMatchObject({ location: 'body', path: ['name'] });
    // zod/mini says only "Invalid input" until a locale is configured; the example configures English.
    expect(problem.issues[0]?.message).toMatch(/expected|Too (small|big)/);
  });

  it('answers malformed JSON with 400, other methods with 405, other paths with 404', async () => {
    expect((await fetch(`${dev.url}/hello`, { method: 'POST', body: '{"name":', headers: { 'content-type': 'application/json' } })).status).toBe(400);
    const put = await fetch(`${dev.url}/hello`, { method: 'PUT' });
    expect(put.status).toBe(405);
    expect(put.headers.get('allow')).toContain('GET');
    expect((await fetch(`${dev.url}/other`)).status).toBe(404);
  });

  it('answers HEAD without a body', async () => {
    const res = await fetch(`${dev.url}/hello`, { method: 'HEAD' });
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('');
  });
});

describe('the dev server for events, several cookies, big bodies and reloads', () => {
  const dir = mkdtempSync(join(tmpdir(), 'onefn-dev-'));
  const entry = join(dir, 'api.ts');
  const source = (greeting: string) => `
    import { defineHttp, defineQueue, json, setCookie } from 'onefn';
    export const hi = defineHttp({ method: 'POST', route: '/hi', bodyLimit: 64, handler: () => json({ greeting: '${greeting}' }, { cookies: [setCookie('a', '1'), setCookie('b', '2')] }) });
    export const jobs = defineQueue({ queue: 'jobs', handler: (m) => { if (m.body === 'bad') throw new Error('bad job'); } });`;
  let dev: DevServer;
  beforeAll(async () => {
    writeFileSync(entry, source('hello'));
    dev = await startDevServer({ entry, port: 0, watch: false, print: () => {}, logSink: () => {} });
  });
  afterAll(async () => {
    await dev.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('sends every Set-Cookie apart', async () => {
    const res = await fetch(`${dev.url}/hi`, { method: 'POST' });
    expect(res.headers.getSetCookie()).toEqual(['a=1', 'b=2']);
  });

  it('answers 413 for a body over the limit', async () => {
    expect((await fetch(`${dev.url}/hi`, { method: 'POST', body: 'x'.repeat(2 * 1024 * 1024) })).status).toBe(413);
  });

  it('triggers event definitions by POST, reporting each outcome', async () => {
    const res = await fetch(`${dev.url}/_onefn/events/jobs`, { method: 'POST', body: JSON.stringify([{ kind: 'message', id: '1', body: 'ok' }, { kind: 'message', id: '2', body: 'bad' }]) });
    expect(res.status).toBe(500);
    expect(await res.json()).toEqual({ outcomes: [{ id: '1', status: 'ok' }, { id: '2', status: 'failed', error: 'bad job' }], failed: ['2'] });
    const good = await fetch(`${dev.url}/_onefn/events/jobs`, { method: 'POST', body: JSON.stringify({ kind: 'message', body: 'ok' }) });
    expect(good.status).toBe(200);
    expect((await fetch(`${dev.url}/_onefn/events/nope`, { method: 'POST', body: '{}' })).status).toBe(404);
    expect((await fetch(`${dev.url}/_onefn/events/jobs`, { method: 'POST', body: '{bad' })).status).toBe(400);
    expect((await fetch(`${dev.url}/_onefn/events/jobs`, { method: 'POST', body: JSON.stringify({ kind: 'storage', bucket: 'b', key: 'k' }) })).status).toBe(400);
  });

  it('serves the new code after a reload, and keeps the old one when the new one breaks', async () => {
    writeFileSync(entry, source('bonjour'));
    await dev.reload();
    expect(await (await fetch(`${dev.url}/hi`, { method: 'POST' })).json()).toEqual({ greeting: 'bonjour' });
    writeFileSync(entry, 'export const broken = ;');
    await dev.reload();
    expect(await (await fetch(`${dev.url}/hi`, { method: 'POST' })).json()).toEqual({ greeting: 'bonjour' });
  });
});
