import { MalformedEventError } from 'onefn';
import type { Delivery } from './from-delivery.js';

// Legacy background events (1st gen): `{ context: { eventId, timestamp, eventType, resource }, data }`
// or the older flat form with those fields beside `data`. They are turned into the CloudEvent that
// 2nd gen would deliver, with the type mapping functions-framework uses
// (src/middleware/background_event_to_cloud_event.ts), except that a storage `object.change` whose
// `resourceState` is `not_exists` is a deletion, not a finalize.
const TYPES: Readonly<Record<string, string>> = {
  'google.pubsub.topic.publish': 'google.cloud.pubsub.topic.v1.messagePublished',
  'providers/cloud.pubsub/eventTypes/topic.publish': 'google.cloud.pubsub.topic.v1.messagePublished',
  'google.storage.object.finalize': 'google.cloud.storage.object.v1.finalized',
  'google.storage.object.delete': 'google.cloud.storage.object.v1.deleted',
  'google.storage.object.archive': 'google.cloud.storage.object.v1.archived',
  'google.storage.object.metadataUpdate': 'google.cloud.storage.object.v1.metadataUpdated',
  'providers/cloud.firestore/eventTypes/document.write': 'google.cloud.firestore.document.v1.written',
  'providers/cloud.firestore/eventTypes/document.create': 'google.cloud.firestore.document.v1.created',
  'providers/cloud.firestore/eventTypes/document.update': 'google.cloud.firestore.document.v1.updated',
  'providers/cloud.firestore/eventTypes/document.delete': 'google.cloud.firestore.document.v1.deleted',
};

const SERVICES: ReadonlyArray<readonly [string, string]> = [
  ['google.pubsub', 'pubsub.googleapis.com'],
  ['providers/cloud.pubsub/', 'pubsub.googleapis.com'],
  ['google.storage', 'storage.googleapis.com'],
  ['providers/cloud.storage/', 'storage.googleapis.com'],
  ['providers/cloud.firestore/', 'firestore.googleapis.com'],
];

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A legacy event names its `eventType` in `context` or beside `data`. */
export function isLegacyEvent(value: Record<string, unknown>): boolean {
  const context = isRecord(value['context']) ? value['context'] : value;
  return typeof context['eventType'] === 'string' && 'data' in value;
}

export function fromLegacy(value: Record<string, unknown>): Omit<Delivery, 'format'> & { format: 'legacy' } {
  const context = isRecord(value['context']) ? value['context'] : value;
  const eventType = context['eventType'] as string;
  const id = typeof context['eventId'] === 'string' ? context['eventId'] : undefined;
  if (!id) throw new MalformedEventError(`legacy event ${eventType} without eventId`);
  const time = typeof context['timestamp'] === 'string' ? context['timestamp'] : undefined;
  const resource = context['resource'];
  const resourceName = typeof resource === 'string' ? resource : isRecord(resource) && typeof resource['name'] === 'string' ? resource['name'] : '';
  const declared = isRecord(resource) && typeof resource['service'] === 'string' ? resource['service'] : undefined;
  const service = declared ?? SERVICES.find(([prefix]) => eventType.startsWith(prefix))?.[1] ?? 'unknown';
  let data: unknown = value['data'];
  let type = TYPES[eventType] ?? eventType;
  let source = `//${service}/${resourceName}`;
  let subject: string | undefined;

  if (service === 'pubsub.googleapis.com') {
    // 2nd gen nests the message under `message`, with its id and publish time.
    const message = isRecord(data) ? { ...data } : {};
    message['messageId'] ??= id;
    message['publishTime'] ??= time;
    data = { message };
  } else if (service === 'storage.googleapis.com') {
    const object = isRecord(data) ? data : {};
    if (eventType === 'providers/cloud.storage/eventTypes/object.change') {
      type = object['resourceState'] === 'not_exists' ? 'google.cloud.storage.object.v1.deleted' : 'google.cloud.storage.object.v1.finalized';
    }
    const bucket = typeof object['bucket'] === 'string' ? object['bucket'] : /buckets\/([^/]+)/.exec(resourceName)?.[1];
    source = `//storage.googleapis.com/projects/_/buckets/${bucket ?? ''}`;
    if (typeof object['name'] === 'string') subject = `objects/${object['name']}`;
  } else if (service === 'firestore.googleapis.com') {
    const m = /^(projects\/[^/]+\/databases\/[^/]+)\/(documents\/.+)$/.exec(resourceName);
    if (m) [source, subject] = [`//firestore.googleapis.com/${m[1]}`, m[2]];
  }
  return {
    format: 'legacy',
    specversion: '1.0',
    id,
    source,
    type,
    subject,
    time,
    datacontenttype: 'application/json',
    dataschema: undefined,
    data,
    extensions: {},
  };
}
