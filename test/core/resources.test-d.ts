import { describe, expectTypeOf, it } from 'vitest';
import { z } from 'zod';
import {
  bucket, type Context, defineHttp, defineQueue, defineSchedule, defineStorage, defineTopic, json, queue, type StoredObject, topic,
} from 'onefn';

const Order = z.object({ id: z.string(), total: z.number() });
const orders = queue('orders', { schema: Order });
const events = topic('order-events', { schema: z.object({ id: z.string() }) });
const reports = bucket('reports');
const untyped = queue('jobs');

describe('declared uses type the handler context', () => {
  it('gives exactly the declared clients, typed from the schemas', () => {
    defineHttp({
      method: 'POST',
      uses: { orders: orders.send, reports: reports.allow('read', 'write'), events: events.publish },
      handler: async (_req, ctx) => {
        await ctx.resources.orders.send({ id: 'o-1', total: 3 });
        await ctx.resources.orders.sendBatch([{ id: 'a', total: 1 }]);
        // @ts-expect-error total must be a number: the queue's schema types what is sent
        await ctx.resources.orders.send({ id: 'o-1', total: '3' });
        // @ts-expect-error a missing field
        await ctx.resources.orders.send({ id: 'o-1' });
        await ctx.resources.events.publish({ id: 'x' }, { attributes: { kind: 'created' } });
        await ctx.resources.events.publishEvent({ type: 'order.created', source: '/orders', data: { id: 'x' } });
        expectTypeOf(await ctx.resources.reports.get('k')).toEqualTypeOf<StoredObject | undefined>();
        await ctx.resources.reports.put('k', 'text');
        // @ts-expect-error delete was not allowed
        await ctx.resources.reports.delete('k');
        // @ts-expect-error audit was never declared
        await ctx.resources.audit.send({});
        return json({});
      },
    });
  });

  it('allows only the actions of the grant', () => {
    defineQueue({
      queue: 'work',
      uses: { reports: reports.read },
      handler: async (_msg, ctx) => {
        await ctx.resources.reports.list('a/');
        // @ts-expect-error read does not allow put
        await ctx.resources.reports.put('k', 'v');
      },
    });
    defineSchedule({
      schedule: '0 * * * *',
      uses: { reports: reports.delete, jobs: untyped.send },
      handler: async (_tick, ctx) => {
        await ctx.resources.reports.delete('k');
        await ctx.resources.jobs.send({ anything: ['json'] });
        // @ts-expect-error delete does not allow get
        await ctx.resources.reports.get('k');
      },
    });
  });

  it('gives the plain Context without uses', () => {
    defineHttp({
      handler: (_req, ctx) => {
        expectTypeOf(ctx).toEqualTypeOf<Context>();
        // @ts-expect-error no uses, no resources
        void ctx.resources;
        return json({});
      },
    });
  });

  it('types a consumer from the handle it is triggered by', () => {
    defineQueue({
      queue: orders,
      handler: async (msg) => {
        expectTypeOf(msg.body).toEqualTypeOf<{ id: string; total: number }>();
      },
    });
    defineTopic({
      topic: events,
      handler: async (msg) => {
        expectTypeOf(msg.body).toEqualTypeOf<{ id: string }>();
      },
    });
    defineStorage({
      bucket: reports,
      uses: { events: events.publish },
      handler: async (obj, ctx) => {
        await ctx.resources.events.publish({ id: obj.key });
      },
    });
    // @ts-expect-error a topic handle is not a queue
    defineQueue({ queue: events, handler: async () => {} });
  });

  it('refuses a grant that is not one', () => {
    // @ts-expect-error uses holds grants, not names
    defineHttp({ uses: { orders: 'orders' }, handler: () => json({}) });
  });
});
