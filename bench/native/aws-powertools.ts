// The realistic function with Powertools' parser: the whole event parsed by the HTTP API v2 schema,
// extended once with the order body (as Powertools documents for custom schemas).
import { JSONStringified } from '@aws-lambda-powertools/parser/helpers';
import { APIGatewayProxyEventV2Schema } from '@aws-lambda-powertools/parser/schemas/api-gatewayv2';
import { ORDER_ROUTE, orderAnswer } from '../functions/order.js';
import { Order } from '../functions/order-schema.js';
import type { FunctionUrlResult } from './aws-types.js';

const OrderEvent = APIGatewayProxyEventV2Schema.extend({ body: JSONStringified(Order) });

export const handler = async (raw: unknown): Promise<FunctionUrlResult> => {
  const event = OrderEvent.parse(raw);
  const match = ORDER_ROUTE.exec(event.rawPath);
  if (!match || event.requestContext.http.method !== 'POST') return { statusCode: 404, body: '' };
  let session: string | undefined;
  for (const cookie of event.cookies ?? []) if (cookie.startsWith('session=')) session = decodeURIComponent(cookie.slice(8));
  const body = event.body;
  return {
    statusCode: 200,
    headers: { 'content-type': 'application/json', 'x-order': body.orderId },
    cookies: [`last-order=${encodeURIComponent(body.orderId)}; Path=/; HttpOnly`],
    body: JSON.stringify(orderAnswer(decodeURIComponent(match[1] as string), event.queryStringParameters?.['currency'], session, body)),
    isBase64Encoded: false,
  };
};
