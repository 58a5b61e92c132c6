// The realistic function written directly against @azure/functions v4.
import { app } from '@azure/functions';
import { cookieFrom, orderAnswer, type OrderBody } from '../functions/order.js';

app.http('orders', {
  route: 'shops/{shop}/orders',
  methods: ['POST'],
  authLevel: 'anonymous',
  handler: async (req) => {
    let body: OrderBody;
    try {
      body = (await req.json()) as OrderBody;
    } catch {
      return { status: 400, jsonBody: { status: 400, title: 'Malformed JSON body' } };
    }
    return {
      status: 200,
      headers: { 'x-order': body.orderId },
      cookies: [{ name: 'last-order', value: body.orderId, path: '/', httpOnly: true }],
      jsonBody: orderAnswer(req.params['shop'], req.query.get('currency') ?? undefined, cookieFrom(req.headers.get('cookie'), 'session'), body),
    };
  },
});
