// An order API, its worker and a report bucket: functions that declare uses, for the build and deploy tests.
import { bucket, defineHttp, defineQueue, defineStorage, json, queue, topic } from 'onefn';

const orders = queue('orders');
const reports = bucket('reports');
const done = topic('order-done');

export const api = defineHttp({ method: 'POST', route: '/orders', uses: { orders: orders.send }, handler: async (_req, ctx) => json(await ctx.resources.orders.send({ id: 1 })) });
export const worker = defineQueue({ queue: orders, uses: { reports: reports.write }, handler: async (msg, ctx) => void (await ctx.resources.reports.put('r.json', msg.text())) });
export const onReport = defineStorage({ bucket: reports, uses: { reports: reports.read, done: done.publish }, handler: async (obj, ctx) => void (await ctx.resources.done.publish({ key: obj.key })) });
