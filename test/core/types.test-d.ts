import { describe, expectTypeOf, it } from 'vitest';
import { z } from 'zod';
import {
  type CloudEvent, defineCloudEvent, defineHttp, defineQueue, defineStorage, type HttpDefinition, type HttpHeaders,
  json, type Message, type QueryRecord, type StorageEvent,
} from 'onefn';

describe('handler types flow from the route and the schemas', () => {
  it('types params from the route pattern', () => {
    defineHttp({
      route: '/users/:id/posts/:postId',
      handler: (req) => {
        expectTypeOf(req.params).toEqualTypeOf<{ id: string; postId: string }>();
        // @ts-expect-error no such parameter in the route
        void req.params.nope;
        return json({});
      },
    });
  });

  it('types body, query, params and headers from their schemas', () => {
    defineHttp({
      method: 'POST',
      route: '/items/:id',
      params: z.object({ id: z.coerce.number() }),
      query: z.object({ limit: z.coerce.number().optional() }),
      headers: z.object({ 'x-tenant': z.string() }),
      body: z.object({ name: z.string(), tags: z.array(z.string()) }),
      handler: (req) => {
        expectTypeOf(req.params.id).toEqualTypeOf<number>();
        expectTypeOf(req.query.limit).toEqualTypeOf<number | undefined>();
        expectTypeOf(req.validHeaders['x-tenant']).toEqualTypeOf<string>();
        expectTypeOf(req.body).toEqualTypeOf<{ name: string; tags: string[] }>();
        expectTypeOf(req.headers).toEqualTypeOf<HttpHeaders>();
        // @ts-expect-error name is a string, not a number
        const n: number = req.body.name;
        void n;
        // @ts-expect-error the body has no such field
        void req.body.price;
        return json({});
      },
    });
  });

  it('leaves unvalidated input unknown, and query raw', () => {
    defineHttp({
      handler: (req) => {
        expectTypeOf(req.body).toEqualTypeOf<unknown>();
        expectTypeOf(req.query).toEqualTypeOf<QueryRecord>();
        expectTypeOf(req.validHeaders).toEqualTypeOf<undefined>();
        // @ts-expect-error unknown must be narrowed first
        void req.body.name;
        return json({});
      },
    });
  });

  it('requires a result object, not a bare value', () => {
    // @ts-expect-error a handler must return a result or a Response
    defineHttp({ handler: () => 'hello' });
    // @ts-expect-error a status is a number
    defineHttp({ handler: () => ({ status: '200' }) });
    // @ts-expect-error cookies are Set-Cookie strings
    defineHttp({ handler: () => ({ cookies: [{ name: 'a' }] }) });
    defineHttp({ handler: () => ({ status: 201, body: { ok: true }, cookies: ['a=1'] }) });
    defineHttp({ handler: async () => new Response('ok') });
  });

  it('types messages and CloudEvents from their schemas', () => {
    const def = defineQueue({
      queue: 'orders',
      schema: z.object({ id: z.string(), total: z.number() }),
      handler: (msg) => {
        expectTypeOf(msg).toEqualTypeOf<Message<{ id: string; total: number }>>();
        // @ts-expect-error total is a number
        msg.body.total.toUpperCase();
      },
    });
    expectTypeOf(def.trigger.name).toEqualTypeOf<string>();
    defineQueue({ queue: 'raw', handler: (msg) => void expectTypeOf(msg.body).toEqualTypeOf<unknown>() });
    defineCloudEvent({
      schema: z.object({ orderId: z.string() }),
      handler: (event) => void expectTypeOf(event).toEqualTypeOf<CloudEvent<{ orderId: string }>>(),
    });
    defineStorage({ bucket: 'b', handler: (event) => void expectTypeOf(event).toEqualTypeOf<StorageEvent>() });
  });

  it('lets specific definitions sit in a list of definitions', () => {
    const a = defineHttp({ route: '/a/:id', handler: (req) => json(req.params.id) });
    const b = defineHttp({ body: z.object({ n: z.number() }), handler: (req) => json(req.body.n) });
    expectTypeOf([a, b]).toExtend<HttpDefinition[]>();
  });

  it('refuses option typos and wrong option types at compile time', () => {
    // @ts-expect-error unknown option
    defineHttp({ rout: '/x', handler: () => json({}) });
    // @ts-expect-error memory is a number
    defineHttp({ memory: '512', handler: () => json({}) });
    // @ts-expect-error not a method
    defineHttp({ method: 'FETCH', handler: () => json({}) });
    // @ts-expect-error a queue needs its name
    defineQueue({ handler: () => {} });
  });
});
