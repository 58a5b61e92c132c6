import { MalformedEventError, type Native } from 'onefn';
import { inputRecord, type HttpRequestInit } from 'onefn/runtime';
import type { AlbEvent, ApiGatewayV1Event, ApiGatewayV2Event } from './native.js';

/**
 * Lambda HTTP events -> the portable request init. Nothing is parsed here: the core decodes headers,
 * query and body lazily. What matters is decoding the query exactly once: REST v1 sends it decoded,
 * v2 sends `rawQueryString` encoded, ALB sends values as the client sent them (encoded).
 */

type HeaderMap = Readonly<Record<string, string | readonly string[] | undefined>>;

/**
 * Checks header values are strings (a malformed event must not become a TypeError deep in the core)
 * and reports whether every name is already lower-case, which spares the core an index.
 */
function checkHeaders(headers: unknown, field: string): { headers: HeaderMap | undefined; lower: boolean } {
  if (headers === undefined || headers === null) return { headers: undefined, lower: true };
  if (typeof headers !== 'object' || Array.isArray(headers)) throw new MalformedEventError(`${field} must be an object`);
  let lower = true;
  const map = headers as Record<string, unknown>;
  for (const name in map) {
    const value = map[name];
    if (typeof value !== 'string' && value !== undefined && value !== null) {
      if (!Array.isArray(value) || !value.every((v) => typeof v === 'string')) {
        throw new MalformedEventError(`${field}.${name.slice(0, 60)} must be a string${field.startsWith('multi') ? ' list' : ''}`);
      }
    }
    if (value === null) return checkHeaders(withoutNulls(map), field);
    if (lower && name !== name.toLowerCase()) lower = false;
  }
  return { headers: map as HeaderMap, lower };
}

// Prototype-free (see onefn's record.ts): on `{}`, a `__proto__` name with a list value became the
// copy's prototype, and its items inherited query parameters.
function withoutNulls(map: Record<string, unknown>): Record<string, unknown> {
  const out = inputRecord<unknown>();
  for (const name in map) if (map[name] !== null) out[name] = map[name];
  return out;
}

function checkBody(body: unknown, base64: unknown): HttpRequestInit['body'] {
  if (body === undefined || body === null || body === '') return undefined;
  if (typeof body !== 'string') throw new MalformedEventError('body must be a string');
  return base64 === true ? { data: body, base64: true } : { data: body };
}

function checkString(value: unknown, field: string): string {
  if (typeof value !== 'string') throw new MalformedEventError(`${field} must be a string`);
  return value;
}

/** API Gateway HTTP API (v2) and Function URLs. */
export function fromHttpV2(event: ApiGatewayV2Event, native: Native): HttpRequestInit {
  const { headers, lower } = checkHeaders(event.headers, 'headers');
  const cookies = event.cookies;
  if (cookies !== undefined && cookies !== null && (!Array.isArray(cookies) || !cookies.every((c) => typeof c === 'string'))) {
    throw new MalformedEventError('cookies must be a list of strings');
  }
  const http = event.requestContext.http;
  const query = event.rawQueryString;
  return {
    method: checkString(http.method, 'requestContext.http.method'),
    path: checkString(event.rawPath, 'rawPath'),
    // Still encoded: the core decodes each name and value once.
    query: typeof query === 'string' ? query : undefined,
    headers,
    headersLowerCased: lower,
    cookies: cookies ?? undefined,
    body: checkBody(event.body, event.isBase64Encoded),
    ip: typeof http.sourceIp === 'string' ? http.sourceIp : undefined,
    native,
  };
}

/** API Gateway REST API (v1). Routes on `path`, which (unlike `requestContext.path`) has no stage prefix. */
export function fromHttpV1(event: ApiGatewayV1Event, native: Native): HttpRequestInit {
  const multi = event.multiValueHeaders;
  const { headers, lower } = checkHeaders(multi ?? event.headers, multi ? 'multiValueHeaders' : 'headers');
  const multiQuery = event.multiValueQueryStringParameters;
  // Already decoded by API Gateway: handed over as a record so that it is not decoded again.
  const { headers: query } = checkHeaders(multiQuery ?? event.queryStringParameters, 'queryStringParameters');
  const identity = event.requestContext?.identity;
  return {
    method: checkString(event.httpMethod, 'httpMethod'),
    path: checkString(event.path, 'path'),
    query,
    headers,
    headersLowerCased: lower,
    body: checkBody(event.body, event.isBase64Encoded),
    ip: typeof identity?.sourceIp === 'string' ? identity.sourceIp : undefined,
    native,
  };
}

/** Rebuilds the query string as the client sent it: ALB passes names and values through undecoded. */
function albQuery(params: HeaderMap | undefined): string | undefined {
  if (!params) return undefined;
  let out = '';
  for (const name in params) {
    const value = params[name];
    if (value === undefined) continue;
    for (const one of typeof value === 'string' ? [value] : value) out += `${out ? '&' : ''}${name}=${one}`;
  }
  return out;
}

/** ALB target requests, in single- or multi-value mode (`multi` tells which, for the answer). */
export function fromAlb(event: AlbEvent, native: Native): { init: HttpRequestInit; multi: boolean } {
  const multi = event.multiValueHeaders !== undefined && event.multiValueHeaders !== null;
  const { headers, lower } = checkHeaders(multi ? event.multiValueHeaders : event.headers, multi ? 'multiValueHeaders' : 'headers');
  const { headers: params } = checkHeaders(event.multiValueQueryStringParameters ?? event.queryStringParameters, 'queryStringParameters');
  const forwarded = headers?.['x-forwarded-for'];
  const first = typeof forwarded === 'string' ? forwarded : forwarded?.[0];
  return {
    multi,
    init: {
      method: checkString(event.httpMethod, 'httpMethod'),
      path: checkString(event.path, 'path'),
      query: albQuery(params),
      headers,
      headersLowerCased: lower,
      body: checkBody(event.body, event.isBase64Encoded),
      ip: first?.split(',')[0]?.trim() || undefined,
      native,
    },
  };
}
