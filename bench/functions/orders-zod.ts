// The realistic function with its body validated by a zod schema.
import { defineHttp, json, setCookie } from 'onefn';
import { orderAnswer } from './order.js';
import { Order } from './order-schema.js';

export const orders = defineHttp({
  method: 'POST',
  route: '/shops/:shop/orders',
  public: true,
  body: Order,
  handler: (req) =>
    json(orderAnswer(req.params.shop, req.query['currency'], req.cookies['session'], req.body), {
      headers: { 'x-order': req.body.orderId },
      cookies: [setCookie('last-order', req.body.orderId, { path: '/', httpOnly: true })],
    }),
});
