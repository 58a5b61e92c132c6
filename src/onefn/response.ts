// What HTTP handlers return, the helpers that build it, and the data adapters send.
import { utf8Text } from './bytes.js';
import { HeaderError, OnefnError, StatusError } from './errors.js';
import { inputRecord } from './record.js';
import { checkCookies, checkHeader, checkHeaderRecord, foldHeaderCase, hasUpperCase, JSON_TYPE } from './header-syntax.js';
import type { BodyStream, StreamBody, UnopenedStream } from './stream.js';

declare const __ONEFN_STREAMS__: boolean | undefined;

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
  body?: string | Uint8Array | ArrayBuffer | StreamBody | JsonValue | object | null;
}

/** A result ready for an adapter: status set, body serialized, content type decided. */
export interface ResponseData {
  status: number;
  /** Header names as the handler wrote them; content-type always present when there is a body. */
  headers: Record<string, string | readonly string[]>;
  cookies: readonly string[];
  /** Text, or bytes for a binary body (adapters base64-encode it where their provider needs). Empty when `stream` is set. */
  body: string | Uint8Array;
  /**
   * A streamed body (the handler returned a ReadableStream, an async iterable or `sse()`): its first
   * chunk is already read, so status, headers and cookies are final. Adapters send them, then the
   * chunks as they come, and call `cancel()` when the client goes away.
   */
  stream?: BodyStream;
}

export type HttpHandlerResult = HttpResult | Response;

/**
 * A result whose body is streamed: `body` a web ReadableStream or an async iterable of strings or
 * bytes. Status, headers and cookies go out before the first chunk.
 *
 * @example
 * return stream(rows(), { headers: { 'content-type': 'text/csv; charset=utf-8' } })
 */
export function stream(body: StreamBody, init: Init = {}): HttpResult {
  return { ...init, body };
}

type Init = Omit<HttpResult, 'body'>;

/**
 * A JSON response.
 *
 * @example
 * return json({ message: 'Hello' })            // 200
 * return json({ id }, { status: 201 })
 */
export function json(data: unknown, init?: Init): HttpResult {
  const given = init?.headers;
  let headers = JSON_HEADERS;
  if (given) {
    // A loop, not a spread: this runs on every JSON answer, and the loop is the faster copy in V8.
    const own: Record<string, string | number | readonly string[]> = { 'content-type': JSON_TYPE };
    for (const name in given) own[name] = given[name] as string | number | readonly string[];
    headers = own;
  }
  return { status: init?.status, headers, cookies: init?.cookies, body: JSON.stringify(data) ?? 'null' };
}

// Shared by every json() without headers of its own; frozen, and copied by toResponseData.
const JSON_HEADERS: ResultHeaders = Object.freeze({ 'content-type': JSON_TYPE });

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
 * A redirect (302 by default). A target that cannot be a header value (CR, LF, other control
 * characters, characters above U+00FF: percent-encode them) throws a HeaderError.
 *
 * @example
 * return redirect('/login', 303)
 */
export function redirect(location: string, status: 301 | 302 | 303 | 307 | 308 = 302, init: Init = {}): HttpResult {
  // Refused here, where the stack shows the caller; a location with CR/LF would inject a header.
  checkHeader('location', location);
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
 * them (a handler may reuse a constant), checks that each can go on the wire, and notes whether a
 * content type was set. A result that cannot be sent throws a HeaderError or StatusError, which the
 * pipeline logs and answers with the generic 500, the same on every provider.
 */
export function toResponseData(result: HttpResult): ResponseData {
  let headers: Record<string, string | readonly string[]> = {};
  let typed = false;
  // Two names can only clash when one has an upper-case letter: then they are folded (foldHeaderCase).
  let mixedCase = false;
  const given = result.headers;
  if (given === JSON_HEADERS) {
    // json()'s own constant: known good, nothing to check.
    headers['content-type'] = JSON_TYPE;
    typed = true;
  } else if (given) {
    if (typeof given !== 'object') throw new HeaderError('headers', `headers must be an object, got ${typeof given}`);
    for (const name in given) {
      const value = given[name];
      if (value === undefined) continue;
      headers[name] = checkHeader(name, value);
      // The exact spelling first: lower-casing every 12-letter name is measurable per call.
      if (!typed && (name === 'content-type' || (name.length === 12 && name.toLowerCase() === 'content-type'))) typed = true;
      if (!mixedCase && hasUpperCase(name)) mixedCase = true;
    }
    if (mixedCase) headers = foldHeaderCase(headers);
  }
  const code = result.status;
  if (code !== undefined && !(Number.isInteger(code) && code >= 200 && code <= 599)) {
    throw new StatusError(`An HTTP result's status must be an integer from 200 to 599, got ${typeof code === 'number' ? String(code) : typeof code}`);
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
  } else if (typeof (raw as { [Symbol.asyncIterator]?: unknown })[Symbol.asyncIterator] === 'function') {
    // A stream (isStreamBody, written out: this runs for every object body). A build for a function
    // without streaming definitions has no stream code: refused here, as the pipeline refuses it
    // everywhere else (see run-http's streamed()).
    if (typeof __ONEFN_STREAMS__ === 'undefined' || __ONEFN_STREAMS__) return unopened(result, code, headers, typed, raw);
    throw new OnefnError('STREAM_NOT_ENABLED', 'Needs stream: true');
  } else {
    // A function or a toJSON() giving undefined serializes to nothing; send JSON null, as json() does.
    body = JSON.stringify(raw) ?? 'null';
    defaultType = JSON_TYPE;
  }
  if (defaultType && !typed) headers['content-type'] = defaultType;
  const cookies = result.cookies === undefined ? NO_COOKIES : checkCookies(result.cookies);
  // 204, 205 and 304 carry no content (RFC 9110 §15.3.5, §15.3.6, §15.4.5): a body given with one is
  // dropped here, as Node and @azure/functions drop it, so that Lambda does not pass it on.
  if (code === 204 || code === 205 || code === 304) return { status: code, headers, cookies, body: '' };
  return { status: code ?? (defaultType ? 200 : 204), headers, cookies, body };
}

const NO_COOKIES: readonly string[] = Object.freeze([]);

/** A result with a streamed body, read by the pipeline (openStream), which knows the context the stream lives in. */
function unopened(result: HttpResult, code: number | undefined, headers: Record<string, string | readonly string[]>, typed: boolean, source: unknown): UnopenedStream {
  // Narrowed by the caller's check.
  const cookies = result.cookies === undefined ? NO_COOKIES : checkCookies(result.cookies);
  return { status: code ?? 200, headers, cookies, body: '', source: source as StreamBody, typed };
}

const TEXTUAL = /^(text\/|application\/(json|xml|javascript|x-www-form-urlencoded)|[^;]*\+(json|xml))/i;

/** True for a content type whose body is text (sent as a string where a platform takes strings). */
export function isTextual(type: string): boolean {
  return TEXTUAL.test(type);
}

/**
 * Converts a web-standard Response, keeping every Set-Cookie value apart. `Headers` refuses CR, LF and
 * NUL but lets other control characters through, which Node's http and the providers refuse: each
 * value is checked as a handler's headers are.
 */
export async function fromWebResponse(response: Response): Promise<ResponseData> {
  // An input record (see record.ts): on `{}`, a header named __proto__ would vanish before its check.
  const headers = inputRecord<string>();
  response.headers.forEach((value, name) => {
    if (name !== 'set-cookie') headers[name] = value;
  });
  checkHeaderRecord(headers);
  const cookies = checkCookies(response.headers.getSetCookie());
  const type = response.headers.get('content-type') ?? '';
  const buffer = new Uint8Array(await response.arrayBuffer());
  const body = buffer.byteLength === 0 ? '' : TEXTUAL.test(type) ? utf8Text(buffer) : buffer;
  return { status: response.status, headers, cookies, body };
}

/** True when a body must travel base64-encoded through a text-only channel. */
export function isBinaryBody(body: string | Uint8Array): body is Uint8Array {
  return typeof body !== 'string';
}
