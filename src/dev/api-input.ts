import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { OnefnError } from '../onefn/errors.js';
import { isToken } from '../onefn/header-syntax.js';
import { jsonSyntaxDetail } from '../onefn/json-syntax.js';
import { THROUGH } from './api-paths.js';
import type { Through, WireRequest } from './invoke.js';

// What the dashboard API checks before it acts: who may ask (token, origin, host), and that a body is
// the JSON object it takes. Every refusal becomes a problem document.

/** A request the API refuses; `handleDashboard` turns it into a problem document. */
export class Refusal extends OnefnError {
  constructor(
    readonly status: number,
    detail: string,
    readonly extra: Record<string, unknown> = {},
    readonly headers: Record<string, string> = {},
  ) {
    super('REQUEST_REFUSED', detail);
    this.name = 'Refusal';
  }
}

export function sameToken(given: string | undefined, token: string): boolean {
  if (given === undefined) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** The token from `Authorization: Bearer`, else from `?token=` (EventSource cannot set headers). */
export function tokenOf(req: IncomingMessage, query: URLSearchParams): string | undefined {
  const auth = req.headers.authorization;
  if (auth?.startsWith('Bearer ')) return auth.slice(7).trim();
  return query.get('token') ?? undefined;
}

/**
 * A page on another site can make the browser send requests here; with JSON-only bodies such a
 * request needs a preflight, which nothing here answers. A request that still names another origin
 * (or arrives under a Host name other than the one served: DNS rebinding) is refused outright.
 */
export function checkOrigin(req: IncomingMessage, token: string | undefined): void {
  const origin = req.headers.origin;
  const host = req.headers.host;
  // Without a token the server listens on loopback only: a Host naming anything else is a page on
  // another site whose name was made to point here (DNS rebinding).
  if (token === undefined && !isLoopbackHost(host)) throw new Refusal(403, 'Requests under another host name are refused; use 127.0.0.1 or localhost');
  if (origin !== undefined) {
    let originHost: string;
    try {
      originHost = new URL(origin).host;
    } catch {
      throw new Refusal(403, 'The Origin header is not a URL');
    }
    if (originHost !== host) throw new Refusal(403, 'Requests from another origin are refused');
  }
}

export function isLoopbackHost(host: string | undefined): boolean {
  if (host === undefined) return true;
  const name = host.startsWith('[') ? host.slice(0, host.indexOf(']') + 1) : host.replace(/:\d+$/, '');
  return name === 'localhost' || name === '[::1]' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(name);
}

export function readJson(body: Uint8Array, req: IncomingMessage): unknown {
  const type = req.headers['content-type'] ?? '';
  if (!/^application\/json\s*(;|$)/i.test(type)) throw new Refusal(415, 'Send the body as application/json');
  try {
    return JSON.parse(Buffer.from(body).toString('utf8'));
  } catch (error) {
    throw new Refusal(400, `Malformed JSON body: ${jsonSyntaxDetail(error as SyntaxError)}`);
  }
}

export function objectOf(value: unknown, what: string, keys: readonly string[], required: readonly string[]): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Refusal(400, `${what} must be a JSON object`);
  const o = value as Record<string, unknown>;
  const unknown = Object.keys(o).filter((k) => !keys.includes(k));
  if (unknown.length) throw new Refusal(400, `${what} has unknown field(s) ${unknown.slice(0, 5).map((k) => JSON.stringify(k.slice(0, 40))).join(', ')}; it takes ${keys.join(', ')}`, { issues: unknown.slice(0, 5).map((k) => ({ path: [k.slice(0, 40)], message: 'unknown field' })) });
  for (const key of required) if (o[key] === undefined) throw new Refusal(400, `${what} needs "${key}"`, { issues: [{ path: [key], message: 'required' }] });
  return o;
}

export function providerOf(value: unknown, fallback: Through): Through {
  if (value === undefined) return fallback;
  if (!(THROUGH as readonly unknown[]).includes(value)) throw new Refusal(400, `"provider" must be one of ${THROUGH.join(', ')}`, { issues: [{ path: ['provider'], message: 'not a provider' }] });
  return value as Through;
}

// What a request line and header fields can carry on the wire (Node's parser refuses the rest), so
// that a request the dashboard sends could also have arrived over HTTP, on every provider.
const TARGET = /^[\x21-\x7e]*$/;
const FIELD_VALUE = /^[\t\x20-\x7e\x80-\xff]*$/;

function checkWire(o: Record<string, unknown>): void {
  const path = typeof o['path'] === 'string' ? o['path'] : '/';
  if (!TARGET.test(path)) throw new Refusal(400, '"input.path" holds a space, a control character or a character a URL must percent-encode', { issues: [{ path: ['input', 'path'], message: 'not a request target' }] });
  for (const [name, value] of Object.entries((o['headers'] ?? {}) as Record<string, string>)) {
    const shown = JSON.stringify(name.slice(0, 40));
    if (!isToken(name)) throw new Refusal(400, `"input.headers" name ${shown} is not an HTTP token`, { issues: [{ path: ['input', 'headers', name.slice(0, 40)], message: 'not an HTTP token' }] });
    if (!FIELD_VALUE.test(value)) throw new Refusal(400, `"input.headers" ${shown} holds CR, LF or another character HTTP forbids`, { issues: [{ path: ['input', 'headers', name.slice(0, 40)], message: 'not a header value' }] });
  }
}

/** The wire form of a portable HTTP input (already checked by parsePortableInput). */
export function wireFrom(o: Record<string, unknown>): WireRequest {
  checkWire(o);
  const full = typeof o['path'] === 'string' ? o['path'] : '/';
  const q = full.indexOf('?');
  let rawQuery = q === -1 ? '' : full.slice(q + 1);
  const query = o['query'];
  if (q === -1 && query && typeof query === 'object') {
    const params = new URLSearchParams();
    for (const [k, v] of Object.entries(query)) for (const item of Array.isArray(v) ? v : [v]) params.append(k, String(item));
    rawQuery = params.toString();
  }
  const headers: Record<string, string[]> = Object.create(null) as Record<string, string[]>;
  for (const [k, v] of Object.entries((o['headers'] ?? {}) as Record<string, string>)) (headers[k.toLowerCase()] ??= []).push(v);
  const body = o['body'];
  let bytes: Uint8Array = new Uint8Array(0);
  if (typeof body === 'string') bytes = o['isBase64Encoded'] === true ? Buffer.from(body, 'base64') : Buffer.from(body);
  else if (body !== undefined && body !== null) {
    bytes = Buffer.from(JSON.stringify(body));
    headers['content-type'] ??= ['application/json'];
  }
  if (bytes.byteLength) headers['content-length'] = [String(bytes.byteLength)];
  return { method: typeof o['method'] === 'string' ? o['method'].toUpperCase() : 'GET', path: q === -1 ? full : full.slice(0, q), rawQuery, headers, body: bytes, ip: '127.0.0.1', native: undefined };
}

/** The body as text when it is UTF-8, else base64: JSON cannot carry bytes. */
export function bodyForJson(body: string | Uint8Array): { body: string; bodyEncoding: 'utf8' | 'base64' } {
  if (typeof body === 'string') return { body, bodyEncoding: 'utf8' };
  const text = Buffer.from(body).toString('utf8');
  return Buffer.from(text).equals(Buffer.from(body)) ? { body: text, bodyEncoding: 'utf8' } : { body: Buffer.from(body).toString('base64'), bodyEncoding: 'base64' };
}
