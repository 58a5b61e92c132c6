// A module as a user writes it, built into an archive by the tests.
import { defineHttp, defineTopic, json } from 'onefn';

export const hello = defineHttp({ method: 'GET', route: '/hello', public: true, handler: (req, ctx) => json({ message: `Hello, ${String(req.query['name'] ?? 'world')}!`, fn: ctx.functionName }) });
export const bye = defineHttp({ method: 'POST', route: '/bye', public: true, handler: () => json({ bye: true }) });
export const orders = defineTopic({ topic: 'orders', timeout: 120, memory: 512, handler: (msg, ctx) => {
  if (msg.attributes['fail'] === 'yes') throw new Error('order failed');
  ctx.log.info('order', { id: msg.id });
} });
