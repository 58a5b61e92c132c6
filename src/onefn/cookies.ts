import { CookieError } from './errors.js';
import { isToken, madeSetCookie } from './header-syntax.js';
import { cookieAttributes } from './cookie-attributes.js';
import { inputRecord } from './record.js';

/**
 * Parses a Cookie header ("a=1; b=2") into a prototype-free record (see record.ts), so that a cookie
 * named `constructor` or `__proto__` is kept; the first value of a repeated name wins (RFC 6265 §5.4).
 * `into` must be such a record too.
 */
export function parseCookieHeader(header: string, into: Record<string, string> = inputRecord()): Record<string, string> {
  // Read in place, pair by pair between ";"s, rather than split into an array first (this runs on every
  // request that reads its cookies).
  const end = header.length;
  let start = 0;
  while (start < end) {
    let semi = header.indexOf(';', start);
    if (semi === -1) semi = end;
    const eq = header.indexOf('=', start);
    if (eq !== -1 && eq < semi) {
      const name = header.slice(start, eq).trim();
      if (name && !Object.hasOwn(into, name)) {
        let value = header.slice(eq + 1, semi).trim();
        if (value.startsWith('"') && value.endsWith('"') && value.length >= 2) value = value.slice(1, -1);
        try {
          into[name] = value.indexOf('%') === -1 ? value : decodeURIComponent(value);
        } catch {
          into[name] = value;
        }
      }
    }
    start = semi + 1;
  }
  return into;
}

/**
 * Set-Cookie attributes. Each is checked by `setCookie` against RFC 6265 (and RFC 6265bis where
 * browsers follow it); an invalid one throws a CookieError instead of reaching a client.
 */
export interface CookieOptions {
  /** Seconds until it expires: an integer (0 or less expires it at once). */
  maxAge?: number;
  /** A valid Date from the year 1601 to 9999 (what a cookie date can say). */
  expires?: Date;
  /** A domain name: letters, digits, hyphens and dots, optionally with a leading dot. */
  domain?: string;
  /** Starts with "/"; printable ASCII without ";". */
  path?: string;
  secure?: boolean;
  httpOnly?: boolean;
  /** `None` needs `secure: true` (browsers drop the cookie otherwise). */
  sameSite?: 'Strict' | 'Lax' | 'None';
  /** Needs `secure: true`. */
  partitioned?: boolean;
}

// Cookie names found valid: nearly always literals in the handler's code, so a lookup (the hash is kept
// in the string) spares a regular expression per cookie per response. Bounded, so that names made from
// input cannot grow it.
const KNOWN_NAMES = new Set<string>();
/** What encodeURIComponent never escapes. */
const UNRESERVED = /^[A-Za-z0-9\-_.!~*'()]*$/;

function knownToken(name: unknown): boolean {
  if (typeof name !== 'string' || !isToken(name)) return false;
  if (KNOWN_NAMES.size < 256) KNOWN_NAMES.add(name);
  return true;
}

/**
 * Serializes one Set-Cookie value. The value is percent-encoded; the name must be an HTTP token, and
 * every attribute is checked (see CookieOptions). Anything invalid, or an option it does not know,
 * throws a CookieError (code INVALID_COOKIE) here, at the call.
 *
 * @example
 * json({ ok: true }, { cookies: [setCookie('session', id, { httpOnly: true, secure: true, path: '/' })] })
 */
export function setCookie(name: string, value: string, options: CookieOptions = {}): string {
  if (!KNOWN_NAMES.has(name) && !knownToken(name)) throw new CookieError('name', 'Invalid cookie name: it must be an HTTP token (letters, digits and !#$%&\'*+-.^_`|~)');
  if (typeof value !== 'string') throw new CookieError('value', `Invalid value for cookie "${name}": it must be a string, got ${value === null ? 'null' : typeof value}`);
  let encoded: string;
  try {
    // A value of only the characters encodeURIComponent leaves alone is its own encoding (and a test
    // allocates nothing, where the encoding makes a new string).
    encoded = UNRESERVED.test(value) ? value : encodeURIComponent(value);
  } catch (error) {
    // A lone surrogate has no UTF-8 form.
    throw new CookieError('value', `Invalid value for cookie "${name}": it is not well-formed Unicode (a lone surrogate)`, { cause: error });
  }
  return madeSetCookie(`${name}=${encoded}${cookieAttributes(name, options)}`);
}
