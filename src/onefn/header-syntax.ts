import { HeaderError } from './errors.js';

// What every provider can put on the wire: a name is an RFC 9110 token (Node's checkIsHttpToken), a
// value visible ASCII, space and HTAB. Node would also send obs-text (U+0080 to U+00FF), but the Azure
// Functions host's Kestrel refuses any non-ASCII response header value ("Invalid non-ASCII or control
// character in header", https://github.com/dotnet/aspnetcore/issues/4727), so the host would fail the
// response there: it is refused on every provider. https://www.rfc-editor.org/rfc/rfc9110#section-5.5
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const FORBIDDEN = /[^\t\x20-\x7e]/;
// A Set-Cookie value: a token name, "=", then anything a header value may hold. A line without a
// name would be sent by AWS and GCP but dropped by Azure's Cookie conversion; refused everywhere.
const SET_COOKIE = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+=[\t\x20-\x7e]*$/;

/** The content type `json()` sets. */
export const JSON_TYPE = 'application/json';

/** True when `text` is an HTTP token (a header name, a cookie name). */
export function isToken(text: string): boolean {
  return TOKEN.test(text);
}

const isSetCookie = (name: string): boolean => name.length === 10 && name.toLowerCase() === 'set-cookie';

// Names already found valid (Set-Cookie aside, whose values need more checking). Header names are
// nearly always literals in the handler's code, so a lookup (its hash kept in the string) spares a
// regular expression per header per response. Bounded, so that names made from input cannot grow it.
const KNOWN_NAMES = new Set<string>();
const MAX_KNOWN_NAMES = 256;

/**
 * Refuses a header. The message names the header (escaped and cut short: a bad name may carry a whole
 * injected line) and never repeats the value. Kept terse: this ships in every deployed bundle.
 */
function refuse(name: string, why: string): never {
  throw new HeaderError(name, `Response header ${JSON.stringify(name.slice(0, 40))} ${why}`);
}

const FORBIDDEN_VALUE = 'holds CR, LF, a non-ASCII character or another one HTTP forbids';
const NOT_SET_COOKIE = 'is not a sendable "name=value" Set-Cookie line';

/** One value of a header: a string that can go on the wire, or a `name=...` line for Set-Cookie. */
function checkValue(name: string, value: unknown, cookie: boolean): void {
  if (typeof value !== 'string') refuse(name, `must be a string, got ${value === null ? 'null' : typeof value}`);
  if (cookie ? !SET_COOKIE.test(value) : FORBIDDEN.test(value)) refuse(name, cookie ? NOT_SET_COOKIE : FORBIDDEN_VALUE);
}

/**
 * The value of one response header as it goes on the wire (a number becomes its decimal string);
 * throws a HeaderError naming the header when the name or a value could not be sent. One regular
 * expression per value (and per name the first time it is seen), nothing allocated when all is
 * well: this runs for every header of every response.
 */
export function checkHeader(name: string, value: unknown): string | readonly string[] {
  let plain = KNOWN_NAMES.has(name);
  if (!plain) {
    if (!TOKEN.test(name)) refuse(name, 'is not an HTTP token');
    // @azure/functions copies response headers, lower-cased, into a plain object, where this name sets
    // the prototype instead: Azure would drop it silently, so no provider sends it.
    if (name.length === 9 && name.toLowerCase() === '__proto__') refuse(name, 'cannot be sent (Azure drops a header of that name)');
    plain = !isSetCookie(name);
    if (plain && KNOWN_NAMES.size < MAX_KNOWN_NAMES) KNOWN_NAMES.add(name);
  }
  if (typeof value === 'string') {
    // json()'s content type is a constant: compared by identity, it needs no scan.
    if (value !== JSON_TYPE || !plain) checkValue(name, value, !plain);
    return value;
  }
  // Any number prints as digits, "-", "+", ".", "e", "Infinity" or "NaN": always sendable.
  if (typeof value === 'number') return String(value);
  if (!Array.isArray(value)) refuse(name, 'must be a string, a number or a list of strings');
  for (const item of value as unknown[]) checkValue(name, item, !plain);
  return value as readonly string[];
}

// The last line `setCookie` made, checked attribute by attribute as it was made, so sendable: a
// result's cookie that is that very line (the common case) needs no second scan, which also flattened
// the freshly concatenated string (most of its cost). Only `setCookie` sets it.
let lastMade: string | undefined;

/** Notes a Set-Cookie line that `setCookie` built and checked. */
export function madeSetCookie(line: string): string {
  return (lastMade = line);
}

/** Checks a result's `cookies`: a list of Set-Cookie strings, each `name=...` and sendable. */
export function checkCookies(cookies: unknown): readonly string[] {
  if (!Array.isArray(cookies)) refuse('set-cookie', 'values (cookies) must be a list of strings');
  // The loop that passes is kept free of calls; only a failure goes on to say why.
  for (let i = 0; i < cookies.length; i++) {
    const cookie: unknown = cookies[i];
    if (typeof cookie !== 'string' || (cookie !== lastMade && !SET_COOKIE.test(cookie))) checkValue('set-cookie', cookie, true);
  }
  return cookies as readonly string[];
}

/** Checks every header of a record built elsewhere (an HttpError's headers, a web Response's). */
export function checkHeaderRecord(headers: Readonly<Record<string, unknown>>): void {
  for (const name in headers) {
    const value = headers[name];
    if (value !== undefined) checkHeader(name, value);
  }
}

/**
 * True when a header name has an upper-case letter, and so may name the same header as another key.
 * (Not a regular expression: compiling one costs the first invocation about 0.1 ms.)
 */
export function hasUpperCase(name: string): boolean {
  return name !== name.toLowerCase();
}

/**
 * Headers whose names differ only in case (`Content-Type` given beside `json()`'s `content-type`)
 * folded into one, the last value winning as Node's `setHeader` lets it, under the last spelling;
 * Set-Cookie values are all kept. Without this, Azure's web Headers joined the two values
 * ("application/json, text/csv") where AWS and GCP sent the last one. Returns `headers` itself when no
 * two names clash.
 */
export function foldHeaderCase<V extends string | readonly string[]>(headers: Record<string, V>): Record<string, V> {
  const last = new Map<string, string>();
  let clash = false;
  for (const name in headers) {
    const lower = name.toLowerCase();
    if (last.has(lower)) clash = true;
    last.set(lower, name);
  }
  if (!clash) return headers;
  const out: Record<string, V> = {};
  const cookies: string[] = [];
  for (const name in headers) {
    const lower = name.toLowerCase();
    const value = headers[name] as V;
    if (lower === 'set-cookie') cookies.push(...(typeof value === 'string' ? [value] : (value as readonly string[])));
    else if (last.get(lower) === name) out[name] = value;
  }
  if (cookies.length) out[last.get('set-cookie') as string] = cookies as unknown as V;
  return out;
}
