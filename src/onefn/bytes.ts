import { MalformedEventError } from './errors.js';

// Byte/text conversions shared by the request and message models. Every provider runs onefn on Node
// (the core reads process.env and writes to process.stdout), so these use Buffer alone: it is several
// times faster than TextEncoder/atob at these sizes, and a second, web-only path would be bytes every
// deployed bundle carries but never runs.

export function utf8Bytes(text: string): Uint8Array {
  return Buffer.from(text, 'utf8');
}

export function utf8Text(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8');
}

/** The value of one base64 character (either alphabet), or -1. */
function sextet(c: number): number {
  if (c >= 65 && c <= 90) return c - 65; // A-Z
  if (c >= 97 && c <= 122) return c - 71; // a-z
  if (c >= 48 && c <= 57) return c + 4; // 0-9
  if (c === 43 || c === 45) return 62; // + -
  if (c === 47 || c === 95) return 63; // / _
  return -1;
}

/**
 * Decodes base64 strictly: the standard (RFC 4648 §4) or the URL-safe (§5) alphabet, not both mixed;
 * padding optional but exact when present; nothing else (no whitespace, no stray `=`); and no bits set
 * past the last byte (§3.5): one text decodes to one byte string and back. Undefined for anything else.
 * Buffer.from skips what they cannot read and would hand a handler other bytes than were sent.
 *
 * @example
 * decodeBase64('aGk=')   // Uint8Array [104, 105]
 * decodeBase64('aGk=!')  // undefined
 */
export function decodeBase64(text: string): Uint8Array | undefined {
  const length = text.length;
  let end = length;
  if (end > 0 && text.charCodeAt(end - 1) === 61) {
    if (length % 4 !== 0) return undefined;
    end -= text.charCodeAt(end - 2) === 61 ? 2 : 1;
  }
  const tail = end % 4;
  if (tail === 1) return undefined;
  if (tail !== 0) {
    const last = sextet(text.charCodeAt(end - 1));
    if (last < 0 || (last & (tail === 2 ? 0x0f : 0x03)) !== 0) return undefined;
  }
  const urlSafe = text.indexOf('-') !== -1 || text.indexOf('_') !== -1;
  if (urlSafe && (text.indexOf('+') !== -1 || text.indexOf('/') !== -1)) return undefined;
  const bytes = Buffer.from(text, 'base64');
  // Buffer's lenient decoder skips (or stops at) any character outside the alphabet, so every character
  // was read exactly when the length is the one `end` characters give.
  return bytes.byteLength === Math.floor((end * 3) / 4) ? bytes : undefined;
}

/** True for strict base64 (see decodeBase64). Decode with decodeBase64 instead of checking first. */
export function isBase64(text: string): boolean {
  return decodeBase64(text) !== undefined;
}

/** Builds the error for base64 that does not decode: it names the field, never the input. */
export type Base64Refusal = () => Error;

const refuseData: Base64Refusal = () => new MalformedEventError('"data" is not valid base64');

/** Decodes strict base64 (see decodeBase64), or throws what `refuse` makes. */
export function base64Bytes(base64: string, refuse: Base64Refusal = refuseData): Uint8Array {
  const bytes = decodeBase64(base64);
  if (!bytes) throw refuse();
  return bytes;
}

export function bytesBase64(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
}

/**
 * A body as it arrives from a provider: text, bytes, or text that is base64 of the bytes. Base64 is
 * decoded when first read, strictly; the reader's `refuse` names the field when it does not decode.
 */
export interface RawBody {
  readonly data: string | Uint8Array;
  readonly base64?: boolean;
}

/** The body's size in bytes without decoding it. */
export function rawBodySize(body: RawBody | undefined): number {
  if (!body) return 0;
  const { data } = body;
  if (typeof data !== 'string') return data.byteLength;
  if (body.base64) return Math.floor((data.length * 3) / 4);
  return Buffer.byteLength(data, 'utf8');
}

// Defined as true by a deploy build whose functions never receive a base64 body (an HTTP-only app on
// GCP or Azure, whose requests arrive as bytes; see bundle's `noBase64Bodies`): the strict decoder is
// then left out of the bundle, and a body marked base64 is refused as malformed.
declare const __ONEFN_NO_BASE64__: true | undefined;

export function rawBodyBytes(body: RawBody | undefined, refuse: Base64Refusal = refuseData): Uint8Array {
  if (!body) return new Uint8Array(0);
  const { data } = body;
  if (typeof data !== 'string') return data;
  if (!body.base64) return utf8Bytes(data);
  // The decoding sits in the branch the define removes, so that the bundler drops the decoder too.
  if (typeof __ONEFN_NO_BASE64__ === 'undefined') return base64Bytes(data, refuse);
  throw refuse();
}

export function rawBodyText(body: RawBody | undefined, refuse: Base64Refusal = refuseData): string {
  if (!body) return '';
  const { data } = body;
  if (typeof data === 'string' && !body.base64) return data;
  return utf8Text(rawBodyBytes(body, refuse));
}
