// Any Standard Schema v1 validator plugs in: zod and valibot schemas are objects, an ArkType type is a
// function. Every location's issues are reported together, whether validators are sync or async.
import { type } from 'arktype';
import * as v from 'valibot';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { DefinitionError, defineHttp, defineQueue, json, type StandardSchemaV1 } from 'onefn';
import { httpRequest, invoke, message } from 'onefn/testing';

const libraries = {
  zod: {
    body: z.object({ name: z.string().min(1) }),
    query: z.object({ limit: z.string().regex(/^\d+$/) }),
    message: z.object({ id: z.string() }),
  },
  valibot: {
    body: v.object({ name: v.pipe(v.string(), v.minLength(1)) }),
    query: v.object({ limit: v.pipe(v.string(), v.regex(/^\d+$/)) }),
    message: v.object({ id: v.string() }),
  },
  arktype: {
    body: type({ name: 'string > 0' }),
    query: type({ limit: /^\d+$/ }),
    message: type({ id: 'string' }),
  },
};

describe.each(Object.entries(libraries))('%s schemas', (_name, schemas) => {
  const def = defineHttp({
    method: 'POST',
    body: schemas.body,
    query: schemas.query,
    handler: (req) => json({ name: req.body.name, limit: req.query.limit }),
  });

  it('validate the body and the query of a request', async () => {
    const res = await invoke(def, httpRequest({ method: 'POST', path: '/?limit=5', json: { name: 'Ada' } }));
    expect(res.status).toBe(200);
    expect(res.json()).toEqual({ name: 'Ada', limit: '5' });
  });

  it('validate a form body and a query given as prototype-free records', async () => {
    const res = await invoke(def, httpRequest({ method: 'POST', path: '/?limit=5&__proto__=x&constructor=y', form: { name: 'Ada', toString: 't' } }));
    expect(res.status).toBe(200);
  });

  it('report the issues of both locations in one problem', async () => {
    const res = await invoke(def, httpRequest({ method: 'POST', path: '/?limit=many', json: { name: '' } }));
    expect(res.status).toBe(400);
    const problem = res.json() as { issues: Array<{ location: string; path: unknown[] }> };
    expect(problem.issues.map((i) => [i.location, i.path])).toEqual([['query', ['limit']], ['body', ['name']]]);
  });

  it('validate queue messages', async () => {
    const queue = defineQueue({ queue: 'q', schema: schemas.message, handler: (msg) => void msg.body.id });
    const result = await invoke(queue, [message({ id: 'ok', body: { id: '1' } }), message({ id: 'bad', body: { id: 1 } })]);
    expect(result.failed).toEqual(['bad']);
  });
});

describe('what counts as a Standard Schema', () => {
  const props = (over: Record<string, unknown>) => ({ version: 1, vendor: 'test', validate: (value: unknown) => ({ value }), ...over });

  it('accepts a function carrying the props, as ArkType types are', () => {
    const fn = Object.assign(() => true, { '~standard': props({}) });
    expect(() => defineHttp({ body: fn as unknown as StandardSchemaV1, handler: () => json({}) })).not.toThrow();
  });

  it.each([
    ['no props', {}],
    ['props that are not an object', { '~standard': 'v1' }],
    ['another version', { '~standard': props({ version: 2 }) }],
    ['no validate function', { '~standard': props({ validate: 'yes' }) }],
  ])('refuses %s', (_name, value) => {
    expect(() => defineHttp({ body: value as unknown as StandardSchemaV1, handler: () => json({}) })).toThrow(DefinitionError);
  });
});

/** A schema that answers with a promise, as validators with async refinements do. */
function asyncSchema<T>(check: (value: unknown) => StandardSchemaV1.Result<T>): StandardSchemaV1<unknown, T> {
  return { '~standard': { version: 1, vendor: 'test', validate: async (value) => check(value) } };
}

describe('every location is validated and reported', () => {
  const params = z.object({ id: z.string().regex(/^\d+$/) });
  const headers = z.object({ 'x-tenant': z.string().min(2) });
  const body = z.object({ name: z.string().min(1) });
  const query = asyncSchema<{ limit: unknown }>((value) => {
    const limit = (value as Record<string, unknown>)['limit'];
    return limit === undefined || limit === '10' ? { value: { limit } } : { issues: [{ message: 'limit must be 10', path: ['limit'] }] };
  });
  const sync = defineHttp({ method: 'PUT', route: '/items/:id', params, headers, body, handler: (req) => json({ id: req.params.id }) });
  const mixed = defineHttp({ method: 'PUT', route: '/items/:id', params, query, headers, body: asyncSchema((value) => body['~standard'].validate(value) as StandardSchemaV1.Result<{ name: string }>), handler: (req) => json({ id: req.params.id, name: req.body.name, limit: req.query.limit }) });

  it('reports params and body issues together (only params were reported before)', async () => {
    const res = await invoke(sync, httpRequest({ method: 'PUT', path: '/items/abc', json: { name: '' }, headers: { 'x-tenant': 'acme' } }));
    expect(res.status).toBe(400);
    const problem = res.json() as { detail: string; issues: Array<{ location: string; path: unknown[] }> };
    expect(problem.issues.map((i) => [i.location, i.path])).toEqual([['params', ['id']], ['body', ['name']]]);
    expect(problem.detail).toMatch(/^Invalid params\.id: /);
  });

  it('reports every location, in order, when sync and async validators are mixed', async () => {
    const res = await invoke(mixed, httpRequest({ method: 'PUT', path: '/items/abc?limit=3', json: { name: '' }, headers: { 'x-tenant': 'a' } }));
    expect(res.status).toBe(400);
    const problem = res.json() as { issues: Array<{ location: string; path: unknown[] }> };
    expect(problem.issues.map((i) => [i.location, i.path])).toEqual([['params', ['id']], ['query', ['limit']], ['headers', ['x-tenant']], ['body', ['name']]]);
  });

  it('passes values from async validators to the handler', async () => {
    const res = await invoke(mixed, httpRequest({ method: 'PUT', path: '/items/7?limit=10', json: { name: 'Ada' }, headers: { 'x-tenant': 'acme' } }));
    expect(res.status).toBe(200);
    expect(res.json()).toEqual({ id: '7', name: 'Ada', limit: '10' });
  });

  it('answers an unreadable body with its own error, leaving no pending validator unhandled', async () => {
    const res = await invoke(mixed, httpRequest({ method: 'PUT', path: '/items/abc?limit=3', text: 'name=x', headers: { 'x-tenant': 'acme' } }));
    expect(res.status).toBe(415);
    // A validator that rejects while the body fails: vitest fails the run on an unhandled rejection.
    const failing = asyncSchema<unknown>(() => {
      throw new Error('validator down');
    });
    const broken = defineHttp({ method: 'PUT', query: failing, body, handler: () => json({}) });
    const res2 = await invoke(broken, httpRequest({ method: 'PUT', path: '/?limit=1', text: 'name=x' }));
    expect(res2.status).toBe(415);
    await new Promise((resolve) => setTimeout(resolve, 10));
  });

  it('answers synchronously when every validator is synchronous', async () => {
    const { createContext, createRequest, runHttpDefinition } = await import('onefn/runtime');
    const ctx = createContext({ logSink: () => {} });
    const req = createRequest({ method: 'PUT', path: '/items/abc', headers: { 'x-tenant': 'acme', 'content-type': 'application/json' }, body: { data: '{"name":""}' } });
    req.params = { id: 'abc' };
    const answer = runHttpDefinition(sync, req, ctx);
    expect(answer).not.toBeInstanceOf(Promise);
    expect((JSON.parse((answer as { body: string }).body) as { issues: unknown[] }).issues).toHaveLength(2);
  });
});
