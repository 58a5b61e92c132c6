// What each provider hands a function for the bench's requests, built once with the adapters' own
// testing builders and kept as text: case processes decode it afresh for every invocation.
import { functionUrlEvent, sqsEvent } from '@onefn/aws/testing';
import { rpcHttp, rpcQueueMessage } from '@onefn/azure/testing';
import { pubsubEvent } from '@onefn/gcp/testing';
import type { GcpRequest } from './drivers/gcp.js';
import { messageBody, ORDER_REQUEST, type OrderBody } from './workload.js';

const url = `${ORDER_REQUEST.path}?${ORDER_REQUEST.query}`;
const [cookieName, cookieValue] = ORDER_REQUEST.cookie.split('=') as [string, string];

/** A Function URL request (payload 2.0). Like the real one in shared/fixtures, it carries the cookie twice: in `cookies` and in the Cookie header. */
export function awsOrderEvent(body: OrderBody): string {
  const event = functionUrlEvent({ method: ORDER_REQUEST.method, path: url, headers: ORDER_REQUEST.headers, cookies: { [cookieName]: cookieValue }, json: body });
  return JSON.stringify({ ...event, headers: { ...event.headers, cookie: ORDER_REQUEST.cookie } });
}

export function awsHelloEvent(): string {
  return JSON.stringify(functionUrlEvent({ method: 'GET', path: '/hello?name=Ada' }));
}

export function awsSqsEvent(size: number): string {
  return JSON.stringify(sqsEvent(Array.from({ length: size }, (_, i) => ({ id: `m-${i}`, body: messageBody(i) })), { queue: 'orders' }));
}

/** The order request on the wire (the client adds host; content-length is added where it is sent). */
export function gcpOrderRequest(body: OrderBody): GcpRequest {
  return { method: ORDER_REQUEST.method, path: url, headers: { ...ORDER_REQUEST.headers, cookie: ORDER_REQUEST.cookie }, body: JSON.stringify(body) };
}

export const gcpHelloRequest: GcpRequest = { method: 'GET', path: '/hello?name=Ada', headers: { accept: 'application/json' } };

export function gcpPubsubRequest(): GcpRequest {
  const r = pubsubEvent({ json: messageBody(0), messageId: 'm-1', attributes: { tenant: 'acme' }, topic: 'orders' });
  return { method: r.method, path: r.path, headers: r.headers, body: typeof r.body === 'string' ? r.body : Buffer.from(r.body ?? new Uint8Array()).toString('utf8') };
}

/** RPC trigger data as JSON, an HTTP body's bytes in base64 (see bench/drivers/azure.ts). */
function rpcText(trigger: ReturnType<typeof rpcHttp>): string {
  return JSON.stringify(trigger, (_key, value: unknown) => (value instanceof Uint8Array ? Buffer.from(value).toString('base64') : value));
}

export function azureOrderTrigger(body: OrderBody): string {
  const text = JSON.stringify(body);
  const headers = { ...ORDER_REQUEST.headers, cookie: ORDER_REQUEST.cookie, host: 'bench.azurewebsites.net', 'content-length': String(Buffer.byteLength(text)) };
  return rpcText(rpcHttp({ method: ORDER_REQUEST.method, url: `https://bench.azurewebsites.net/api${url}`, headers, body: text, params: { shop: 'acme' } }));
}

export function azureHelloTrigger(): string {
  return rpcText(rpcHttp({ url: 'https://bench.azurewebsites.net/api/hello?name=Ada', headers: { host: 'bench.azurewebsites.net', accept: 'application/json' } }));
}

export function azureQueueTrigger(): string {
  return rpcText(rpcQueueMessage({ body: messageBody(0), id: 'm-1' }));
}
