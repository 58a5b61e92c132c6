import { type } from 'arktype';
import * as v from 'valibot';
import { describe, expectTypeOf, it } from 'vitest';
import { z } from 'zod';
import { defineHttp, defineQueue, json, type Message } from 'onefn';

type Body = { name: string; qty: number };

describe('handler types are inferred from any Standard Schema library', () => {
  const schemas = {
    zod: { body: z.object({ name: z.string(), qty: z.number() }), query: z.object({ tag: z.string() }) },
    valibot: { body: v.object({ name: v.string(), qty: v.number() }), query: v.object({ tag: v.string() }) },
    arktype: { body: type({ name: 'string', qty: 'number' }), query: type({ tag: 'string' }) },
  };

  it('zod', () => {
    defineHttp({
      body: schemas.zod.body,
      query: schemas.zod.query,
      handler: (req) => {
        expectTypeOf(req.body).toEqualTypeOf<Body>();
        expectTypeOf(req.query).toEqualTypeOf<{ tag: string }>();
        // @ts-expect-error qty is a number
        req.body.qty.toUpperCase();
        return json({});
      },
    });
    defineQueue({ queue: 'q', schema: schemas.zod.body, handler: (msg) => void expectTypeOf(msg).toEqualTypeOf<Message<Body>>() });
  });

  it('valibot', () => {
    defineHttp({
      body: schemas.valibot.body,
      query: schemas.valibot.query,
      handler: (req) => {
        expectTypeOf(req.body).toEqualTypeOf<Body>();
        expectTypeOf(req.query).toEqualTypeOf<{ tag: string }>();
        // @ts-expect-error the body has no such field
        void req.body.price;
        return json({});
      },
    });
    defineQueue({ queue: 'q', schema: schemas.valibot.body, handler: (msg) => void expectTypeOf(msg).toEqualTypeOf<Message<Body>>() });
  });

  it('arktype (a function, not an object)', () => {
    defineHttp({
      body: schemas.arktype.body,
      query: schemas.arktype.query,
      handler: (req) => {
        expectTypeOf(req.body).toEqualTypeOf<Body>();
        expectTypeOf(req.query).toEqualTypeOf<{ tag: string }>();
        // @ts-expect-error name is a string
        const n: number = req.body.name;
        void n;
        return json({});
      },
    });
    defineQueue({ queue: 'q', schema: schemas.arktype.body, handler: (msg) => void expectTypeOf(msg).toEqualTypeOf<Message<Body>>() });
  });

  it('refuses what is no schema', () => {
    // @ts-expect-error a plain object is no Standard Schema
    defineHttp({ body: { name: 'string' }, handler: () => json({}) });
  });
});
