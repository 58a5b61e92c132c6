import { decodeBase64 } from './bytes.js';
import { localNative, type Native } from './context.js';
import { MalformedEventError } from './errors.js';
import { inputRecord } from './record.js';
import { toDate } from './time.js';

export { createMessage, PortableMessage, type Message, type MessageInit } from './message.js';

// ---------------------------------------------------------------------------------------------------
// Storage

export const STORAGE_CHANGES = ['created', 'deleted'] as const;
export type StorageChange = (typeof STORAGE_CHANGES)[number];

/**
 * An object created or deleted in a bucket (S3, Cloud Storage, Blob Storage).
 *
 * @example
 * defineStorage({ bucket: 'uploads', changes: ['created'], suffix: '.png', handler: async (obj) => {
 *   console.log(obj.key, obj.size)
 * } })
 */
export interface StorageEvent {
  readonly bucket: string;
  /** The object's key, decoded (S3 sends it URL-encoded; adapters decode it). */
  readonly key: string;
  readonly change: StorageChange;
  readonly size: number | undefined;
  readonly etag: string | undefined;
  readonly version: string | undefined;
  readonly contentType: string | undefined;
  readonly time: Date;
  readonly id: string;
  readonly native: Native;
}

export interface StorageEventInit {
  id?: string;
  bucket: string;
  key: string;
  change: StorageChange;
  size?: number | string;
  etag?: string;
  version?: string;
  contentType?: string;
  time?: Date | string | number;
  native?: Native;
}

export function createStorageEvent(init: StorageEventInit): StorageEvent {
  if (!init.bucket) throw new MalformedEventError('storage event without a bucket');
  if (typeof init.key !== 'string' || !init.key) throw new MalformedEventError('storage event without an object key');
  const size = init.size === undefined ? undefined : Number(init.size);
  if (size !== undefined && !Number.isFinite(size)) throw new MalformedEventError('storage object size is not a number');
  const time = toDate(init.time, 'time') ?? new Date();
  return {
    id: init.id ?? `${init.bucket}/${init.key}@${time.getTime()}`,
    bucket: init.bucket,
    key: init.key,
    change: init.change,
    size,
    etag: init.etag,
    version: init.version,
    contentType: init.contentType,
    time,
    native: init.native ?? localNative(init),
  };
}

// ---------------------------------------------------------------------------------------------------
// Schedules

/**
 * One tick of a schedule.
 *
 * @example
 * defineSchedule({ schedule: '0 9 * * MON-FRI', timeZone: 'Europe/Paris', handler: async (tick) => {
 *   if (tick.pastDue) console.log('late run')
 * } })
 */
export interface ScheduleEvent {
  readonly id: string;
  /** When the tick was due (the provider's time; the invocation time where it gives none). */
  readonly scheduledTime: Date;
  /** The rule, job or timer name, where the provider gives one. */
  readonly name: string | undefined;
  /** True when the provider says this run is late (Azure's isPastDue). */
  readonly pastDue: boolean;
  readonly native: Native;
}

export interface ScheduleEventInit {
  id?: string;
  scheduledTime?: Date | string | number;
  name?: string;
  pastDue?: boolean;
  native?: Native;
}

export function createScheduleEvent(init: ScheduleEventInit = {}): ScheduleEvent {
  const scheduledTime = toDate(init.scheduledTime, 'scheduledTime') ?? new Date();
  return {
    id: init.id ?? `tick-${scheduledTime.getTime()}`,
    scheduledTime,
    name: init.name,
    pastDue: init.pastDue ?? false,
    native: init.native ?? localNative(init),
  };
}

// ---------------------------------------------------------------------------------------------------
// CloudEvents 1.0

/**
 * A CloudEvents 1.0 event. `data` is the schema's output when the definition has one.
 *
 * @example
 * defineCloudEvent({ types: ['com.example.order.created'], handler: async (event) => {
 *   console.log(event.type, event.source, event.data)
 * } })
 */
export interface CloudEvent<Data = unknown> {
  readonly specversion: string;
  readonly id: string;
  readonly source: string;
  readonly type: string;
  readonly subject: string | undefined;
  readonly time: Date | undefined;
  readonly datacontenttype: string | undefined;
  readonly dataschema: string | undefined;
  readonly data: Data;
  /** Extension attributes (lower-case names), as strings. */
  readonly extensions: Readonly<Record<string, string>>;
  readonly native: Native;
}

export interface CloudEventInit {
  specversion?: string;
  id: string;
  source: string;
  type: string;
  subject?: string;
  time?: Date | string;
  datacontenttype?: string;
  dataschema?: string;
  data?: unknown;
  extensions?: Readonly<Record<string, string>>;
  native?: Native;
}

const CE_ATTRIBUTES = new Set(['specversion', 'id', 'source', 'type', 'subject', 'time', 'datacontenttype', 'dataschema', 'data', 'data_base64']);

export function createCloudEvent(init: CloudEventInit): CloudEvent {
  for (const field of ['id', 'source', 'type'] as const) {
    if (typeof init[field] !== 'string' || !init[field]) throw new MalformedEventError(`CloudEvent without "${field}"`);
  }
  return {
    specversion: init.specversion ?? '1.0',
    id: init.id,
    source: init.source,
    type: init.type,
    subject: init.subject,
    time: toDate(init.time, 'time'),
    datacontenttype: init.datacontenttype,
    dataschema: init.dataschema,
    data: init.data,
    extensions: init.extensions ?? inputRecord(),
    native: init.native ?? localNative(init),
  };
}

/**
 * Reads a CloudEvent in the JSON format (structured mode): attributes at the top level, `data` or
 * `data_base64` (strict base64: anything else is a MalformedEventError naming the field), every other
 * string attribute an extension, in a prototype-free record (see record.ts).
 */
export function cloudEventFromJson(value: unknown, native?: Native): CloudEvent {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new MalformedEventError('a CloudEvent must be a JSON object');
  }
  const v = value as Record<string, unknown>;
  const str = (k: string): string | undefined => (typeof v[k] === 'string' ? (v[k] as string) : undefined);
  if (str('specversion') !== undefined && !str('specversion')?.startsWith('1.')) {
    throw new MalformedEventError('unsupported CloudEvents "specversion" (this reads 1.x)');
  }
  const extensions = inputRecord<string>();
  for (const key of Object.keys(v)) {
    if (CE_ATTRIBUTES.has(key)) continue;
    const x = v[key];
    if (typeof x === 'string' || typeof x === 'number' || typeof x === 'boolean') extensions[key] = String(x);
  }
  let data: unknown = v['data'];
  const b64 = str('data_base64');
  if (data === undefined && v['data_base64'] !== undefined) {
    data = b64 === undefined ? undefined : decodeBase64(b64);
    if (data === undefined) throw new MalformedEventError('CloudEvent "data_base64" is not valid base64');
  }
  return createCloudEvent({
    specversion: str('specversion') ?? '1.0',
    id: str('id') ?? '',
    source: str('source') ?? '',
    type: str('type') ?? '',
    subject: str('subject'),
    time: str('time'),
    datacontenttype: str('datacontenttype'),
    dataschema: str('dataschema'),
    data,
    extensions,
    native: native ?? localNative(value),
  });
}
