import type { HttpRequest as AzureHttpRequest, InvocationContext } from '@azure/functions';
import { MalformedEventError } from 'onefn';
import { inputRecord, type HttpRequestInit } from 'onefn/runtime';

/** True for the library's HttpRequest (or anything shaped like it): the one field set every request has. */
export function isAzureHttpRequest(value: unknown): value is AzureHttpRequest {
  return typeof value === 'object' && value !== null && typeof (value as { url?: unknown }).url === 'string' && typeof (value as { method?: unknown }).method === 'string' && typeof (value as { headers?: unknown }).headers === 'object';
}

/** `x-forwarded-for` on Azure carries "ip:port" for IPv4 (the front end adds the client port). */
function clientIp(forwarded: string | null): string | undefined {
  if (!forwarded) return undefined;
  const first = forwarded.split(',')[0]?.trim();
  if (!first) return undefined;
  if (first.startsWith('[')) return first.slice(1, first.indexOf(']'));
  const colon = first.indexOf(':');
  return colon !== -1 && colon === first.lastIndexOf(':') ? first.slice(0, colon) : first;
}

/**
 * Reads the library's HttpRequest into the core's request init: the path without the host.json route
 * prefix (definitions route on `/users/1`, not `/api/users/1`), the raw query string, every header
 * (web Headers are lower-case, and each Set-Cookie apart), and the body's bytes.
 */
export async function requestInit(request: AzureHttpRequest, context: InvocationContext, prefix: string): Promise<HttpRequestInit> {
  let url: URL;
  try {
    url = new URL(request.url);
  } catch (error) {
    // Its answer is a 400 problem, which never repeats the input.
    throw new MalformedEventError('the request URL does not parse', { cause: error });
  }
  let path = url.pathname;
  if (prefix) {
    const head = `/${prefix}`;
    if (path === head) path = '/';
    else if (path.startsWith(`${head}/`)) path = path.slice(head.length);
  }
  // `__proto__` is a valid header name: on `{}` it was dropped (see onefn's record.ts).
  const headers = inputRecord<string | string[]>();
  request.headers.forEach((value, name) => {
    const seen = headers[name];
    if (seen === undefined) headers[name] = value;
    else if (typeof seen === 'string') headers[name] = [seen, value];
    else seen.push(value);
  });
  const method = request.method;
  // A GET or HEAD never carries a body (the library drops one), and reading an absent stream costs.
  let body: HttpRequestInit['body'];
  if (method !== 'GET' && method !== 'HEAD' && request.body !== null) {
    body = { data: new Uint8Array(await request.arrayBuffer()) };
  }
  return {
    method,
    path,
    query: url.search,
    headers,
    headersLowerCased: true,
    body,
    ip: clientIp(request.headers.get('x-forwarded-for')),
    native: { provider: 'azure', event: request, context },
  };
}
