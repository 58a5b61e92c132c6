import { bytesBase64, statusTitle, type ResponseData } from 'onefn/runtime';
import type { LambdaV1Result, LambdaV2Result } from './native.js';

/**
 * The portable response -> each HTTP source's answer. Bodies travel as strings: bytes go base64 with
 * `isBase64Encoded`. Every Set-Cookie value must survive, and each format has its own way for that.
 */

function encodeBody(body: string | Uint8Array): { body: string; isBase64Encoded: boolean } {
  return typeof body === 'string' ? { body, isBase64Encoded: false } : { body: bytesBase64(body), isBase64Encoded: true };
}

const isSetCookie = (name: string): boolean => name.length === 10 && name.toLowerCase() === 'set-cookie';

/** Set-Cookie values from `cookies` plus any a handler put in its headers. */
export function allCookies(res: ResponseData): string[] {
  const out = [...res.cookies];
  for (const name in res.headers) {
    if (!isSetCookie(name)) continue;
    const value = res.headers[name] as string | readonly string[];
    if (typeof value === 'string') out.push(value);
    else out.push(...value);
  }
  return out;
}

/** API Gateway v2 and Function URLs: headers are single strings; cookies leave in `cookies`. */
export function toHttpV2(res: ResponseData): LambdaV2Result {
  // The core's headers object is already a fresh copy: it goes out as it is unless a value is a list
  // or a Set-Cookie header needs moving to `cookies` (the common case copies nothing).
  let plain = true;
  for (const name in res.headers) {
    if (typeof res.headers[name] !== 'string' || isSetCookie(name)) {
      plain = false;
      break;
    }
  }
  let headers = res.headers as Record<string, string>;
  let cookies: string[] | undefined = res.cookies.length ? (res.cookies as string[]) : undefined;
  if (!plain) {
    headers = {};
    for (const name in res.headers) {
      const value = res.headers[name] as string | readonly string[];
      if (isSetCookie(name)) {
        cookies = allCookies(res);
        continue;
      }
      headers[name] = typeof value === 'string' ? value : value.join(', ');
    }
  }
  const body = res.body;
  const out: LambdaV2Result =
    typeof body === 'string'
      ? { statusCode: res.status, headers, body, isBase64Encoded: false }
      : { statusCode: res.status, headers, body: bytesBase64(body), isBase64Encoded: true };
  if (cookies) out.cookies = cookies;
  return out;
}

/** API Gateway REST (v1): single values in `headers`, repeated ones (Set-Cookie) in `multiValueHeaders`. */
export function toHttpV1(res: ResponseData): LambdaV1Result {
  const headers: Record<string, string> = {};
  const multiValueHeaders: Record<string, string[]> = {};
  for (const name in res.headers) {
    if (isSetCookie(name)) continue;
    const value = res.headers[name] as string | readonly string[];
    if (typeof value === 'string') headers[name] = value;
    else multiValueHeaders[name] = [...value];
  }
  const cookies = allCookies(res);
  if (cookies.length) multiValueHeaders['set-cookie'] = cookies;
  return { statusCode: res.status, headers, multiValueHeaders, ...encodeBody(res.body) };
}

/**
 * ALB in single-value mode can send a header name only once, so several Set-Cookie values go out
 * under differently-cased names (Set-Cookie, sEt-Cookie, ...), which the load balancer passes through
 * as separate headers and clients read case-insensitively.
 */
function cookieNameVariant(i: number): string {
  const base = 'set-cookie';
  let out = '';
  let bit = 0;
  for (const ch of base) {
    if (ch === '-') {
      out += ch;
      continue;
    }
    out += (i >> bit) & 1 ? ch.toUpperCase() : ch;
    bit++;
  }
  return out;
}

/** ALB: answers in the mode the request came in (multi-value headers on or off for the target group). */
export function toAlb(res: ResponseData, multi: boolean): LambdaV1Result {
  const statusDescription = `${res.status} ${statusTitle(res.status)}`;
  const cookies = allCookies(res);
  if (multi) {
    const multiValueHeaders: Record<string, string[]> = {};
    for (const name in res.headers) {
      if (isSetCookie(name)) continue;
      const value = res.headers[name] as string | readonly string[];
      multiValueHeaders[name] = typeof value === 'string' ? [value] : [...value];
    }
    if (cookies.length) multiValueHeaders['set-cookie'] = cookies;
    return { statusCode: res.status, statusDescription, multiValueHeaders, ...encodeBody(res.body) };
  }
  const headers: Record<string, string> = {};
  for (const name in res.headers) {
    if (isSetCookie(name)) continue;
    const value = res.headers[name] as string | readonly string[];
    headers[name] = typeof value === 'string' ? value : value.join(', ');
  }
  cookies.forEach((cookie, i) => (headers[cookieNameVariant(i)] = cookie));
  return { statusCode: res.status, statusDescription, headers, ...encodeBody(res.body) };
}
