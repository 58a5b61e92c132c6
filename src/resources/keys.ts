import { InvalidKeyError } from './errors.js';

// One rule for object keys, the intersection of what the three stores accept, so that a key valid in a
// test is valid on every cloud:
// - S3: 1-1024 bytes of UTF-8 (https://docs.aws.amazon.com/AmazonS3/latest/userguide/object-keys.html);
// - Cloud Storage: 1-1024 bytes of UTF-8, no CR or LF, not "." or ".."
//   (https://cloud.google.com/storage/docs/objects#naming);
// - Blob Storage: 1-1024 characters, at most 254 path segments, and names ending in "." or "/" are to
//   be avoided (https://learn.microsoft.com/rest/api/storageservices/naming-and-referencing-containers--blobs--and-metadata).
// Control characters are refused everywhere: they break signed URLs and log lines.
const MAX_KEY_BYTES = 1024;
const MAX_SEGMENTS = 254;
// C0 controls, DEL and C1 controls; lone surrogates cannot be encoded as UTF-8 at all.
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** The UTF-8 length of a string without encoding it. */
export function utf8Length(text: string): number {
  let bytes = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x80) bytes += 1;
    else if (c < 0x800) bytes += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < text.length) {
      bytes += 4;
      i++;
    } else bytes += 3;
  }
  return bytes;
}

/** Why a key is not valid on every provider, or undefined when it is. */
export function keyProblem(key: unknown): string | undefined {
  if (typeof key !== 'string') return 'a key must be a string';
  if (key.length === 0) return 'a key must not be empty';
  if (utf8Length(key) > MAX_KEY_BYTES) return `a key must be at most ${MAX_KEY_BYTES} bytes of UTF-8`;
  if (CONTROL.test(key)) return 'a key must not contain control characters (CR, LF, NUL...)';
  if (LONE_SURROGATE.test(key)) return 'a key must be valid Unicode (a lone surrogate cannot be stored)';
  if (key.endsWith('/') || key.endsWith('.')) return 'a key must not end with "/" or "."';
  if (key.startsWith('/')) return 'a key must not start with "/"';
  const segments = key.split('/');
  if (segments.length > MAX_SEGMENTS) return `a key must have at most ${MAX_SEGMENTS} "/"-separated segments`;
  if (segments.some((s) => s === '' || s === '.' || s === '..')) return 'a key must not have empty, "." or ".." segments';
  return undefined;
}

export function checkKey(resource: string, key: unknown): string {
  const problem = keyProblem(key);
  if (problem) throw new InvalidKeyError(resource, problem);
  return key as string;
}

/** A listing prefix: empty, or what could start a valid key (no control characters, within the size). */
export function checkPrefix(resource: string, prefix: unknown): string {
  if (prefix === undefined) return '';
  if (typeof prefix !== 'string') throw new InvalidKeyError(resource, 'a prefix must be a string');
  if (utf8Length(prefix) > MAX_KEY_BYTES) throw new InvalidKeyError(resource, `a prefix must be at most ${MAX_KEY_BYTES} bytes of UTF-8`);
  if (CONTROL.test(prefix) || LONE_SURROGATE.test(prefix)) throw new InvalidKeyError(resource, 'a prefix must not contain control characters or lone surrogates');
  return prefix;
}
