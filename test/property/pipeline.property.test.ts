// The shared pipeline (router, request parsing, validation, response building) under random and
// hostile requests. Every adapter sits on it, so what holds here holds on every provider.
import fc from 'fast-check';
import { beforeEach, describe, expect, it } from 'vitest';
import { createContext, createMessage, createRequest, createRouter, runEvents } from 'onefn/runtime';
import {
  cookieHeader, cookiePairs, encodeQuery, headerPairs, hostileText, queryPairs, runs, SECRET, act, timeoutFor,
} from './arbitraries.js';
import {
  expectCleanCookies, expectCleanHeaders, expectNoLeak, expectNoPollution, expectSafeRecord, expectTyped, httpDefinitions,
  orderedQueue, queueDefinition, schemaQueue, seen,
} from './invariants.js';

const router = createRouter(httpDefinitions);
const logs: string[] = [];
const ctx = () => createContext({ logSink: (e) => void logs.push(JSON.stringify(e)) });
beforeEach(() => {
  seen.reset();
  logs.length = 0;
});

const method = fc.constantFrom('GET', 'POST', 'PUT', 'DELETE', 'HEAD', 'OPTIONS', 'PATCH', 'get', 'BREW');
const path = fc.oneof(
  fc.constantFrom('/echo/1', '/echo/%zz', '/echo/__proto__', '/valid/12', '/valid/x', '/throw', '/late', '/http-error', '/reflect', '/', '/echo/a%2Fb'),
  fc.webPath(),
  hostileText.map((s) => '/' + s),
);
const body = fc.oneof(
  fc.constant(undefined),
  fc.json().map((data) => ({ data, base64: false })),
  fc.jsonValue().map((v) => ({ data: JSON.stringify({ name: v }), base64: false })),
  hostileText.map((data) => ({ data, base64: false })),
  fc.string().map((data) => ({ data, base64: true })),
  fc.uint8Array({ maxLength: 64 }).map((b) => ({ data: Buffer.from(b).toString('base64'), base64: true })),
);
const contentType = fc.constantFrom('application/json', 'application/x-www-form-urlencoded', 'text/plain', 'application/octet-stream', 'application/json; charset=utf-8', undefined);

describe('property: the shared pipeline', () => {
  it('answers every request with a clean, leak-free answer and keeps every name it was sent', async () => {
    await fc.assert(
      fc.asyncProperty(method, path, queryPairs, cookiePairs, headerPairs, body, contentType, async (m, p, q, cookies, headers, b, type) => {
        seen.reset();
        const init = {
          method: m,
          path: p,
          query: encodeQuery(q),
          headers: { ...Object.fromEntries(headers), ...(type ? { 'content-type': type } : {}), cookie: cookieHeader(cookies) },
          ...(b ? { body: b } : {}),
        };
        const res = await router.handle(createRequest(init), ctx());
        expect(res.status).toBeGreaterThanOrEqual(200);
        expect(res.status).toBeLessThan(600);
        expectCleanHeaders(res.headers);
        expectCleanCookies(res.cookies);
        expectNoLeak(typeof res.body === 'string' ? res.body : Buffer.from(res.body).toString('latin1'));
        expectNoPollution();
        for (const r of seen.records) {
          for (const [name, record] of Object.entries(r)) expectSafeRecord(record, name);
          // Nothing dropped: every name sent is an own key of the record the handler saw.
          for (const [k] of q) expect(Object.prototype.hasOwnProperty.call(r.query, k), `query name ${k}`).toBe(true);
          for (const [k] of cookies) expect(Object.prototype.hasOwnProperty.call(r.cookies, k), `cookie ${k}`).toBe(true);
          for (const [k] of headers) expect(Object.prototype.hasOwnProperty.call(r.headers, k.toLowerCase()), `header ${k}`).toBe(true);
        }
      }),
      runs(300),
    );
  }, timeoutFor(30_000));

  it('logs every 500 with the handler error, and sends none of it', async () => {
    for (const p of ['/throw', '/late']) {
      logs.length = 0;
      const res = await router.handle(createRequest({ method: 'GET', path: p }), ctx());
      expect(res.status).toBe(500);
      expectNoLeak(String(res.body));
      expect(logs.join('\n')).toContain(SECRET);
    }
  });

  it.each([
    ['unordered', queueDefinition],
    ['ordered', orderedQueue],
    ['schema', schemaQueue],
  ] as const)('reports every message of a %s batch as handled or failed, never neither', async (_, def) => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.oneof(act.map((a) => JSON.stringify({ act: a })), hostileText), { maxLength: 10 }), async (bodies) => {
        seen.reset();
        const items = bodies.map((data, i) => createMessage({ id: `m${i}`, body: { data } }));
        const result = await runEvents(def, items, ctx());
        expect(result.outcomes.map((o) => o.id)).toEqual(items.map((m) => m.id));
        for (const m of items) expect(seen.ok.has(m.id) || result.failed.includes(m.id), `message ${m.id} lost`).toBe(true);
        for (const id of result.failed) expect(seen.ok.has(id), `message ${id} handled and failed`).toBe(false);
        for (const o of result.outcomes) if (o.status === 'failed' && !seen.ran.has(o.id)) expectTyped(o.error);
        if (def.trigger.ordered && result.failed.length) {
          const first = items.findIndex((m) => result.failed.includes(m.id));
          expect(result.failed).toEqual(items.slice(first).map((m) => m.id));
        }
      }),
      runs(200),
    );
  }, timeoutFor(30_000));
});
