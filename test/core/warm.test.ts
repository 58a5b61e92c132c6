// The entries `onefn build` generates run each schema once at a container's start (warmSchemas), so
// that a validator compiling itself on first use (zod 4) does not do it in the first request. What
// they answer then is thrown away, and no validator can break the start or leave an unhandled
// rejection behind.
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { defineHttp, json } from 'onefn';
import { createContext, createRequest, createRouter, hasSchemas, planFunctions, warmSchemas } from 'onefn/runtime';
import { handlerModule } from '../../adapters/aws/src/deploy/build.js';
import type { StandardSchemaV1 } from '../../src/onefn/schema.js';

function spy(answer: (input: unknown) => unknown): { schema: StandardSchemaV1; inputs: unknown[] } {
  const inputs: unknown[] = [];
  const schema = { '~standard': { version: 1, vendor: 'spy', validate: (input: unknown) => (inputs.push(input), answer(input)) } } as StandardSchemaV1;
  return { schema, inputs };
}

describe('warmSchemas', () => {
  it('runs each schema once on an empty input: {} for the body, empty records for query, params and headers', () => {
    const body = spy(() => ({ issues: [{ message: 'no' }] }));
    const query = spy(() => ({ value: {} }));
    const params = spy(() => ({ value: {} }));
    const headers = spy(() => ({ value: {} }));
    const def = defineHttp({ method: 'POST', route: '/a/:id', body: body.schema, query: query.schema, params: params.schema, headers: headers.schema, handler: () => json({}) });
    expect(body.inputs).toEqual([]);
    warmSchemas([def]);
    expect(body.inputs).toEqual([{}]);
    for (const s of [query, params, headers]) {
      expect(s.inputs).toHaveLength(1);
      expect(Object.keys(s.inputs[0] as object)).toEqual([]);
    }
  });

  it('ignores a validator that throws or rejects on the empty input, and it still validates requests', async () => {
    const rejections: unknown[] = [];
    const onRejection = (reason: unknown): void => void rejections.push(reason);
    process.on('unhandledRejection', onRejection);
    try {
      const throws = spy(() => {
        throw new Error('boom at warm-up');
      });
      const rejects = spy(() => Promise.reject(new Error('late at warm-up')));
      const defs = [
        defineHttp({ method: 'POST', route: '/t', body: throws.schema, handler: () => json({}) }),
        defineHttp({ method: 'POST', route: '/r', body: rejects.schema, handler: () => json({}) }),
      ];
      expect(() => warmSchemas(defs)).not.toThrow();
      const router = createRouter(defs);
      await new Promise((resolve) => setTimeout(resolve, 20));
      expect(rejections).toEqual([]);
      const res = await router.handle(createRequest({ method: 'POST', path: '/t', headers: { 'content-type': 'application/json' }, body: { data: '{}' } }), createContext({ logSink: () => {} }));
      expect(res.status).toBe(500);
      expect(throws.inputs).toHaveLength(2);
    } finally {
      process.off('unhandledRejection', onRejection);
    }
  });

  it('leaves a zod schema answering as before', async () => {
    const defs = [defineHttp({ method: 'POST', route: '/o', body: z.object({ id: z.string() }), handler: (req) => json({ id: req.body.id }) })];
    warmSchemas(defs);
    const router = createRouter(defs);
    const ok = await router.handle(createRequest({ method: 'POST', path: '/o', headers: { 'content-type': 'application/json' }, body: { data: '{"id":"x"}' } }), createContext({ logSink: () => {} }));
    expect(ok.status).toBe(200);
    const bad = await router.handle(createRequest({ method: 'POST', path: '/o', headers: { 'content-type': 'application/json' }, body: { data: '{}' } }), createContext({ logSink: () => {} }));
    expect(bad.status).toBe(400);
  });
});

describe('the generated entries warm only functions that have schemas', () => {
  const mod = {
    plain: defineHttp({ method: 'GET', route: '/p', handler: () => json({}) }),
    checked: defineHttp({ method: 'POST', route: '/c', standalone: true, body: z.object({ id: z.string() }), handler: () => json({}) }),
  };
  it('hasSchemas tells them apart', () => {
    expect(hasSchemas(mod.plain)).toBe(false);
    expect(hasSchemas(mod.checked)).toBe(true);
  });
  it('the Lambda entry calls warmSchemas for a function with a schema, and not otherwise', () => {
    const plans = planFunctions(mod);
    const checked = plans.find((p) => p.exportNames.includes('checked'));
    const plain = plans.find((p) => p.exportNames.includes('plain'));
    expect(checked && handlerModule('/m.ts', checked)).toContain('warmSchemas([mod["checked"]]);');
    expect(plain && handlerModule('/m.ts', plain)).not.toContain('warmSchemas');
  });
});
