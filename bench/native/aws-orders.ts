// The realistic function written by hand for a Function URL, as the baseline: it matches its route,
// reads the query, the cookie and the JSON body, and answers JSON with a header and a cookie.
import { ORDER_ROUTE, orderAnswer, type OrderBody } from '../functions/order.js';
import type { FunctionUrlEvent, FunctionUrlResult } from './aws-types.js';

const problem = (statusCode: number, title: string): FunctionUrlResult => ({ statusCode, headers: { 'content-type': 'application/problem+json' }, body: JSON.stringify({ status: statusCode, title }) });

export const handler = async (event: FunctionUrlEvent): Promise<FunctionUrlResult> => {
  const match = ORDER_ROUTE.exec(event.rawPath);
  if (!match) return problem(404, 'Not Found');
  if (event.requestContext.http.method !== 'POST') return problem(405, 'Method Not Allowed');
  let body: OrderBody;
  try {
    body = JSON.parse(event.isBase64Encoded ? Buffer.from(event.body ?? '', 'base64').toString('utf8') : (event.body ?? '')) as OrderBody;
  } catch {
    return problem(400, 'Malformed JSON body');
  }
  let session: string | undefined;
  for (const cookie of event.cookies ?? []) if (cookie.startsWith('session=')) session = decodeURIComponent(cookie.slice(8));
  const answer = orderAnswer(decodeURIComponent(match[1] as string), event.queryStringParameters?.['currency'], session, body);
  return {
    statusCode: 200,
    headers: { 'content-type': 'application/json', 'x-order': body.orderId },
    cookies: [`last-order=${encodeURIComponent(body.orderId)}; Path=/; HttpOnly`],
    body: JSON.stringify(answer),
    isBase64Encoded: false,
  };
};
