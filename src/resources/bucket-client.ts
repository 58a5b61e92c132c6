import { utf8Bytes, utf8Text } from '../onefn/bytes.js';
import type { ObjectData, ObjectInfo, ResourceDriver } from './driver.js';
import { call, type DriverRef } from './driver-ref.js';
import { InvalidOutputOptionError, ResourceError } from './errors.js';
import type { BucketAction } from './handles.js';
import { checkKey, checkPrefix } from './keys.js';

/** One object, read whole. */
export interface StoredObject extends ObjectInfo {
  bytes(): Uint8Array;
  text(): string;
  /** The content parsed as JSON; a `ResourceError` (MALFORMED_OBJECT) when it is not JSON. */
  json(): unknown;
}

export interface UrlOptions {
  /** Seconds the URL works for. Default 900; at most 7 days (what S3 allows). */
  expiresInSeconds?: number;
}

export interface BucketReader {
  readonly name: string;
  /** The object, or undefined when there is none. */
  get(key: string): Promise<StoredObject | undefined>;
  head(key: string): Promise<ObjectInfo | undefined>;
  /** Every object whose key starts with `prefix`, fetched a page at a time as the loop asks. */
  list(prefix?: string): AsyncIterable<ObjectInfo>;
  /** A URL anyone holding it can download the object from, until it expires. */
  downloadUrl(key: string, options?: UrlOptions): Promise<string>;
}

export interface BucketWriter {
  readonly name: string;
  /** Stores text (as UTF-8, default `text/plain; charset=utf-8`) or bytes (default `application/octet-stream`). */
  put(key: string, data: string | Uint8Array, options?: { contentType?: string }): Promise<{ readonly etag: string | undefined }>;
  /** A URL anyone holding it can upload the object to with PUT (sending `contentType` when given). */
  uploadUrl(key: string, options?: UrlOptions & { contentType?: string }): Promise<string>;
}

export interface BucketDeleter {
  readonly name: string;
  /** Deletes the object; deleting a missing object is not an error. */
  delete(key: string): Promise<void>;
}

/** A bucket, with exactly the methods of the actions its use allows. */
export type BucketClient<A extends BucketAction> = ('read' extends A ? BucketReader : unknown) &
  ('write' extends A ? BucketWriter : unknown) &
  ('delete' extends A ? BucketDeleter : unknown);

// A media type with optional parameters, and nothing a header could not carry.
const CONTENT_TYPE = /^[A-Za-z0-9!#$&^_.+-]+\/[A-Za-z0-9!#$&^_.+-]+(?:\s*;\s*[A-Za-z0-9!#$&^_.+-]+=(?:[A-Za-z0-9!#$&^_.+-]+|"[^"\\\r\n]*"))*$/;

function checkContentType(resource: string, value: unknown): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || value.length > 256 || !CONTENT_TYPE.test(value)) {
    throw new InvalidOutputOptionError(resource, 'contentType', 'must be a media type such as "image/png" or "text/csv; charset=utf-8"');
  }
  return value;
}

function checkExpiry(resource: string, driver: ResourceDriver, options: UrlOptions | undefined): number {
  const seconds = options?.expiresInSeconds ?? 900;
  const max = driver.limits.maxUrlSeconds;
  if (typeof seconds !== 'number' || !Number.isInteger(seconds) || seconds < 1 || seconds > max) {
    throw new InvalidOutputOptionError(resource, 'expiresInSeconds', `must be a whole number from 1 to ${max}`);
  }
  return seconds;
}

function storedObject(resource: string, data: ObjectData): StoredObject {
  const { bytes, ...info } = data;
  return Object.freeze({
    ...info,
    bytes: () => bytes,
    text: () => utf8Text(bytes),
    json: () => {
      try {
        return JSON.parse(utf8Text(bytes)) as unknown;
      } catch (error) {
        throw new ResourceError('MALFORMED_OBJECT', resource, `object ${JSON.stringify(data.key.slice(0, 80))} is not JSON`, { cause: error });
      }
    },
  });
}

export function bucketClient(name: string, actions: readonly BucketAction[], ref: DriverRef): BucketReader & BucketWriter & BucketDeleter {
  const resource = `bucket:${name}`;
  const client: Partial<BucketReader & BucketWriter & BucketDeleter> & { name: string } = { name };
  if (actions.includes('read')) {
    client.get = async (key) => {
      const checked = checkKey(resource, key);
      const driver = await ref.get(resource);
      const data = await call(resource, () => driver.getObject(name, checked));
      return data && storedObject(resource, data);
    };
    client.head = async (key) => {
      const checked = checkKey(resource, key);
      const driver = await ref.get(resource);
      return call(resource, () => driver.headObject(name, checked));
    };
    client.list = (prefix) => {
      const checked = checkPrefix(resource, prefix);
      return {
        async *[Symbol.asyncIterator]() {
          const driver = await ref.get(resource);
          let cursor: string | undefined;
          do {
            const page = await call(resource, () => driver.listObjects(name, checked, cursor));
            yield* page.objects;
            cursor = page.next;
          } while (cursor !== undefined);
        },
      };
    };
    client.downloadUrl = async (key, options) => {
      const checked = checkKey(resource, key);
      const driver = await ref.get(resource);
      const expiresInSeconds = checkExpiry(resource, driver, options);
      return call(resource, () => driver.signUrl(name, checked, { method: 'GET', expiresInSeconds }));
    };
  }
  if (actions.includes('write')) {
    client.put = async (key, data, options) => {
      const checked = checkKey(resource, key);
      const given = checkContentType(resource, options?.contentType);
      let bytes: Uint8Array;
      if (typeof data === 'string') bytes = utf8Bytes(data);
      else if (data instanceof Uint8Array) bytes = data;
      else throw new InvalidOutputOptionError(resource, 'data', 'must be a string or a Uint8Array');
      const contentType = given ?? (typeof data === 'string' ? 'text/plain; charset=utf-8' : 'application/octet-stream');
      const driver = await ref.get(resource);
      return call(resource, () => driver.putObject(name, checked, bytes, contentType));
    };
    client.uploadUrl = async (key, options) => {
      const checked = checkKey(resource, key);
      const contentType = checkContentType(resource, options?.contentType);
      const driver = await ref.get(resource);
      const expiresInSeconds = checkExpiry(resource, driver, options);
      return call(resource, () => driver.signUrl(name, checked, { method: 'PUT', expiresInSeconds, ...(contentType ? { contentType } : {}) }));
    };
  }
  if (actions.includes('delete')) {
    client.delete = async (key) => {
      const checked = checkKey(resource, key);
      const driver = await ref.get(resource);
      await call(resource, () => driver.deleteObject(name, checked));
    };
  }
  return Object.freeze(client) as BucketReader & BucketWriter & BucketDeleter;
}
