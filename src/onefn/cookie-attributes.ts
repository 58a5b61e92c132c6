import type { CookieOptions } from './cookies.js';
import { CookieError } from './errors.js';

const KNOWN: ReadonlySet<string> = new Set(['maxAge', 'expires', 'domain', 'path', 'secure', 'httpOnly', 'sameSite', 'partitioned']);
const SAME_SITE: ReadonlySet<unknown> = new Set(['Strict', 'Lax', 'None']);

// RFC 6265 §4.1.1: path-value is any CHAR except CTLs or ";". It must also start with "/", since a user
// agent replaces any other path with the default (§5.2.4), and not end in a space, which parsers trim.
const PATH = /^\/(?:[\x20-\x3a\x3c-\x7e]*[\x21-\x3a\x3c-\x7e])?$/;
// RFC 6265 §4.1.2.3: a domain name (RFC 1034 §3.5, RFC 1123 §2.1): labels of letters, digits and
// hyphens, neither starting nor ending with a hyphen, at most 63 long, 253 in all; a leading dot is
// allowed (and ignored by user agents, §5.2.3).
const LABEL = '[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?';
const DOMAIN = new RegExp(`^\\.?${LABEL}(?:\\.${LABEL})*$`);
// A cookie-date has a four-digit year, and user agents refuse years before 1601 (RFC 6265 §5.1.1).
const FIRST_TIME = Date.UTC(1601, 0, 1);
const LAST_TIME = Date.UTC(10000, 0, 1) - 1;

/** `Invalid <option> for cookie "<name>": <rule>`, the message most refusals share (built only when thrown). */
function invalid(key: string, name: string, rule: string): CookieError {
  return new CookieError(key, `Invalid ${key} for cookie "${name}": ${rule}`);
}

// Each option is read by its own name (not options[key]): one monomorphic load apiece, per cookie.
function flag(name: string, value: unknown, key: 'secure' | 'httpOnly' | 'partitioned'): boolean {
  if (value === undefined) return false;
  if (typeof value !== 'boolean') throw invalid(key, name, `it must be true or false, got ${typeof value}`);
  return value;
}

/**
 * The "; Attr=value" tail of a Set-Cookie value, every option checked first. Messages name the
 * attribute and the rule, not the value. The refusals are built by `invalid` and the less common
 * attributes written by functions of their own, so that a first request that sets a cookie compiles
 * only the code its options reach.
 */
export function cookieAttributes(name: string, options: CookieOptions): string {
  if (typeof options !== 'object' || options === null || Array.isArray(options)) throw invalid('options', name, 'expected an object');
  for (const key of Object.keys(options)) {
    if (!KNOWN.has(key)) throw new CookieError(key, `Unknown option "${key}" for cookie "${name}"; known: ${[...KNOWN].join(', ')}`);
  }
  const secure = flag(name, options.secure, 'secure');
  const httpOnly = flag(name, options.httpOnly, 'httpOnly');
  const partitioned = flag(name, options.partitioned, 'partitioned');
  let out = '';
  if (options.maxAge !== undefined) out += maxAgeAttribute(name, options.maxAge);
  if (options.expires !== undefined) out += expiresAttribute(name, options.expires);
  if (options.domain !== undefined) out += domainAttribute(name, options.domain);
  const path = options.path;
  if (path !== undefined) {
    // "/" (the common path) is known good without the expression.
    if (path !== '/' && (typeof path !== 'string' || !PATH.test(path))) throw invalid('path', name, 'it must start with "/" and hold printable ASCII without ";"');
    out += `; Path=${path}`;
  }
  if (secure) out += '; Secure';
  if (httpOnly) out += '; HttpOnly';
  if (options.sameSite !== undefined) out += sameSiteAttribute(name, options.sameSite, secure);
  if (partitioned) {
    // CHIPS: browsers reject a Partitioned cookie without Secure (https://developer.chrome.com/docs/privacy-sandbox/chips).
    if (!secure) throw new CookieError('partitioned', `Cookie "${name}" is partitioned without secure: browsers drop it; add secure: true`);
    out += '; Partitioned';
  }
  // Only a name of at least "__Host-"'s 7 characters, starting with "_", can carry a prefix.
  if (name.length >= 7 && name.charCodeAt(0) === 95) checkPrefix(name, options, secure);
  return out;
}

function maxAgeAttribute(name: string, maxAge: unknown): string {
  if (!Number.isSafeInteger(maxAge)) throw invalid('maxAge', name, 'it must be an integer number of seconds');
  return `; Max-Age=${String(maxAge)}`;
}

function expiresAttribute(name: string, expires: unknown): string {
  const time = expires instanceof Date ? expires.getTime() : NaN;
  if (!(time >= FIRST_TIME && time <= LAST_TIME)) throw invalid('expires', name, 'it must be a valid Date from the year 1601 to 9999');
  return `; Expires=${(expires as Date).toUTCString()}`;
}

function domainAttribute(name: string, domain: unknown): string {
  if (typeof domain !== 'string' || domain.length > 254 || !DOMAIN.test(domain)) {
    throw invalid('domain', name, 'it must be a domain name (letters, digits, hyphens and dots, optionally a leading dot)');
  }
  return `; Domain=${domain}`;
}

function sameSiteAttribute(name: string, sameSite: unknown, secure: boolean): string {
  if (!SAME_SITE.has(sameSite)) throw invalid('sameSite', name, 'it must be "Strict", "Lax" or "None"');
  // RFC 6265bis (storage model): a user agent ignores a SameSite=None cookie without Secure.
  if (sameSite === 'None' && !secure) throw new CookieError('sameSite', `Cookie "${name}" has sameSite "None" without secure: browsers drop it; add secure: true`);
  return `; SameSite=${sameSite as string}`;
}

/**
 * RFC 6265bis cookie prefixes: user agents ignore a "__Secure-" cookie without Secure, and a "__Host-"
 * one unless it also has Path=/ and no Domain. Matched whatever the case, so no spelling slips through.
 */
function checkPrefix(name: string, options: CookieOptions, secure: boolean): void {
  const lower = name.toLowerCase();
  if (lower.startsWith('__secure-') && !secure) {
    throw new CookieError('secure', `Cookie "${name}" has the __Secure- prefix: browsers drop it without secure: true`);
  }
  if (lower.startsWith('__host-') && (!secure || options.path !== '/' || options.domain !== undefined)) {
    throw new CookieError(!secure ? 'secure' : options.domain !== undefined ? 'domain' : 'path', `Cookie "${name}" has the __Host- prefix: browsers drop it unless it has secure: true, path "/" and no domain`);
  }
}
