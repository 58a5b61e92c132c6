import type { HttpRequest as AzureHttpRequest, InvocationContext } from '@azure/functions';
import { MalformedEventError } from 'onefn';
import type { HttpRequestInit } from 'onefn/runtime';

/** True for the library's HttpRequest (or anything shaped like it): a URL, a method and web Headers. */
export function isAzureHttpRequest(value: unknown): value is AzureHttpRequest {
  if (typeof value !== 'object' || value === null) return false;
  const { url, method, headers } = value as { url?: unknown; method?: unknown; headers?: { get?: unknown; forEach?: unknown } | null };
  return typeof url === 'string' && typeof method === 'string' && typeof headers === 'object' && headers !== null && typeof headers.get === 'function' && typeof headers.forEach === 'function';
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
 * prefix (definitions route on `/users/1`, not `/api/users/1`), the raw query string, the web Headers
 * (read in place), and the body's bytes.
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
    // Read in place: a handler that reads a few headers does not pay for copying (and sorting) them all.
    webHeaders: request.headers,
    body,
    ip: clientIp(request.headers.get('x-forwarded-for')),
    native: { provider: 'azure', event: request, context },
  };
}
