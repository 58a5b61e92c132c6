import { rawBodyBytes, rawBodySize, rawBodyText, type Base64Refusal, type RawBody } from './bytes.js';
import { parseCookieHeader } from './cookies.js';
import type { Native } from './context.js';
import { HttpError } from './errors.js';
import { HttpHeaders, type HeadersInit, type WebHeadersLike } from './headers.js';
import { jsonSyntaxDetail } from './json-syntax.js';
import { parseQueryRecord, queryMapToRecord, queryRecordToMap, type QueryRecord } from './query.js';
import { EMPTY_RECORD, inputRecord } from './record.js';

export { HttpHeaders };
export type { HeadersInit, QueryRecord, RawBody, WebHeadersLike };

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
  /**
   * The platform's web Headers, read in place of `headers`: each lookup asks it for one name, so a
   * request whose handler reads a few headers never copies them all.
   */
  webHeaders?: WebHeadersLike;
  /**
   * "name=value" pairs delivered outside the Cookie header (API Gateway v2 and Function URLs). When
   * given (and not empty), they are the request's cookies, and a Cookie header is not read.
   */
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
  /** The body's form fields (`application/x-www-form-urlencoded`), every value in order. */
  form(): URLSearchParams;
  /** The client's IP address where the provider tells it. */
  readonly ip: string | undefined;
  /** A web-standard Request, built on demand. */
  toRequest(): Request;
  readonly native: Native;
}

const NO_PARAMS: Readonly<Record<string, string>> = EMPTY_RECORD;
// A body the provider marks base64-encoded that is not: the client's error, named without echoing it.
const refuseBody: Base64Refusal = () =>
  new HttpError(400, 'Malformed body: marked base64-encoded but not valid base64', { code: 'MALFORMED_BASE64' });
// Providers send methods upper-case; only other spellings pay for toUpperCase, which is measurable per call.
const UPPER_METHODS: ReadonlySet<string> = new Set(HTTP_METHODS);
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
  return /^text\/|xml|javascript/.test(contentType.toLowerCase());
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
  private queryRecord: QueryRecord | undefined;
  private queryMap: Map<string, string[]> | undefined;
  private queryValue: unknown = UNSET;
  private cookieValue: Record<string, string> | undefined;
  private bodyValue: unknown = UNSET;
  private textValue: string | undefined;

  constructor(init: HttpRequestInit) {
    this.init = init;
    this.method = UPPER_METHODS.has(init.method) ? init.method : init.method.toUpperCase();
    this.path = init.path || '/';
    this.ip = init.ip;
    this.native = init.native ?? { provider: 'local', event: init, context: undefined };
  }

  get headers(): HttpHeaders {
    return (this.headerView ??= new HttpHeaders(this.init.headers, this.init.headersLowerCased, this.init.webHeaders));
  }

  /** The query as sent, decoded: what `query` is without a schema, and what `queryAll` reads. */
  private sentQuery(): QueryRecord {
    if (this.queryRecord) return this.queryRecord;
    const q = this.init.query;
    return (this.queryRecord = q === undefined ? inputRecord() : typeof q === 'string' ? parseQueryRecord(q) : queryMapToRecord(queryRecordToMap(q)));
  }

  private queryParams(): Map<string, string[]> {
    return (this.queryMap ??= queryRecordToMap(this.sentQuery()));
  }

  get query(): unknown {
    if (this.queryValue === UNSET) this.queryValue = this.sentQuery();
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
    const out = inputRecord<string>();
    const pairs = this.init.cookies;
    // Where a provider lists the cookies apart (API Gateway v2, Function URLs), the list is the Cookie
    // header split up, and some events carry the header as well: one of the two is read, not both.
    if (pairs?.length) for (const pair of pairs) parseCookieHeader(pair, out);
    else for (const header of this.headers.getAll('cookie')) parseCookieHeader(header, out);
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
    if (isFormType(type)) return (this.bodyValue = this.formRecord());
    if (isTextType(type)) return (this.bodyValue = this.text());
    return (this.bodyValue = this.bytes());
  }
  set body(value: unknown) {
    this.bodyValue = value;
  }

  bytes(): Uint8Array {
    return rawBodyBytes(this.init.body, refuseBody);
  }

  text(): string {
    return (this.textValue ??= rawBodyText(this.init.body, refuseBody));
  }

  json(): unknown {
    const text = this.text();
    try {
      return JSON.parse(text);
    } catch (error) {
      throw new HttpError(400, `Malformed JSON body: ${jsonSyntaxDetail(error)}`, { code: 'MALFORMED_JSON', cause: error });
    }
  }

  form(): URLSearchParams {
    return new URLSearchParams(this.text());
  }

  /**
   * The form fields as a prototype-free record (see record.ts), decoded as the query is: a repeated
   * name gives an array in the order sent, so nothing is dropped.
   */
  formRecord(): Record<string, string | readonly string[]> {
    return parseQueryRecord(this.text());
  }

  get isJson(): boolean {
    return isJsonType(this.headers.get('content-type'));
  }

  get isForm(): boolean {
    return isFormType(this.headers.get('content-type'));
  }

  toRequest(): Request {
    const host = this.headers.get('host') ?? 'localhost';
    const proto = this.headers.get('x-forwarded-proto')?.split(',')[0]?.trim() ?? (/^(localhost|127\.)/.test(host) ? 'http' : 'https');
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
