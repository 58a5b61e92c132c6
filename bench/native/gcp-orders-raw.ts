// The realistic function written directly against functions-framework, answering through Node's own
// ServerResponse (statusCode, setHeader, end) rather than Express's helpers, as onefn's GCP adapter
// does. Only the cold-start table runs it: its first invocation is the least the framework's
// request path lets any function take, and so the floor under the first-invocation target.
import { http } from '@google-cloud/functions-framework';
import { cookieFrom, ORDER_ROUTE, orderAnswer, type OrderBody } from '../functions/order.js';

http('orders', (req, res) => {
  const match = ORDER_ROUTE.exec(req.path);
  if (!match) return void res.status(404).end();
  if (req.method !== 'POST') return void res.status(405).end();
  // The framework has parsed the JSON body (and answered 400 to a malformed one).
  const body = req.body as OrderBody;
  const text = JSON.stringify(orderAnswer(decodeURIComponent(match[1] as string), req.query['currency'], cookieFrom(req.headers.cookie, 'session'), body));
  res.statusCode = 200;
  res.setHeader('content-type', 'application/json; charset=utf-8');
  res.setHeader('x-order', body.orderId);
  res.setHeader('set-cookie', `last-order=${encodeURIComponent(body.orderId)}; Path=/; HttpOnly`);
  res.setHeader('content-length', Buffer.byteLength(text));
  res.end(text);
});
