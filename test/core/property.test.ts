import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { defineHttp, defineQueue, json, MalformedEventError, OnefnError } from 'onefn';
import { createContext, createMessage, createRequest, createRouter, runEvents } from 'onefn/runtime';
import { parsePortableInput } from 'onefn/cli';

const router = createRouter([
  defineHttp({ method: 'POST', route: '/items/:id', params: z.object({ id: z.string().max(5) }), body: z.object({ n: z.number() }), handler: (req) => json(req.body) }),
  defineHttp({ method: 'GET', route: '/items', query: z.object({ limit: z.coerce.number().int().optional() }), handler: (req) => json(req.query) }),
  defineHttp({ method: 'GET', route: '/files/*', handler: (req) => json(req.params) }),
]);
const quiet = () => createContext({ logSink: () => {} });

describe('property: arbitrary input only ever gives an answer or the typed error', () => {
  it('every request gets an HTTP answer, never a throw, never a 500', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('GET', 'POST', 'PUT', 'HEAD', 'OPTIONS', 'BREW'),
        fc.oneof(fc.constantFrom('/items', '/items/1', '/files/a/b', '/'), fc.webPath(), fc.string().map((s) => '/' + s)),
        fc.string(),
        fc.dictionary(fc.string({ minLength: 1, maxLength: 10 }), fc.string()),
        fc.oneof(fc.string(), fc.json(), fc.uint8Array().map((b) => Buffer.from(b).toString('base64'))),
        fc.boolean(),
        async (method, path, query, headers, data, base64) => {
          const res = await router.handle(createRequest({ method, path, query, headers, body: { data, base64 } }), quiet());
          expect(res.status).toBeGreaterThanOrEqual(200);
          expect(res.status).toBeLessThan(500);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('every message batch gets one outcome per message', async () => {
    const def = defineQueue({ queue: 'q', schema: z.object({ a: z.number() }), handler: () => {} });
    await fc.assert(
      fc.asyncProperty(fc.array(fc.oneof(fc.json(), fc.string()), { maxLength: 10 }), async (bodies) => {
        const items = bodies.map((data, i) => createMessage({ id: `m${i}`, body: { data } }));
        const result = await runEvents(def, items, quiet());
        expect(result.outcomes.map((o) => o.id)).toEqual(items.map((m) => m.id));
        for (const o of result.outcomes) if (o.status === 'failed') expect(o.error).toBeInstanceOf(OnefnError);
      }),
      { numRuns: 200 },
    );
  });

  it('every JSON value is a portable input or a MalformedEventError', () => {
    fc.assert(
      fc.property(fc.oneof(fc.jsonValue(), fc.record({ kind: fc.constantFrom('http', 'message', 'storage', 'schedule', 'cloudevent', 'x'), path: fc.string(), bucket: fc.anything(), key: fc.anything(), source: fc.anything(), type: fc.anything(), body: fc.jsonValue() }, { requiredKeys: ['kind'] })), (value) => {
        try {
          const input = parsePortableInput(value);
          expect(['http', 'message', 'storage', 'schedule', 'cloudevent']).toContain(input.kind);
        } catch (error) {
          expect(error).toBeInstanceOf(MalformedEventError);
        }
      }),
      { numRuns: 500 },
    );
  });
});
