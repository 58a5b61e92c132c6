import type { InvocationContext } from '@azure/functions';
import { type CloudEvent, MalformedEventError, type StorageEvent, UnsupportedEventError } from 'onefn';
import { cloudEventFromJson, createCloudEvent, createStorageEvent, inputRecord } from 'onefn/runtime';

type Json = Record<string, unknown>;

export const VALIDATION_EVENT = 'Microsoft.EventGrid.SubscriptionValidationEvent';

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** CloudEvents-schema events carry `specversion`; Event Grid-schema events never do. */
export function isCloudEventSchema(event: Json): boolean {
  return typeof event['specversion'] === 'string';
}

/** Event Grid-schema events name their type in `eventType` (CloudEvents use `type`). */
export function isEventGridSchema(event: Json): boolean {
  return typeof event['eventType'] === 'string' && typeof event['id'] === 'string';
}

/** The trigger hands one event; a webhook or a test may hand the array Event Grid posts. */
export function eventList(input: unknown): Json[] {
  const list = Array.isArray(input) ? input : [input];
  if (list.length === 0) throw new MalformedEventError('an empty Event Grid batch');
  return list.map((event, i) => {
    if (!isObject(event)) throw new MalformedEventError(`Event Grid event ${i} is not a JSON object`);
    return event;
  });
}

/** The validation code of a subscription-validation handshake event, if this is one. */
export function validationCode(event: Json): string | undefined {
  if (event['eventType'] !== VALIDATION_EVENT) return undefined;
  const data = event['data'];
  const code = isObject(data) ? data['validationCode'] : undefined;
  if (typeof code !== 'string' || !code) throw new MalformedEventError('a subscription-validation event without data.validationCode');
  return code;
}

function optionalString(event: Json, key: string): string | undefined {
  const v = event[key];
  return typeof v === 'string' && v ? v : undefined;
}

/**
 * One event in either schema as a CloudEvent. Event Grid-schema fields map as Event Grid's own
 * CloudEvents mapping does: topic to source, eventType to type, eventTime to time, dataVersion to
 * dataschema (https://learn.microsoft.com/azure/event-grid/cloud-event-schema).
 */
export function toCloudEvent(event: Json, context: InvocationContext | undefined): CloudEvent {
  const native = { provider: 'azure' as const, event, context: context as InvocationContext };
  if (isCloudEventSchema(event)) return cloudEventFromJson(event, native);
  if (!isEventGridSchema(event)) {
    throw new UnsupportedEventError(`an object with keys ${Object.keys(event).slice(0, 6).join(', ') || '(none)'}`, 'Event Grid events (Event Grid or CloudEvents schema)');
  }
  const source = optionalString(event, 'topic');
  if (!source) throw new MalformedEventError(`Event Grid event ${String(event['id'])} has no topic`);
  const extensions = inputRecord<string>();
  const metadataVersion = optionalString(event, 'metadataVersion');
  if (metadataVersion) extensions['metadataversion'] = metadataVersion;
  return createCloudEvent({
    id: event['id'] as string,
    source,
    type: event['eventType'] as string,
    subject: optionalString(event, 'subject'),
    time: optionalString(event, 'eventTime'),
    dataschema: optionalString(event, 'dataVersion'),
    datacontenttype: 'application/json',
    data: event['data'],
    extensions,
    native,
  });
}

const BLOB_CHANGES: Readonly<Record<string, StorageEvent['change']>> = {
  'Microsoft.Storage.BlobCreated': 'created',
  'Microsoft.Storage.BlobDeleted': 'deleted',
};

const BLOB_SUBJECT = /^\/?blobServices\/default\/containers\/([^/]+)\/blobs\/(.+)$/;

/**
 * A Blob Storage event (either schema) as a StorageEvent. The subject names the container and blob
 * (`/blobServices/default/containers/<container>/blobs/<name>`); any other event type is unsupported.
 */
export function toStorageEvent(event: Json, context: InvocationContext | undefined): StorageEvent {
  const ce = toCloudEvent(event, context);
  const change = BLOB_CHANGES[ce.type];
  if (!change) throw new UnsupportedEventError(`event type ${JSON.stringify(ce.type)}`, 'Microsoft.Storage.BlobCreated and Microsoft.Storage.BlobDeleted events');
  const match = BLOB_SUBJECT.exec(ce.subject ?? '');
  if (!match) throw new MalformedEventError(`blob event ${ce.id}: "subject" is not /blobServices/default/containers/<container>/blobs/<name>`);
  const data = isObject(ce.data) ? ce.data : {};
  const size = data['contentLength'];
  return createStorageEvent({
    id: ce.id,
    bucket: match[1] as string,
    key: match[2] as string,
    change,
    size: typeof size === 'number' || typeof size === 'string' ? size : undefined,
    etag: typeof data['eTag'] === 'string' ? data['eTag'] : undefined,
    version: typeof data['versionId'] === 'string' ? data['versionId'] : undefined,
    contentType: typeof data['contentType'] === 'string' ? data['contentType'] : undefined,
    time: ce.time,
    native: ce.native,
  });
}
