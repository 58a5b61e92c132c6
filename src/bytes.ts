// Byte/text conversions shared by the request and message models. Buffer is used when present (Node,
// where every provider runs) because it is several times faster than TextEncoder/atob for these sizes.
const encoder = new TextEncoder();
const decoder = new TextDecoder();

export function utf8Bytes(text: string): Uint8Array {
  return typeof Buffer === 'function' ? Buffer.from(text, 'utf8') : encoder.encode(text);
}

export function utf8Text(bytes: Uint8Array): string {
  return typeof Buffer === 'function'
    ? Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8')
    : decoder.decode(bytes);
}

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=|[A-Za-z0-9+/]{2,3})?$/;
const BASE64URL = /^[A-Za-z0-9_-]*={0,2}$/;

/** True for standard or URL-safe base64 (Buffer.from would silently skip anything else). */
export function isBase64(text: string): boolean {
  return BASE64.test(text) || BASE64URL.test(text);
}

export function base64Bytes(base64: string): Uint8Array {
  if (typeof Buffer === 'function') return Buffer.from(base64, 'base64');
  const bin = atob(base64);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

export function bytesBase64(bytes: Uint8Array): string {
  if (typeof Buffer === 'function') return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
  let bin = '';
  for (const b of bytes) bin += String.fromCharCode(b);
  return btoa(bin);
}

/** A body as it arrives from a provider: text, bytes, or text that is base64 of the bytes. */
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
  return typeof Buffer === 'function' ? Buffer.byteLength(data, 'utf8') : encoder.encode(data).byteLength;
}

export function rawBodyBytes(body: RawBody | undefined): Uint8Array {
  if (!body) return new Uint8Array(0);
  const { data } = body;
  if (typeof data !== 'string') return data;
  return body.base64 ? base64Bytes(data) : utf8Bytes(data);
}

export function rawBodyText(body: RawBody | undefined): string {
  if (!body) return '';
  const { data } = body;
  if (typeof data === 'string' && !body.base64) return data;
  return utf8Text(rawBodyBytes(body));
}
