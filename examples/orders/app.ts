// An order API, its worker and a report bucket: the README's outputs example, plus a route that hands
// out a signed link to an order's report. Runs unchanged on AWS, Google Cloud and Azure.
import { bucket, defineHttp, defineQueue, defineStorage, HttpError, json, queue, topic } from 'onefn';
import { z } from 'zod';

const Order = z.object({ id: z.string().regex(/^[a-z0-9-]{1,40}$/), total: z.number().nonnegative() });

export const orders = queue('orders', { schema: Order });
export const reports = bucket('reports');
export const done = topic('order-done');

export const api = defineHttp({
  method: 'POST', route: '/orders', body: Order,
  uses: { orders: orders.send },
  handler: async (req, ctx) => json(await ctx.resources.orders.send(req.body), { status: 202 }),
});

export const report = defineHttp({
  method: 'GET', route: '/orders/:id/report',
  uses: { reports: reports.read },
  handler: async (req, ctx) => {
    const key = `orders/${req.params.id}.json`;
    if (!(await ctx.resources.reports.head(key))) throw new HttpError(404, `No report for order ${req.params.id}`);
    return json({ url: await ctx.resources.reports.downloadUrl(key, { expiresInSeconds: 300 }) });
  },
});

export const worker = defineQueue({
  queue: orders,
  uses: { reports: reports.allow('read', 'write') },
  handler: async (msg, ctx) => {
    await ctx.resources.reports.put(`orders/${msg.body.id}.json`, JSON.stringify(msg.body), { contentType: 'application/json' });
  },
});

export const onReport = defineStorage({
  bucket: reports, changes: ['created'],
  uses: { done: done.publish },
  handler: async (obj, ctx) => void (await ctx.resources.done.publishEvent({ type: 'com.example.order.done', source: '/orders', data: { key: obj.key } })),
});
