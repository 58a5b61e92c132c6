import { beforeEach, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { azureHost, httpResult, rpcFromHostPayload, rpcHttp } from '@onefn/azure/testing';
import { serve } from '@onefn/azure';
import { bytes, defineHttp, json, setCookie, text } from 'onefn';

const fixture = (path: string): unknown => JSON.parse(readFileSync(new URL(`../../../../shared/fixtures/azure/${path}`, import.meta.url), 'utf8'));

const host = azureHost();
beforeEach(() => host.reset());

const getUser = defineHttp({
  method: 'GET',
  route: '/users/:id',
  handler: (req, ctx) => json({ id: req.params.id, q: req.queryAll('tag'), accept: req.headers.getAll('accept'), cookie: req.cookies['sid'], requestId: ctx.requestId, fn: ctx.functionName, ip: req.ip }),
});
const createOrder = defineHttp({
  method: 'POST',
  route: '/order',
  body: z.object({ id: z.number(), quantity: z.number(), color: z.string() }),
  handler: (req, ctx) => {
    ctx.log.info('order', { id: req.body.id });
    return json({ ok: req.body.id }, { status: 201, cookies: [setCookie('sid', 'a b;c', { httpOnly: true, path: '/', sameSite: 'Lax', maxAge: 60 })] });
  },
});
const binary = defineHttp({ method: 'POST', route: '/echo', handler: (req) => bytes(req.bytes(), 'application/octet-stream', { headers: { 'x-multi': ['a', 'b'] } }) });
const crash = defineHttp({ method: 'GET', route: '/crash', handler: () => { throw new Error('secret detail'); } });

describe('HTTP through @azure/functions', () => {
  it('registers one routed function with a catch-all route, the union of methods and authLevel function', () => {
    serve({ getUser, createOrder, binary, crash });
    const reg = host.registrations.get('http');
    expect([...host.registrations.keys()]).toEqual(['http']);
    expect(reg?.trigger).toMatchObject({ type: 'httpTrigger', route: '{*path}', authLevel: 'function', methods: ['GET', 'HEAD', 'POST'] });
  });

  it.each([
    [{ method: 'GET', route: '/users/:id', public: true }, 'users/{id}', 'anonymous', ['GET', 'HEAD']],
    [{ method: ['PUT', 'DELETE'], route: '/a/:x/*' }, 'a/{x}/{*rest}', 'function', ['PUT', 'DELETE']],
    [{ route: '/' }, '/', 'function', ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']],
  ] as const)('translates %j to route %s', (opts, route, authLevel, methods) => {
    serve({ one: defineHttp({ ...(opts as object), handler: () => text('x') }) });
    expect(host.registrations.get('one')?.trigger).toMatchObject({ route, authLevel, methods });
  });

  it('gives the handler params, multi-value query and headers, cookies, invocation id and client ip', async () => {
    serve({ getUser, createOrder });
    const res = httpResult(await host.invoke('http', { ...rpcHttp({ url: '/api/users/42?tag=a&tag=b', headers: { accept: 'text/html', cookie: 'sid=s%201', 'x-forwarded-for': '203.0.113.9:5123' } }), invocationId: 'inv-1' }));
    expect(res.status).toBe(200);
    expect(res.json()).toEqual({ id: '42', q: ['a', 'b'], accept: ['text/html'], cookie: 's 1', requestId: 'inv-1', fn: 'http', ip: '203.0.113.9' });
  });

  it('runs the host fixture (custom-handler HTTP payload) through the pipeline, with cookies as Cookie objects', async () => {
    serve({ getUser, createOrder });
    const result = await host.invoke('http', rpcFromHostPayload(fixture('functions/http-trigger-invocation-request.json')));
    const res = httpResult(result);
    expect(res.status).toBe(201);
    expect(res.json()).toEqual({ ok: 1005 });
    expect(res.cookies).toHaveLength(1);
    expect(res.cookies[0]).toMatchObject({ name: 'sid', value: 'a b;c', path: { value: '/' }, httpOnly: { value: true }, sameSite: 'lax', maxAge: { value: 60 } });
    expect(result.logs.some((l) => l.category === 'user' && l.level === 'information' && l.message.includes('order') && l.message.includes('1005'))).toBe(true);
  });

  // The library's Cookie (and the RPC cookie, and the HTTP-streams serializer) has no Partitioned or
  // Priority: the cookie goes without them, and the function's log says so.
  it('sends a partitioned cookie without the attribute it cannot carry, and logs a warning naming both', async () => {
    serve({ chips: defineHttp({ route: '/chips', handler: () => json({ ok: true }, { cookies: [setCookie('embed', 'v', { secure: true, partitioned: true }), 'p=1; Priority=High'] }) }) });
    const result = await host.invoke('chips', rpcHttp({ url: '/api/chips' }));
    const res = httpResult(result);
    expect(res.status).toBe(200);
    expect(res.cookies.map((c) => c.name)).toEqual(['embed', 'p']);
    expect(res.cookies[0]).toMatchObject({ secure: { value: true } });
    const warnings = result.logs.filter((l) => l.level === 'warning' && l.message.includes('Cookie attribute not sent'));
    expect(warnings.map((l) => JSON.parse(l.message) as unknown)).toEqual([
      { message: 'Cookie attribute not sent: Azure Functions has no field for it', cookie: 'embed', attribute: 'partitioned' },
      { message: 'Cookie attribute not sent: Azure Functions has no field for it', cookie: 'p', attribute: 'priority' },
    ]);
  });

  it('answers validation errors with a 400 problem and a wrong method with 405', async () => {
    serve({ getUser, createOrder });
    const bad = httpResult(await host.invoke('http', rpcHttp({ method: 'POST', url: '/api/order', headers: { 'content-type': 'application/json' }, body: '{"id":"x"}' })));
    expect(bad.status).toBe(400);
    expect(bad.headers['content-type']).toBe('application/problem+json');
    expect((await host.invoke('http', rpcHttp({ method: 'DELETE', url: '/api/order' })).then(httpResult)).status).toBe(405);
    expect((await host.invoke('http', rpcHttp({ url: '/api/nowhere' })).then(httpResult)).status).toBe(404);
  });

  it('passes binary bodies both ways and keeps repeated response headers', async () => {
    serve({ binary });
    const payload = new Uint8Array([0, 255, 1, 128, 10]);
    const res = httpResult(await host.invoke('binary', rpcHttp({ method: 'POST', url: '/api/echo', headers: { 'content-type': 'application/octet-stream' }, body: payload })));
    expect([...res.body]).toEqual([...payload]);
    expect(res.headers['x-multi']).toBe('a, b');
  });

  it('hides a handler crash behind a 500 and logs it as an error', async () => {
    serve({ crash });
    const result = await host.invoke('crash', rpcHttp({ url: '/api/crash' }));
    const res = httpResult(result);
    expect(res.status).toBe(500);
    expect(res.text()).not.toContain('secret detail');
    expect(result.logs.some((l) => l.level === 'error' && l.message.includes('secret detail'))).toBe(true);
  });

  it('strips a custom route prefix, or none', async () => {
    serve({ getUser }, { routePrefix: '' });
    expect(httpResult(await host.invoke('getUser', rpcHttp({ url: '/users/7' }))).json()).toMatchObject({ id: '7' });
  });
});
