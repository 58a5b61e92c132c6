import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { defineHttp, HttpError, json, StatusError, text } from 'onefn';
import { httpRequest, invoke } from 'onefn/testing';

const user = defineHttp({
  method: 'PUT',
  route: '/users/:id',
  params: z.object({ id: z.coerce.number().int().positive() }),
  query: z.object({ notify: z.enum(['yes', 'no']).optional() }),
  headers: z.object({ 'x-tenant': z.string().min(2) }),
  body: z.object({ name: z.string().min(1), tags: z.array(z.string()).max(2).optional() }),
  bodyLimit: 200,
  handler: (req) => json({ id: req.params.id, name: req.body.name, notify: req.query.notify ?? 'no', tenant: req.validHeaders['x-tenant'] }),
});

const put = (path: string, body: unknown, headers: Record<string, string> = { 'x-tenant': 'acme' }) =>
  invoke(user, httpRequest({ method: 'PUT', path, json: body, headers }));

describe('validation', () => {
  it('passes valid input through, coerced by the schemas', async () => {
    const res = await put('/users/7?notify=yes', { name: 'Ada' });
    expect(res.status).toBe(200);
    expect(res.json()).toEqual({ id: 7, name: 'Ada', notify: 'yes', tenant: 'acme' });
  });

  it.each([
    ['params', '/users/abc', { name: 'Ada' }, undefined, ['id']],
    ['query', '/users/1?notify=maybe', { name: 'Ada' }, undefined, ['notify']],
    ['headers', '/users/1', { name: 'Ada' }, { 'x-tenant': 'a' }, ['x-tenant']],
    ['body', '/users/1', { name: '' }, undefined, ['name']],
    ['body', '/users/1', { name: 'A', tags: ['a', 'b', 'c'] }, undefined, ['tags']],
  ])('answers 400 problem+json naming the %s issue', async (location, path, body, headers, issuePath) => {
    const res = await put(path, body, headers);
    expect(res.status).toBe(400);
    expect(res.header('content-type')).toBe('application/problem+json');
    const problem = res.json() as { status: number; issues: Array<{ location: string; path: unknown[]; message: string }> };
    expect(problem.status).toBe(400);
    expect(problem.issues[0]).toMatchObject({ location, path: issuePath });
    expect(problem.issues[0]?.message).toBeTruthy();
  });

  it('answers 400 for malformed JSON', async () => {
    const res = await invoke(user, httpRequest({ method: 'PUT', path: '/users/1', text: '{"name":', headers: { 'content-type': 'application/json', 'x-tenant': 'acme' } }));
    expect(res.status).toBe(400);
    expect((res.json() as { detail: string }).detail).toMatch(/Malformed JSON/);
  });

  it('answers 415 for a body of another content type', async () => {
    const res = await invoke(user, httpRequest({ method: 'PUT', path: '/users/1', text: 'name=Ada', headers: { 'x-tenant': 'acme' } }));
    expect(res.status).toBe(415);
  });

  it('accepts a form body for a body schema', async () => {
    const res = await invoke(user, httpRequest({ method: 'PUT', path: '/users/1', form: { name: 'Ada' }, headers: { 'x-tenant': 'acme' } }));
    expect(res.status).toBe(200);
  });

  it('answers 413 over the body limit, before parsing', async () => {
    const res = await put('/users/1', { name: 'x'.repeat(300) });
    expect(res.status).toBe(413);
  });

  it('validates an empty body as undefined', async () => {
    const res = await invoke(user, httpRequest({ method: 'PUT', path: '/users/1', headers: { 'x-tenant': 'acme' } }));
    expect(res.status).toBe(400);
    expect((res.json() as { issues: Array<{ location: string }> }).issues[0]?.location).toBe('body');
  });
});

describe('errors', () => {
  it('answers an HttpError with its status and message', async () => {
    const def = defineHttp({ handler: () => { throw new HttpError(409, 'Already exists', { headers: { 'retry-after': '5' } }); } });
    const res = await invoke(def, httpRequest());
    expect(res.status).toBe(409);
    expect(res.header('retry-after')).toBe('5');
    expect(res.json()).toMatchObject({ title: 'Conflict', detail: 'Already exists', status: 409 });
  });

  it('answers any other error with a generic 500, logging the stack but never sending it', async () => {
    const def = defineHttp({ handler: () => { throw new Error('db password is hunter2'); } });
    const res = await invoke(def, httpRequest());
    expect(res.status).toBe(500);
    expect(res.text()).not.toContain('hunter2');
    expect(res.text()).not.toContain('at ');
    const entry = res.logs.entries.find((e) => e.level === 'error');
    expect(entry?.message).toBe('Unhandled error in handler');
    expect(JSON.stringify(entry?.fields)).toContain('hunter2');
    expect((entry?.fields['error'] as { stack: string }).stack).toContain('Error: db password');
  });

  it('answers 500 for thrown non-errors and for a handler returning nothing', async () => {
    expect((await invoke(defineHttp({ handler: () => { throw 'str'; } }), httpRequest())).status).toBe(500);
    expect((await invoke(defineHttp({ handler: () => undefined as never }), httpRequest())).status).toBe(500);
  });

  it('rejects an HttpError with a non-error status', () => {
    expect(() => new HttpError(200, 'no')).toThrow(StatusError);
  });

  it('accepts a web Response from the handler', async () => {
    const def = defineHttp({ handler: () => new Response('made', { status: 201, headers: { 'content-type': 'text/plain' } }) });
    const res = await invoke(def, httpRequest());
    expect([res.status, res.text()]).toEqual([201, 'made']);
  });

  it('gives the handler a web Request on demand', async () => {
    const def = defineHttp({ handler: async (req) => text(await req.toRequest().text()) });
    expect((await invoke(def, httpRequest({ method: 'POST', text: 'echo' }))).text()).toBe('echo');
  });
});

describe('routing', () => {
  const list = defineHttp({ method: 'GET', route: '/users', handler: () => text('list') });
  const me = defineHttp({ method: 'GET', route: '/users/me', handler: () => text('me') });
  const one = defineHttp({ method: ['GET', 'DELETE'], route: '/users/:id', handler: (req) => text(`one ${req.params.id}`) });
  const files = defineHttp({ method: 'GET', route: '/files/*', handler: (req) => text(`file ${req.params['*']}`) });
  const cors = defineHttp({ method: 'POST', route: '/cors', cors: { origins: ['https://app.example'], credentials: true, maxAge: 600 }, handler: () => text('c') });
  const all = [list, me, one, files, cors];

  it.each([
    ['GET', '/users', 200, 'list'],
    ['GET', '/users/', 200, 'list'],
    ['GET', '/users/me', 200, 'me'],
    ['GET', '/users/42', 200, 'one 42'],
    ['GET', '/users/a%20b', 200, 'one a b'],
    ['DELETE', '/users/42', 200, 'one 42'],
    ['HEAD', '/users', 200, 'list'],
    ['GET', '/files/a/b/c.txt', 200, 'file a/b/c.txt'],
    ['GET', '/nothing', 404, undefined],
    ['GET', '/users/1/2', 404, undefined],
    ['GET', '/users/%E0%A4%A', 400, undefined],
    // Literal segments compare in place unless escaped: an escaped spelling still matches, a near one does not.
    ['GET', '/u%73ers/m%65', 200, 'me'],
    ['GET', '/u%73ers/42', 200, 'one 42'],
    ['GET', '/usersx/42', 404, undefined],
    ['GET', '/user/42', 404, undefined],
    ['GET', '/Users/42', 404, undefined],
    ['GET', '/%E0%A4%A/42', 400, undefined],
  ])('%s %s -> %i', async (method, path, code, body) => {
    const res = await invoke(all, httpRequest({ method, path }));
    expect(res.status).toBe(code);
    if (body) expect(res.text()).toBe(body);
    else expect(res.header('content-type')).toBe('application/problem+json');
  });

  it('answers 405 with Allow when the path matches other methods', async () => {
    const res = await invoke(all, httpRequest({ method: 'POST', path: '/users/1' }));
    expect(res.status).toBe(405);
    expect(res.header('allow')).toBe('GET, DELETE, HEAD');
  });

  it('answers CORS preflight and decorates answers for allowed origins only', async () => {
    const pre = await invoke(all, httpRequest({ method: 'OPTIONS', path: '/cors', headers: { origin: 'https://app.example', 'access-control-request-method': 'POST', 'access-control-request-headers': 'x-a' } }));
    expect(pre.status).toBe(204);
    expect(pre.headers).toMatchObject({
      'access-control-allow-origin': 'https://app.example',
      'access-control-allow-methods': 'POST',
      'access-control-allow-headers': 'x-a',
      'access-control-allow-credentials': 'true',
      'access-control-max-age': '600',
    });
    const denied = await invoke(all, httpRequest({ method: 'OPTIONS', path: '/cors', headers: { origin: 'https://evil.example', 'access-control-request-method': 'POST' } }));
    expect(denied.status).toBe(403);
    const actual = await invoke(all, httpRequest({ method: 'POST', path: '/cors', headers: { origin: 'https://app.example' } }));
    expect(actual.header('access-control-allow-origin')).toBe('https://app.example');
    expect(actual.header('vary')).toBe('Origin');
    const other = await invoke(all, httpRequest({ method: 'POST', path: '/cors', headers: { origin: 'https://evil.example' } }));
    expect(other.header('access-control-allow-origin')).toBeUndefined();
  });

  it('serves every path with a single route-less definition', async () => {
    const any = defineHttp({ handler: (req) => text(req.path) });
    expect((await invoke(any, httpRequest({ path: '/x/y' }))).text()).toBe('/x/y');
  });
});
