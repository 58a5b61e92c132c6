import { HeaderError } from './errors.js';

// What Node's http module accepts, and so what every provider can put on the wire: a name is an RFC
// 9110 token (Node's checkIsHttpToken), a value any character but CTLs other than HTAB, DEL, and
// anything above U+00FF (Node's checkInvalidHeaderChar). https://www.rfc-editor.org/rfc/rfc9110#section-5.6.2
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const FORBIDDEN = /[^\t\x20-\x7e\x80-\xff]/;
// A Set-Cookie value: a token name, "=", then anything a header value may hold. A line without a
// name would be sent by AWS and GCP but dropped by Azure's Cookie conversion; refused everywhere.
const SET_COOKIE = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+=[\t\x20-\x7e\x80-\xff]*$/;

/** The content type `json()` sets. */
export const JSON_TYPE = 'application/json';

/** True when `text` is an HTTP token (a header name, a cookie name). */
export function isToken(text: string): boolean {
  return TOKEN.test(text);
}

/** A header name for a message: escaped, and short, since a bad name may carry a whole injected line. */
function quote(name: string): string {
  return JSON.stringify(name.length > 40 ? `${name.slice(0, 40)}...` : name);
}

function badValue(header: string, label: string, value: string): HeaderError {
  const at = value.search(FORBIDDEN);
  if (at === -1) return new HeaderError(header, `${label} is not a Set-Cookie value: it must start with a cookie name (an HTTP token) and "="`);
  const code = value.charCodeAt(at).toString(16).toUpperCase().padStart(4, '0');
  return new HeaderError(header, `${label} has a character HTTP forbids in a header (U+${code} at index ${at}): CR, LF, another control character, or one above U+00FF`);
}

const isSetCookie = (name: string): boolean => name.length === 10 && name.toLowerCase() === 'set-cookie';

// Names already found valid (Set-Cookie aside, whose values need more checking). Header names are
// nearly always literals in the handler's code, so a lookup (its hash kept in the string) spares a
// regular expression per header per response. Bounded, so that names made from input cannot grow it.
const KNOWN_NAMES = new Set<string>();
const MAX_KNOWN_NAMES = 256;

/** Throws for a name that is not a token; true when the name is a plain header (not Set-Cookie). */
function learnName(name: string): boolean {
  if (!TOKEN.test(name)) throw new HeaderError(name, `Response header name ${quote(name)} is not an HTTP token`);
  if (isSetCookie(name)) return false;
  if (KNOWN_NAMES.size < MAX_KNOWN_NAMES) KNOWN_NAMES.add(name);
  return true;
}

function checkOne(name: string, value: unknown, label: string, cookie: boolean): void {
  if (typeof value !== 'string') throw new HeaderError(name, `${label} must be a string, got ${value === null ? 'null' : typeof value}`);
  if (cookie ? !SET_COOKIE.test(value) : FORBIDDEN.test(value)) throw badValue(name, label, value);
}

/**
 * The value of one response header as it goes on the wire (a number becomes its decimal string);
 * throws a HeaderError naming the header when the name or a value could not be sent. One regular
 * expression per value (and per name the first time it is seen), nothing allocated when all is
 * well: this runs for every header of every response.
 */
export function checkHeader(name: string, value: unknown): string | readonly string[] {
  const plain = KNOWN_NAMES.has(name) || learnName(name);
  if (typeof value === 'string') {
    // json()'s content type is a constant: compared by identity, it needs no scan.
    if (value === JSON_TYPE && plain) return value;
    if (plain ? FORBIDDEN.test(value) : !SET_COOKIE.test(value)) throw badValue(name, `Response header ${quote(name)}`, value);
    return value;
  }
  // Any number prints as digits, "-", "+", ".", "e", "Infinity" or "NaN": always sendable.
  if (typeof value === 'number') return String(value);
  if (!Array.isArray(value)) {
    throw new HeaderError(name, `Response header ${quote(name)} must be a string, a number or a list of strings, got ${value === null ? 'null' : typeof value}`);
  }
  for (let i = 0; i < value.length; i++) checkOne(name, value[i], `Response header ${quote(name)}[${i}]`, !plain);
  return value as readonly string[];
}

/** Checks a result's `cookies`: a list of Set-Cookie strings, each `name=...` and sendable. */
export function checkCookies(cookies: unknown): readonly string[] {
  if (!Array.isArray(cookies)) throw new HeaderError('set-cookie', `cookies must be a list of Set-Cookie strings, got ${cookies === null ? 'null' : typeof cookies}`);
  // The loop that passes is kept free of calls; only a failure goes on to say which value and why.
  let i = 0;
  for (; i < cookies.length; i++) {
    const cookie: unknown = cookies[i];
    if (typeof cookie !== 'string' || !SET_COOKIE.test(cookie)) break;
  }
  if (i < cookies.length) checkOne('set-cookie', cookies[i], `Set-Cookie value ${i + 1} of ${cookies.length}`, true);
  return cookies as readonly string[];
}

/** Checks every header of a record built elsewhere (an HttpError's headers, a web Response's). */
export function checkHeaderRecord(headers: Readonly<Record<string, unknown>>): void {
  for (const name in headers) {
    const value = headers[name];
    if (value !== undefined) checkHeader(name, value);
  }
}
