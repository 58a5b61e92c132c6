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

describe('warmSchemas reaches nested objects and arrays of a body schema', () => {
  // What each validation saw, as JSON at the time (the probe grows between rounds).
  function recording(schema: StandardSchemaV1): { schema: StandardSchemaV1; seen: string[] } {
    const seen: string[] = [];
    const validate = (input: unknown) => (seen.push(JSON.stringify(input)), schema['~standard'].validate(input));
    return { schema: { '~standard': { version: 1, vendor: 'rec', validate } } as StandardSchemaV1, seen };
  }
  const Order = z.object({
    orderId: z.string(),
    customer: z.object({ id: z.string(), email: z.string() }),
    items: z.array(z.object({ sku: z.string(), qty: z.number().int().positive() })),
    note: z.string().optional(),
  });

  it("gives zod's nested object schemas an object to parse, inside arrays too, guided by the issues' expected types", () => {
    const rec = recording(Order);
    warmSchemas([defineHttp({ method: 'POST', route: '/o', body: rec.schema, handler: () => json({}) })]);
    // zod says what it expected: an object for customer, an array for items, a string or a number for
    // an absent scalar (the optional note gets no issue, so nothing).
    expect(rec.seen).toEqual(['{}', '{"orderId":"","customer":{},"items":[{}]}', '{"orderId":"","customer":{"id":"","email":""},"items":[{"sku":"","qty":0}]}']);
  });

  it("runs each field's checks at warm-up, nested ones too, so their code is not compiled in the first request", () => {
    const ran: string[] = [];
    const checked = z.object({
      code: z.string().refine((v) => (ran.push(`code=${JSON.stringify(v)}`), v.length === 3)),
      lines: z.array(z.object({ qty: z.number().int().refine((v) => (ran.push(`qty=${v}`), v > 0)), gift: z.boolean().refine((v) => (ran.push(`gift=${v}`), true)) })),
    });
    warmSchemas([defineHttp({ method: 'POST', route: '/c', body: checked, handler: () => json({}) })]);
    expect([...new Set(ran)].sort()).toEqual(['code=""', 'gift=false', 'qty=0']);
  });

  it("reaches them by trial from the issues' paths alone, when a validator does not say what it expected", () => {
    const pathsOnly: StandardSchemaV1 = {
      '~standard': {
        version: 1,
        vendor: 'paths-only',
        validate: (input) => {
          const result = Order['~standard'].validate(input) as StandardSchemaV1.Result<unknown>;
          return result.issues ? { issues: result.issues.map(({ message, path }) => ({ message, path })) } : result;
        },
      },
    };
    const rec = recording(pathsOnly);
    warmSchemas([defineHttp({ method: 'POST', route: '/o', body: rec.schema, handler: () => json({}) })]);
    expect(rec.seen[0]).toBe('{}');
    const last = JSON.parse(rec.seen.at(-1) as string) as { customer: unknown; items: unknown[] };
    expect(last.customer).toMatchObject({ id: expect.anything(), email: expect.anything() });
    expect(Array.isArray(last.items) && typeof last.items[0] === 'object').toBe(true);
    expect(last.items[0]).toMatchObject({ sku: expect.anything(), qty: expect.anything() });
    // It stops once no issue points anywhere new.
    expect(rec.seen.length).toBeLessThanOrEqual(8);
  });

  it('leaves the schema answering requests as before, valid and not', async () => {
    const defs = [defineHttp({ method: 'POST', route: '/o', body: Order, handler: (req) => json({ n: req.body.items.length }) })];
    warmSchemas(defs);
    const router = createRouter(defs);
    const post = (body: string) => router.handle(createRequest({ method: 'POST', path: '/o', headers: { 'content-type': 'application/json' }, body: { data: body } }), createContext({ logSink: () => {} }));
    const ok = await post(JSON.stringify({ orderId: 'o', customer: { id: 'c', email: 'e' }, items: [{ sku: 's', qty: 1 }] }));
    expect([ok.status, ok.body]).toEqual([200, '{"n":1}']);
    const bad = await post(JSON.stringify({ orderId: 'o', customer: { id: 'c' }, items: [{ sku: 's', qty: 0 }] }));
    expect(bad.status).toBe(400);
  });

  it('is bounded and unharmed by hostile issue paths: __proto__, symbols, objects, endless depth, a path through a string', () => {
    let calls = 0;
    let depth = 0;
    const hostile = spy((input) => {
      calls++;
      depth++;
      const deep = Array.from({ length: depth }, () => 'a');
      return {
        issues: [
          { message: 'proto', path: ['__proto__', 'polluted'] },
          { message: 'symbol', path: [Symbol('s')] },
          { message: 'segment', path: [{ key: '__proto__' }] },
          { message: 'deep', path: deep },
          { message: 'string', path: ['s', 'x'] },
          { message: 'none' },
          { message: 'empty', path: [] },
        ],
        input,
      };
    });
    warmSchemas([defineHttp({ method: 'POST', route: '/h', body: hostile.schema, handler: () => json({}) })]);
    expect(calls).toBeLessThanOrEqual(9);
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
    expect(Object.getPrototypeOf(hostile.inputs[0])).toBe(Object.prototype);
  });

  it('stops when the issues stay the same, and when the validator turns asynchronous or throws', () => {
    const same = spy(() => ({ issues: [{ message: 'x', path: ['k'] }] }));
    const later = spy((input) => ((input as { k?: unknown }).k === undefined ? { issues: [{ message: 'x', path: ['k'] }] } : Promise.resolve({ value: input })));
    const throwing = spy((input) => {
      if ((input as { k?: unknown }).k !== undefined) throw new Error('no');
      return { issues: [{ message: 'x', path: ['k'] }] };
    });
    const arrays = spy(() => ({ issues: [{ message: 'x', path: ['k'], expected: 'array' }] }));
    const scalars = spy(() => ({ issues: [{ message: 'x', path: ['k'], expected: 'string' }, { message: 'y', path: ['j'], expected: 42 }] }));
    warmSchemas([same, later, throwing, arrays, scalars].map((s, i) => defineHttp({ method: 'POST', route: `/s${i}`, body: s.schema, handler: () => json({}) })));
    // {} then {k: {}} then {k: [{}]}; nothing new after that.
    expect(same.inputs).toHaveLength(3);
    expect(later.inputs).toHaveLength(2);
    expect(throwing.inputs).toHaveLength(2);
    // {} then {k: [{}]}; an array already there is not replaced.
    expect(arrays.inputs).toHaveLength(2);
    // A scalar expected: filled once with a value of its type ({k: ''}), never replaced; an `expected`
    // that is not text: tried as an object ({j: {}}), then as an array of one ({j: [{}]}).
    expect(scalars.inputs).toHaveLength(3);
    expect(scalars.inputs[2]).toEqual({ k: '', j: [{}] });
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
