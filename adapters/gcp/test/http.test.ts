import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { defineHttp, HttpError, json, setCookie } from 'onefn';
import { serve } from '@onefn/gcp';
import { httpRequest, startServer, type TestServer } from '@onefn/gcp/testing';
import type { LogEntry } from 'onefn';

const logs: LogEntry[] = [];

export const echo = defineHttp({
  route: '/echo',
  handler: (req, ctx) =>
    json({
      method: req.method,
      path: req.path,
      query: req.query,
      tags: req.queryAll('tag'),
      hex: Buffer.from(req.bytes()).toString('hex'),
      requestId: ctx.requestId,
      functionName: ctx.functionName,
      provider: ctx.provider,
      left: ctx.remainingMs(),
      header: req.headers.get('x-custom'),
    }),
});
export const binary = defineHttp({ method: 'POST', route: '/binary', handler: (req) => ({ body: req.bytes(), headers: { 'content-type': 'image/png' } }) });
export const cookies = defineHttp({ method: 'GET', route: '/cookies', handler: () => ({ status: 200, cookies: [setCookie('a', '1'), setCookie('b', '2', { httpOnly: true })], body: 'ok' }) });
export const create = defineHttp({ method: 'POST', route: '/users', body: z.object({ name: z.string().min(1) }), handler: (req) => json({ name: req.body.name }, { status: 201 }) });
export const boom = defineHttp({ method: 'GET', route: '/boom', handler: () => { throw new Error('secret database password in message'); } });
export const teapot = defineHttp({ method: 'GET', route: '/teapot', handler: () => { throw new HttpError(429, 'slow down'); } });
export const logging = defineHttp({ method: 'GET', route: '/log', handler: (_req, ctx) => { ctx.log.info('hello', { n: 1 }); return { status: 204 }; } });

let server: TestServer;
beforeAll(async () => {
  serve({ echo, binary, cookies, create, boom, teapot, logging }, { routedName: 'httpTest', env: { K_SERVICE: 'svc-name' }, timeoutSeconds: 30, logSink: (e) => void logs.push(e) });
  server = await startServer('httpTest');
});
afterAll(() => server.close());

describe('HTTP under functions-framework', () => {
  it('passes method, raw path, query arrays, headers and the execution id', async () => {
    const res = await server.send(httpRequest({ path: '/echo?tag=a&tag=b%20c&x=1', headers: { 'x-custom': 'v', 'function-execution-id': 'exec-42' } }));
    expect(res.status).toBe(200);
    const body = await res.json();
    expect(body).toMatchObject({ method: 'GET', path: '/echo', query: { tag: ['a', 'b c'], x: '1' }, tags: ['a', 'b c'], requestId: 'exec-42', functionName: 'svc-name', provider: 'gcp', header: 'v' });
    expect(body.left).toBeGreaterThan(25_000);
    expect(body.left).toBeLessThanOrEqual(30_000);
  });

  it.each([
    ['application/json', '{"a": 1 }'],
    ['text/plain', 'hé\r\nllo'],
    ['application/x-www-form-urlencoded', 'a=1&a=2&b=%20'],
    ['application/octet-stream', '\u0000\u00ff'],
  ])('keeps the raw body bytes of %s', async (type, text) => {
    const res = await server.send(httpRequest({ method: 'POST', path: '/echo', body: Buffer.from(text, 'latin1'), headers: { 'content-type': type } }));
    expect((await res.json()).hex).toBe(Buffer.from(text, 'latin1').toString('hex'));
  });

  it('answers binary bodies byte for byte', async () => {
    const bytes = new Uint8Array(256).map((_, i) => i);
    const res = await server.send(httpRequest({ method: 'POST', path: '/binary', body: bytes }));
    expect(res.headers.get('content-type')).toBe('image/png');
    expect(new Uint8Array(await res.arrayBuffer())).toEqual(bytes);
  });

  it('sends every Set-Cookie value', async () => {
    const res = await server.send(httpRequest({ path: '/cookies' }));
    expect(res.headers.getSetCookie()).toEqual(['a=1', 'b=2; HttpOnly']);
  });

  it('validates bodies with a 400 problem, and 201 when valid', async () => {
    const bad = await server.send(httpRequest({ method: 'POST', path: '/users', json: { name: '' } }));
    expect(bad.status).toBe(400);
    expect(bad.headers.get('content-type')).toBe('application/problem+json');
    expect(await bad.json()).toMatchObject({ issues: [{ location: 'body', path: ['name'] }] });
    const ok = await server.send(httpRequest({ method: 'POST', path: '/users', json: { name: 'Ada' } }));
    expect(ok.status).toBe(201);
    expect(await ok.json()).toEqual({ name: 'Ada' });
  });

  it('answers a thrown error with a generic 500 and no internal message', async () => {
    const res = await server.send(httpRequest({ path: '/boom' }));
    expect(res.status).toBe(500);
    const text = await res.text();
    expect(text).not.toContain('secret');
    expect(text).not.toContain('at ');
    expect(res.headers.get('x-google-status')).toBeNull();
    expect(logs.some((e) => e.level === 'error' && JSON.stringify(e.fields).includes('secret database'))).toBe(true);
  });

  it('maps HttpError, 404 and 405, and HEAD without a body', async () => {
    expect((await server.send(httpRequest({ path: '/teapot' }))).status).toBe(429);
    expect((await server.send(httpRequest({ path: '/nope' }))).status).toBe(404);
    const m = await server.send(httpRequest({ method: 'DELETE', path: '/users' }));
    expect(m.status).toBe(405);
    expect(m.headers.get('allow')).toBe('POST');
    const head = await server.send(httpRequest({ method: 'HEAD', path: '/cookies' }));
    expect(head.status).toBe(200);
    expect(await head.text()).toBe('');
  });

  it('logs through the context with the request id', async () => {
    logs.length = 0;
    await server.send(httpRequest({ path: '/log', headers: { 'function-execution-id': 'log-1' } }));
    expect(logs).toEqual([expect.objectContaining({ level: 'info', message: 'hello', fields: { requestId: 'log-1', n: 1 } })]);
  });
});
