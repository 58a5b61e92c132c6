// onefn's realistic function: a route parameter, the query, a cookie and the JSON body in; JSON, a
// header and a Set-Cookie out. Deployed with each provider's build helper.
import { defineHttp, json, setCookie } from 'onefn';
import { orderAnswer, type OrderBody } from './order.js';

export const orders = defineHttp({
  method: 'POST',
  route: '/shops/:shop/orders',
  public: true,
  handler: (req) => {
    const body = req.body as OrderBody;
    return json(orderAnswer(req.params.shop, req.query['currency'], req.cookies['session'], body), {
      headers: { 'x-order': body.orderId },
      cookies: [setCookie('last-order', body.orderId, { path: '/', httpOnly: true })],
    });
  },
});
