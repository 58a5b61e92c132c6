import { MalformedEventError, type Native, type StorageEvent } from 'onefn';
import { createStorageEvent } from 'onefn/runtime';
import type { Delivery } from './from-delivery.js';

/** The Cloud Storage event types a storage definition serves, and the change each one is. */
export const STORAGE_TYPES: Readonly<Record<string, 'created' | 'deleted'>> = {
  'google.cloud.storage.object.v1.finalized': 'created',
  'google.cloud.storage.object.v1.deleted': 'deleted',
};

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * A portable storage event from a Cloud Storage CloudEvent. `data` is the object resource
 * (https://cloud.google.com/storage/docs/json_api/v1/objects#resource): `name` is the key as is (not
 * URL-encoded), `size` and `generation` are strings in the JSON API and numbers in some producers.
 */
export function storageFromDelivery(delivery: Delivery, native: Native): StorageEvent {
  const change = STORAGE_TYPES[delivery.type] as 'created' | 'deleted';
  let data = delivery.data;
  if (data instanceof Uint8Array || typeof data === 'string') {
    try {
      data = JSON.parse(typeof data === 'string' ? data : Buffer.from(data).toString('utf8'));
    } catch {
      throw new MalformedEventError(`${delivery.type} event ${delivery.id} does not carry JSON data`);
    }
  }
  if (!isRecord(data)) throw new MalformedEventError(`${delivery.type} event ${delivery.id} without object data`);
  const s = (v: unknown): string | undefined => (typeof v === 'string' ? v : typeof v === 'number' ? String(v) : undefined);
  const bucket = s(data['bucket']) ?? /\/buckets\/([^/]+)$/.exec(delivery.source)?.[1];
  const key = s(data['name']) ?? (delivery.subject?.startsWith('objects/') ? delivery.subject.slice(8) : undefined);
  return createStorageEvent({
    id: delivery.id,
    bucket: bucket ?? '',
    key: key ?? '',
    change,
    size: s(data['size']),
    etag: s(data['etag']),
    version: s(data['generation']),
    contentType: s(data['contentType']),
    time: delivery.time ?? s(change === 'deleted' ? data['timeDeleted'] : data['updated']),
    native,
  });
}
