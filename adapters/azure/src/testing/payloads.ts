import type { EventGridEvent, Timer } from '@azure/functions';

let sequence = 0;
const nextId = (): string => `00000000-0000-4000-a000-${String(++sequence).padStart(12, '0')}`;

/**
 * A timer object as the library hands it to a timer handler (camelCase).
 *
 * @example
 * timerInfo({ isPastDue: true, next: '2026-01-01T02:30:00Z' })
 */
export function timerInfo(options: { isPastDue?: boolean; last?: string; next?: string; lastUpdated?: string } = {}): Timer {
  const now = new Date().toISOString();
  return {
    isPastDue: options.isPastDue ?? false,
    schedule: { adjustForDST: true },
    scheduleStatus: { last: options.last ?? now, next: options.next ?? now, lastUpdated: options.lastUpdated ?? now },
  };
}

/**
 * An Event Grid-schema event.
 *
 * @example
 * eventGridEvent({ eventType: 'Contoso.Items.ItemReceived', data: { itemSku: 'a' } })
 */
export function eventGridEvent(options: Partial<EventGridEvent> = {}): EventGridEvent {
  return {
    id: nextId(),
    topic: '/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg/providers/Microsoft.EventGrid/topics/test',
    subject: '',
    eventType: 'Test.Event',
    eventTime: new Date().toISOString(),
    data: {},
    dataVersion: '1',
    metadataVersion: '1',
    ...options,
  };
}

/** A CloudEvents-schema event as Event Grid delivers it. */
export interface CloudEventSchemaEvent {
  specversion: '1.0';
  id: string;
  source: string;
  type: string;
  subject?: string;
  time?: string;
  datacontenttype?: string;
  data?: unknown;
  data_base64?: string;
  [extension: string]: unknown;
}

/**
 * A CloudEvents-schema event.
 *
 * @example
 * cloudEventSchemaEvent({ type: 'com.example.order.created', data: { orderId: 'o-1' } })
 */
export function cloudEventSchemaEvent(options: Partial<CloudEventSchemaEvent> = {}): CloudEventSchemaEvent {
  return { specversion: '1.0', id: nextId(), source: '/test', type: 'com.example.test', time: new Date().toISOString(), ...options };
}

export interface BlobEventOptions {
  container: string;
  name: string;
  change?: 'created' | 'deleted';
  size?: number;
  contentType?: string;
  /** Default `eventgrid`. */
  schema?: 'eventgrid' | 'cloudevents';
}

/**
 * A Blob Storage event (BlobCreated or BlobDeleted), in the Event Grid or the CloudEvents schema.
 *
 * @example
 * blobEvent({ container: 'uploads', name: 'images/cat.png', size: 1024 })
 */
export function blobEvent(options: BlobEventOptions): EventGridEvent | CloudEventSchemaEvent {
  const account = '/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts/account';
  const type = options.change === 'deleted' ? 'Microsoft.Storage.BlobDeleted' : 'Microsoft.Storage.BlobCreated';
  const data = {
    api: options.change === 'deleted' ? 'DeleteBlob' : 'PutBlob',
    eTag: '0x8D4BCC2E4835CD0',
    contentType: options.contentType ?? 'application/octet-stream',
    contentLength: options.size ?? 0,
    blobType: 'BlockBlob',
    url: `https://account.blob.core.windows.net/${options.container}/${options.name}`,
  };
  const subject = `blobServices/default/containers/${options.container}/blobs/${options.name}`;
  if (options.schema === 'cloudevents') return cloudEventSchemaEvent({ source: account, type, subject, data });
  return eventGridEvent({ topic: account, subject: `/${subject}`, eventType: type, data, dataVersion: '' });
}
