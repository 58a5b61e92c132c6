// The realistic function with Middy and its JSON body parser (routing by hand, as without Middy's router).
import middy from '@middy/core';
import httpJsonBodyParser from '@middy/http-json-body-parser';
import { ORDER_ROUTE, orderAnswer, type OrderBody } from '../functions/order.js';
import type { FunctionUrlEvent, FunctionUrlResult } from './aws-types.js';

type Parsed = Omit<FunctionUrlEvent, 'body'> & { body: OrderBody };

export const handler = middy(async (event: Parsed): Promise<FunctionUrlResult> => {
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
}).use(httpJsonBodyParser());
