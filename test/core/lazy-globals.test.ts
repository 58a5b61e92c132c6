// Node 20 loads its fetch implementation (undici) the first time a lazily defined global such as
// Response is read: about 20 ms on the first invocation of every container. A plain result must not
// read one; only a value that could be a web Response does.
import { afterEach, describe, expect, it } from 'vitest';
import { defineHttp, json } from 'onefn';
import { createContext, createRequest, createRouter } from 'onefn/runtime';

// The globals Node 20 defines as lazy getters (Object.getOwnPropertyDescriptor(globalThis, name).get).
const LAZY = ['Response', 'Request', 'Headers', 'FormData', 'Blob', 'TextDecoder', 'TextEncoder', 'crypto', 'ReadableStream', 'atob', 'btoa'] as const;
const saved = new Map<string, PropertyDescriptor>();
let reads: string[] = [];

function watchGlobals(): void {
  for (const name of LAZY) {
    const descriptor = Object.getOwnPropertyDescriptor(globalThis, name);
    if (!descriptor) continue;
    saved.set(name, descriptor);
    const value: unknown = descriptor.get ? descriptor.get.call(globalThis) : descriptor.value;
    Object.defineProperty(globalThis, name, { configurable: true, get: () => (reads.push(name), value) });
  }
}
afterEach(() => {
  for (const [name, descriptor] of saved) Object.defineProperty(globalThis, name, descriptor);
  saved.clear();
});

describe('the HTTP pipeline reads no lazily loaded global for a plain result', () => {
  const router = createRouter([
    defineHttp({ method: 'GET', route: '/users/:id', handler: (req) => json({ id: req.params.id, q: req.query, c: req.cookies }, { headers: { 'x-id': req.params.id }, cookies: ['s=1; Path=/'] }) }),
    defineHttp({ method: 'POST', route: '/users', handler: async (req) => json({ body: req.body }, { status: 201 }) }),
  ]);
  const ctx = () => createContext({ logSink: () => {} });

  it.each([
    ['GET with a query and a cookie', { method: 'GET', path: '/users/7', query: 'a=1&b=2', headers: { cookie: 'k=v' } }],
    ['POST with a JSON body (async handler)', { method: 'POST', path: '/users', headers: { 'content-type': 'application/json' }, body: { data: '{"n":1}' } }],
    ['POST with a base64 body', { method: 'POST', path: '/users', headers: { 'content-type': 'application/json' }, body: { data: Buffer.from('{"n":2}').toString('base64'), base64: true } }],
    ['a 404', { method: 'GET', path: '/nope' }],
  ])('%s', async (_, init) => {
    watchGlobals();
    reads = [];
    const res = await router.handle(createRequest(init), ctx());
    expect(res.status).toBeLessThan(500);
    expect(reads).toEqual([]);
  });

  it('still reads Response for a value that could be one, and converts it', async () => {
    const web = createRouter([defineHttp({ method: 'GET', route: '/web', handler: () => new Response('hi', { status: 202 }) })]);
    watchGlobals();
    reads = [];
    const res = await web.handle(createRequest({ method: 'GET', path: '/web' }), ctx());
    expect(res.status).toBe(202);
    expect(reads).toContain('Response');
  });
});
