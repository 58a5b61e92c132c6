import { rawBodyBytes, rawBodySize, rawBodyText, type RawBody } from './bytes.js';
import { parseCookieHeader, type CookieOptions, setCookie } from './cookies.js';
import type { Native } from './context.js';
import { HttpError } from './errors.js';
import { HttpHeaders, type HeadersInit } from './headers.js';
import { parseQueryString, queryMapToRecord, queryRecordToMap, type QueryRecord } from './query.js';

export { HttpHeaders, setCookie };
export type { CookieOptions, HeadersInit, QueryRecord, RawBody };

/** The HTTP methods a definition can serve. */
export const HTTP_METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'] as const;
export type HttpMethod = (typeof HTTP_METHODS)[number];

/** What an adapter hands the core: the request as plain data, nothing parsed yet. */
export interface HttpRequestInit {
  method: string;
  /** The URL path as sent (percent-encoded), without the query string. */
  path: string;
  /** The raw query string (still encoded, with or without "?"), or parameters already decoded. */
  query?: string | Readonly<Record<string, string | readonly string[] | undefined>>;
  headers?: HeadersInit;
  /** True when every header name is already lower-case, which saves building an index. */
  headersLowerCased?: boolean;
  /** "name=value" pairs delivered outside the Cookie header (API Gateway v2 and Function URLs). */
  cookies?: readonly string[];
  body?: RawBody;
  /** The client's address, as the provider saw it. */
  ip?: string;
  native?: Native;
}

/**
 * The portable HTTP request. Plain data parsed lazily: headers, query, cookies and body are decoded
 * only when read, and a web-standard Request is built only by `toRequest()`.
 *
 * Type parameters are the validated shapes: without a schema, `body` is `unknown`, `query` the
 * decoded parameters and `params` the route's parameters.
 */
export interface HttpRequest<Body = unknown, Query = QueryRecord, Params = Record<string, string>, Headers = undefined> {
  readonly method: string;
  /** The URL path as sent (percent-encoded). */
  readonly path: string;
  /** Route parameters (decoded), validated when the definition has a `params` schema. */
  readonly params: Params;
  /** Query parameters (decoded), validated when the definition has a `query` schema. */
  readonly query: Query;
  /** Every value of a query parameter, whatever the schema made of it. */
  queryAll(name: string): string[];
  /** Case-insensitive, multi-valued request headers. */
  readonly headers: HttpHeaders;
  /** The headers' schema output when the definition has a `headers` schema, else undefined. */
  readonly validHeaders: Headers;
  readonly cookies: Readonly<Record<string, string>>;
  /**
   * With a `body` schema, the validated body (from JSON or a form). Without one: parsed JSON for a
   * JSON content type, a record for a form, text for text, bytes otherwise, undefined when empty.
   */
  readonly body: Body;
  bytes(): Uint8Array;
  text(): string;
  /** The body parsed as JSON; a malformed body throws a 400 HttpError. */
  json(): unknown;
  form(): URLSearchParams;
  /** The client's IP address where the provider tells it. */
  readonly ip: string | undefined;
  /** A web-standard Request, built on demand. */
  toRequest(): Request;
  readonly native: Native;
}

const NO_PARAMS: Readonly<Record<string, string>> = Object.freeze({});
const UNSET = Symbol('unset');

function isJsonType(contentType: string | undefined): boolean {
  if (!contentType) return false;
  if (contentType === 'application/json' || contentType.startsWith('application/json;')) return true;
  const semi = contentType.indexOf(';');
  const type = (semi === -1 ? contentType : contentType.slice(0, semi)).trim().toLowerCase();
  return type === 'application/json' || type.endsWith('+json');
}

function isFormType(contentType: string | undefined): boolean {
  return !!contentType && contentType.toLowerCase().startsWith('application/x-www-form-urlencoded');
}

function isTextType(contentType: string | undefined): boolean {
  if (!contentType) return false;
  const t = contentType.toLowerCase();
  return t.startsWith('text/') || t.includes('xml') || t.includes('javascript');
}

/** The request implementation; the pipeline fills in the validated parts. */
export class PortableRequest implements HttpRequest<unknown, unknown, unknown, unknown> {
  readonly method: string;
  readonly path: string;
  readonly ip: string | undefined;
  readonly native: Native;
  params: unknown = NO_PARAMS;
  validHeaders: unknown = undefined;
  private readonly init: HttpRequestInit;
  private headerView: HttpHeaders | undefined;
  private queryMap: Map<string, string[]> | undefined;
  private queryValue: unknown = UNSET;
  private cookieValue: Record<string, string> | undefined;
  private bodyValue: unknown = UNSET;
  private textValue: string | undefined;

  constructor(init: HttpRequestInit) {
    this.init = init;
    this.method = init.method.toUpperCase();
    this.path = init.path || '/';
    this.ip = init.ip;
    this.native = init.native ?? { provider: 'local', event: init, context: undefined };
  }

  get headers(): HttpHeaders {
    return (this.headerView ??= new HttpHeaders(this.init.headers, this.init.headersLowerCased));
  }

  private queryParams(): Map<string, string[]> {
    if (this.queryMap) return this.queryMap;
    const q = this.init.query;
    return (this.queryMap = q === undefined ? new Map() : typeof q === 'string' ? parseQueryString(q) : queryRecordToMap(q));
  }

  get query(): unknown {
    if (this.queryValue === UNSET) this.queryValue = queryMapToRecord(this.queryParams());
    return this.queryValue;
  }
  set query(value: unknown) {
    this.queryValue = value;
  }

  queryAll(name: string): string[] {
    return [...(this.queryParams().get(name) ?? [])];
  }

  get cookies(): Readonly<Record<string, string>> {
    if (this.cookieValue) return this.cookieValue;
    const out: Record<string, string> = {};
    for (const pair of this.init.cookies ?? []) parseCookieHeader(pair, out);
    for (const header of this.headers.getAll('cookie')) parseCookieHeader(header, out);
    return (this.cookieValue = out);
  }

  /** Body size in bytes, without decoding it. */
  get size(): number {
    return rawBodySize(this.init.body);
  }

  /** True when the body is larger than `limit` bytes; counts bytes only when the length cannot decide. */
  bodyExceeds(limit: number): boolean {
    const body = this.init.body;
    if (!body) return false;
    // A UTF-8 string takes at most 3 bytes per UTF-16 unit; base64 text is longer than its bytes.
    if (typeof body.data === 'string' && body.data.length * 3 <= limit) return false;
    return rawBodySize(body) > limit;
  }

  get hasBody(): boolean {
    const body = this.init.body;
    return !!body && (typeof body.data === 'string' ? body.data.length > 0 : body.data.byteLength > 0);
  }

  get body(): unknown {
    if (this.bodyValue !== UNSET) return this.bodyValue;
    if (!this.hasBody) return (this.bodyValue = undefined);
    const type = this.headers.get('content-type');
    if (isJsonType(type)) return (this.bodyValue = this.json());
    if (isFormType(type)) return (this.bodyValue = Object.fromEntries(this.form()));
    if (isTextType(type)) return (this.bodyValue = this.text());
    return (this.bodyValue = this.bytes());
  }
  set body(value: unknown) {
    this.bodyValue = value;
  }

  bytes(): Uint8Array {
    return rawBodyBytes(this.init.body);
  }

  text(): string {
    return (this.textValue ??= rawBodyText(this.init.body));
  }

  json(): unknown {
    const text = this.text();
    try {
      return JSON.parse(text);
    } catch (error) {
      throw new HttpError(400, `Malformed JSON body: ${(error as Error).message}`, { code: 'MALFORMED_JSON', cause: error });
    }
  }

  form(): URLSearchParams {
    return new URLSearchParams(this.text());
  }

  get isJson(): boolean {
    return isJsonType(this.headers.get('content-type'));
  }

  get isForm(): boolean {
    return isFormType(this.headers.get('content-type'));
  }

  toRequest(): Request {
    const host = this.headers.get('host') ?? 'localhost';
    const proto = this.headers.get('x-forwarded-proto')?.split(',')[0]?.trim() ?? (host.startsWith('localhost') || host.startsWith('127.') ? 'http' : 'https');
    const q = this.init.query;
    const search = typeof q === 'string' ? (q.startsWith('?') || q === '' ? q : `?${q}`) : q ? `?${new URLSearchParams([...this.queryParams()].flatMap(([k, vs]) => vs.map((v) => [k, v] as [string, string]))).toString()}` : '';
    const headers = new Headers();
    for (const [name, value] of this.headers) headers.append(name, value);
    if (this.init.cookies?.length && !headers.has('cookie')) headers.set('cookie', this.init.cookies.join('; '));
    const hasBody = this.hasBody && this.method !== 'GET' && this.method !== 'HEAD';
    return new Request(`${proto}://${host}${this.path}${search}`, {
      method: this.method,
      headers,
      body: hasBody ? (this.bytes() as Uint8Array<ArrayBuffer>) : null,
    });
  }
}

/** Makes the portable request from what an adapter read off its provider's event. */
export function createRequest(init: HttpRequestInit): PortableRequest {
  return new PortableRequest(init);
}

// ---------------------------------------------------------------------------------------------------
// Results

/** A JSON-serializable value. */
export type JsonValue = null | boolean | number | string | readonly JsonValue[] | { readonly [key: string]: JsonValue | undefined };

/** Response headers; arrays send the header once per value. */
export type ResultHeaders = Readonly<Record<string, string | number | readonly string[]>>;

/**
 * What an HTTP handler returns: every field optional. A string body is sent as text, bytes as
 * `application/octet-stream`, anything else as JSON, unless `headers` set a content type.
 *
 * @example
 * return { status: 201, headers: { location: `/users/${id}` }, body: { id } }
 */
export interface HttpResult {
  status?: number;
  headers?: ResultHeaders;
  /** Set-Cookie values, one per cookie (see `setCookie`). */
  cookies?: readonly string[];
  body?: string | Uint8Array | ArrayBuffer | JsonValue | object | null;
}

/** A result ready for an adapter: status set, body serialized, content type decided. */
export interface ResponseData {
  status: number;
  /** Header names as the handler wrote them; content-type always present when there is a body. */
  headers: Record<string, string | readonly string[]>;
  cookies: readonly string[];
  /** Text, or bytes for a binary body (adapters base64-encode it where their provider needs). */
  body: string | Uint8Array;
}

export type HttpHandlerResult = HttpResult | Response;

type Init = Omit<HttpResult, 'body'>;

/**
 * A JSON response.
 *
 * @example
 * return json({ message: 'Hello' })            // 200
 * return json({ id }, { status: 201 })
 */
export function json(data: unknown, init?: Init): HttpResult {
  return {
    status: init?.status,
    headers: init?.headers ? { 'content-type': 'application/json', ...init.headers } : JSON_HEADERS,
    cookies: init?.cookies,
    body: JSON.stringify(data) ?? 'null',
  };
}

// Shared by every json() without headers of its own; frozen, and copied by toResponseData.
const JSON_HEADERS: ResultHeaders = Object.freeze({ 'content-type': 'application/json' });

/**
 * A plain-text response.
 *
 * @example
 * return text('pong')
 */
export function text(body: string, init: Init = {}): HttpResult {
  return { ...init, headers: { 'content-type': 'text/plain; charset=utf-8', ...init.headers }, body };
}

/**
 * An HTML response.
 *
 * @example
 * return html('<h1>Hi</h1>')
 */
export function html(body: string, init: Init = {}): HttpResult {
  return { ...init, headers: { 'content-type': 'text/html; charset=utf-8', ...init.headers }, body };
}

/**
 * A binary response.
 *
 * @example
 * return bytes(png, 'image/png')
 */
export function bytes(body: Uint8Array | ArrayBuffer, contentType = 'application/octet-stream', init: Init = {}): HttpResult {
  return { ...init, headers: { 'content-type': contentType, ...init.headers }, body: body instanceof Uint8Array ? body : new Uint8Array(body) };
}

/**
 * A redirect (302 by default).
 *
 * @example
 * return redirect('/login', 303)
 */
export function redirect(location: string, status: 301 | 302 | 303 | 307 | 308 = 302, init: Init = {}): HttpResult {
  return { ...init, status, headers: { ...init.headers, location } };
}

/**
 * An empty 204 response.
 *
 * @example
 * return noContent()
 */
export function noContent(init: Init = {}): HttpResult {
  return { ...init, status: 204 };
}

/**
 * An empty response with a status.
 *
 * @example
 * return status(202)
 */
export function status(code: number, init: Init = {}): HttpResult {
  return { ...init, status: code };
}

/**
 * Turns what a handler returned into data an adapter can send. One pass over the headers: it copies
 * them (a handler may reuse a constant) and notes whether a content type was set.
 */
export function toResponseData(result: HttpResult): ResponseData {
  const headers: Record<string, string | readonly string[]> = {};
  let typed = false;
  const given = result.headers;
  if (given) {
    for (const name in given) {
      const value = given[name];
      if (value === undefined) continue;
      headers[name] = typeof value === 'number' ? String(value) : value;
      if (name.length === 12 && !typed && name.toLowerCase() === 'content-type') typed = true;
    }
  }
  const raw = result.body;
  let body: string | Uint8Array;
  let defaultType: string | undefined;
  if (raw === undefined || raw === null) body = '';
  else if (typeof raw === 'string') {
    body = raw;
    defaultType = 'text/plain; charset=utf-8';
  } else if (raw instanceof Uint8Array) {
    body = raw;
    defaultType = 'application/octet-stream';
  } else if (raw instanceof ArrayBuffer) {
    body = new Uint8Array(raw);
    defaultType = 'application/octet-stream';
  } else {
    body = JSON.stringify(raw);
    defaultType = 'application/json';
  }
  if (defaultType && !typed) headers['content-type'] = defaultType;
  return { status: result.status ?? (defaultType ? 200 : 204), headers, cookies: result.cookies ?? NO_COOKIES, body };
}

const NO_COOKIES: readonly string[] = Object.freeze([]);

const TEXTUAL = /^(text\/|application\/(json|xml|javascript|x-www-form-urlencoded)|[^;]*\+(json|xml))/i;

/** Converts a web-standard Response, keeping every Set-Cookie value apart. */
export async function fromWebResponse(response: Response): Promise<ResponseData> {
  const headers: Record<string, string> = {};
  response.headers.forEach((value, name) => {
    if (name !== 'set-cookie') headers[name] = value;
  });
  const type = response.headers.get('content-type') ?? '';
  const buffer = new Uint8Array(await response.arrayBuffer());
  const body = buffer.byteLength === 0 ? '' : TEXTUAL.test(type) ? new TextDecoder().decode(buffer) : buffer;
  return { status: response.status, headers, cookies: response.headers.getSetCookie(), body };
}

/** True when a body must travel base64-encoded through a text-only channel. */
export function isBinaryBody(body: string | Uint8Array): body is Uint8Array {
  return typeof body !== 'string';
}
