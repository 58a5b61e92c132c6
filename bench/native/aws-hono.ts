// The realistic function on Hono and its Lambda adapter.
import { Hono } from 'hono';
import { handle } from 'hono/aws-lambda';
import { getCookie, setCookie } from 'hono/cookie';
import { orderAnswer, type OrderBody } from '../functions/order.js';

const app = new Hono();
app.post('/shops/:shop/orders', async (c) => {
  const body = await c.req.json<OrderBody>();
  c.header('x-order', body.orderId);
  setCookie(c, 'last-order', body.orderId, { path: '/', httpOnly: true });
  return c.json(orderAnswer(c.req.param('shop'), c.req.query('currency'), getCookie(c, 'session'), body));
});

export const handler = handle(app);
