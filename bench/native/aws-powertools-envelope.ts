// The realistic function with Powertools' ApiGatewayV2Envelope, which validates the event and returns
// the parsed body (it extends the event schema on every call).
import { ApiGatewayV2Envelope } from '@aws-lambda-powertools/parser/envelopes/api-gatewayv2';
import { JSONStringified } from '@aws-lambda-powertools/parser/helpers';
import { ORDER_ROUTE, orderAnswer } from '../functions/order.js';
import { Order } from '../functions/order-schema.js';
import type { FunctionUrlEvent, FunctionUrlResult } from './aws-types.js';

const OrderJson = JSONStringified(Order);

export const handler = async (event: FunctionUrlEvent): Promise<FunctionUrlResult> => {
  const body = ApiGatewayV2Envelope.parse(event, OrderJson);
  const match = ORDER_ROUTE.exec(event.rawPath);
  if (!match || event.requestContext.http.method !== 'POST') return { statusCode: 404, body: '' };
  let session: string | undefined;
  for (const cookie of event.cookies ?? []) if (cookie.startsWith('session=')) session = decodeURIComponent(cookie.slice(8));
  return {
    statusCode: 200,
    headers: { 'content-type': 'application/json', 'x-order': body.orderId },
    cookies: [`last-order=${encodeURIComponent(body.orderId)}; Path=/; HttpOnly`],
    body: JSON.stringify(orderAnswer(decodeURIComponent(match[1] as string), event.queryStringParameters?.['currency'], session, body)),
    isBase64Encoded: false,
  };
};
