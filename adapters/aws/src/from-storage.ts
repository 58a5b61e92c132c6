import { MalformedEventError, UnsupportedEventError, type Native, type StorageChange, type StorageEvent } from 'onefn';
import { createStorageEvent } from 'onefn/runtime';
import type { EventBridgeEvent, S3Event } from './native.js';

/** S3 notifications (direct, or through EventBridge) -> portable storage events. */

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * S3 URL-encodes object keys in notifications, with a space as "+" ("red flower.jpg" arrives as
 * "red+flower.jpg"), so "+" must become a space before percent-decoding.
 * https://docs.aws.amazon.com/AmazonS3/latest/userguide/notification-content-structure.html
 */
export function decodeS3Key(key: string): string {
  try {
    return decodeURIComponent(key.replace(/\+/g, ' '));
  } catch (error) {
    throw new MalformedEventError('S3 object key is not URL-encoded correctly', { cause: error });
  }
}

/** ObjectCreated:* is a creation; ObjectRemoved:* and lifecycle expirations are deletions. */
function changeOf(eventName: string): StorageChange | undefined {
  if (eventName.startsWith('ObjectCreated:')) return 'created';
  if (eventName.startsWith('ObjectRemoved:') || eventName.startsWith('LifecycleExpiration:')) return 'deleted';
  return undefined;
}

export function fromS3(event: S3Event, native: Native): StorageEvent[] {
  const list: unknown = event.Records;
  if (!Array.isArray(list)) throw new MalformedEventError('S3 Records must be a list');
  return list.map((r: unknown, i) => {
    const s3 = isObj(r) ? r['s3'] : undefined;
    const bucket = isObj(s3) && isObj(s3['bucket']) ? s3['bucket']['name'] : undefined;
    const object = isObj(s3) && isObj(s3['object']) ? s3['object'] : undefined;
    const name = isObj(r) ? r['eventName'] : undefined;
    if (typeof bucket !== 'string' || !object || typeof object['key'] !== 'string' || typeof name !== 'string') {
      throw new MalformedEventError(`S3 Records[${i}] lacks eventName, s3.bucket.name or s3.object.key`);
    }
    const change = changeOf(name);
    if (!change) throw new UnsupportedEventError(`an S3 "${name.slice(0, 60)}" notification`, 'object creations and deletions');
    const { size, eTag, versionId, sequencer } = object;
    const time = (r as Obj)['eventTime'];
    return createStorageEvent({
      // The sequencer orders events of one key; with the key it identifies the event.
      id: typeof sequencer === 'string' ? `${bucket}/${object['key']}#${sequencer}` : undefined,
      bucket,
      key: decodeS3Key(object['key']),
      change,
      size: typeof size === 'number' ? size : undefined,
      etag: typeof eTag === 'string' ? eTag : undefined,
      version: typeof versionId === 'string' ? versionId : undefined,
      time: typeof time === 'string' ? time : undefined,
      native,
    });
  });
}

/**
 * S3 events delivered through EventBridge ("Object Created" / "Object Deleted"). Unlike direct
 * notifications, EventBridge carries the key as it is (AWS's examples show ":" unescaped), so it is
 * not decoded. https://docs.aws.amazon.com/AmazonS3/latest/userguide/ev-events.html
 */
export function fromS3EventBridge(event: EventBridgeEvent, native: Native): StorageEvent {
  const detail = event.detail;
  const bucket = isObj(detail) && isObj(detail['bucket']) ? detail['bucket']['name'] : undefined;
  const object = isObj(detail) && isObj(detail['object']) ? detail['object'] : undefined;
  if (typeof bucket !== 'string' || !object || typeof object['key'] !== 'string') {
    throw new MalformedEventError('S3 EventBridge event lacks detail.bucket.name or detail.object.key');
  }
  const { size, etag, 'version-id': version } = object;
  return createStorageEvent({
    id: typeof event.id === 'string' ? event.id : undefined,
    bucket,
    key: object['key'],
    change: event['detail-type'] === 'Object Created' ? 'created' : 'deleted',
    size: typeof size === 'number' ? size : undefined,
    etag: typeof etag === 'string' ? etag : undefined,
    version: typeof version === 'string' ? version : undefined,
    time: typeof event.time === 'string' ? event.time : undefined,
    native,
  });
}
