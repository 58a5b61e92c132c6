import { inputRecord } from './record.js';

/**
 * Parses a Cookie header ("a=1; b=2") into a prototype-free record (see record.ts), so that a cookie
 * named `constructor` or `__proto__` is kept; the first value of a repeated name wins (RFC 6265 §5.4).
 * `into` must be such a record too.
 */
export function parseCookieHeader(header: string, into: Record<string, string> = inputRecord()): Record<string, string> {
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq === -1) continue;
    const name = part.slice(0, eq).trim();
    if (!name || Object.hasOwn(into, name)) continue;
    let value = part.slice(eq + 1).trim();
    if (value.startsWith('"') && value.endsWith('"') && value.length >= 2) value = value.slice(1, -1);
    try {
      into[name] = value.indexOf('%') === -1 ? value : decodeURIComponent(value);
    } catch {
      into[name] = value;
    }
  }
  return into;
}

export interface CookieOptions {
  maxAge?: number;
  expires?: Date;
  domain?: string;
  path?: string;
  secure?: boolean;
  httpOnly?: boolean;
  sameSite?: 'Strict' | 'Lax' | 'None';
  partitioned?: boolean;
}

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

/**
 * Serializes one Set-Cookie value. The value is percent-encoded.
 *
 * @example
 * json({ ok: true }, { cookies: [setCookie('session', id, { httpOnly: true, secure: true, path: '/' })] })
 */
export function setCookie(name: string, value: string, options: CookieOptions = {}): string {
  if (!TOKEN.test(name)) throw new TypeError(`Invalid cookie name: ${JSON.stringify(name)}`);
  let out = `${name}=${encodeURIComponent(value)}`;
  if (options.maxAge !== undefined) out += `; Max-Age=${Math.floor(options.maxAge)}`;
  if (options.expires) out += `; Expires=${options.expires.toUTCString()}`;
  if (options.domain) out += `; Domain=${options.domain}`;
  if (options.path) out += `; Path=${options.path}`;
  if (options.secure) out += '; Secure';
  if (options.httpOnly) out += '; HttpOnly';
  if (options.sameSite) out += `; SameSite=${options.sameSite}`;
  if (options.partitioned) out += '; Partitioned';
  return out;
}
