// The realistic function written directly against functions-framework (Express request and response).
import { http } from '@google-cloud/functions-framework';
import { cookieFrom, ORDER_ROUTE, orderAnswer, type OrderBody } from '../functions/order.js';

http('orders', (req, res) => {
  const match = ORDER_ROUTE.exec(req.path);
  if (!match) return void res.status(404).end();
  if (req.method !== 'POST') return void res.status(405).end();
  // The framework has parsed the JSON body (and answered 400 to a malformed one).
  const body = req.body as OrderBody;
  const answer = orderAnswer(decodeURIComponent(match[1] as string), req.query['currency'], cookieFrom(req.headers.cookie, 'session'), body);
  res.status(200).set('x-order', body.orderId).cookie('last-order', body.orderId, { path: '/', httpOnly: true }).json(answer);
});
