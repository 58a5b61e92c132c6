import { MalformedEventError, describeValue } from '../onefn/errors.js';
import {
  type CloudEvent, createCloudEvent, createMessage, createScheduleEvent, createStorageEvent, type Message,
  type ScheduleEvent, type StorageEvent, STORAGE_CHANGES, type StorageChange,
} from '../onefn/events.js';
import { createRequest, HTTP_METHODS, type PortableRequest } from '../onefn/http.js';
import { inputRecord } from '../onefn/record.js';

/**
 * Portable inputs written as JSON, for `onefn invoke local` files and the dev server's event endpoint.
 *
 * - HTTP: `{ "method": "POST", "path": "/hello?x=1", "headers": {...}, "query": {...}, "body": ... }`
 *   (`kind: "http"` optional). A string body is sent as is; any other body as JSON.
 *   `"isBase64Encoded": true` marks a base64 string body.
 * - `{ "kind": "message", "body": ..., "id"?, "attributes"?, "attempt"?, "publishedAt"?, "source"?, "orderingKey"? }`
 * - `{ "kind": "storage", "bucket", "key", "change"?: "created" | "deleted", "size"?, "etag"?, "contentType"?, "time"? }`
 * - `{ "kind": "schedule", "scheduledTime"?, "name"? }`
 * - `{ "kind": "cloudevent", "id"?, "source", "type", "data"?, ...attributes }`
 * - an array of event inputs of one kind, for a batch.
 */
export type PortableInput =
  | { readonly kind: 'http'; readonly request: PortableRequest }
  | { readonly kind: 'message'; readonly items: Message[] }
  | { readonly kind: 'storage'; readonly items: StorageEvent[] }
  | { readonly kind: 'schedule'; readonly items: ScheduleEvent[] }
  | { readonly kind: 'cloudevent'; readonly items: CloudEvent[] };

type Obj = Record<string, unknown>;

function isObj(value: unknown): value is Obj {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function str(o: Obj, key: string, required = false): string | undefined {
  const v = o[key];
  if (v === undefined && !required) return undefined;
  if (typeof v !== 'string' || (required && !v)) throw new MalformedEventError(`"${key}" must be a${required ? ' non-empty' : ''} string`);
  return v;
}

function stringRecord(o: Obj, key: string): Record<string, string> | undefined {
  const v = o[key];
  if (v === undefined) return undefined;
  if (!isObj(v) || Object.values(v).some((x) => typeof x !== 'string')) throw new MalformedEventError(`"${key}" must be an object of strings`);
  // A prototype-free copy (see record.ts): the names are the input's, and inherit nothing.
  return Object.assign(inputRecord<string>(), v as Record<string, string>);
}

function kindOf(o: Obj): PortableInput['kind'] {
  const kind = o['kind'];
  if (kind === undefined) {
    if ('method' in o || 'path' in o) return 'http';
    throw new MalformedEventError(`no "kind" (http, message, storage, schedule, cloudevent) in ${describeValue(o)}`);
  }
  if (kind === 'http' || kind === 'message' || kind === 'storage' || kind === 'schedule' || kind === 'cloudevent') return kind;
  throw new MalformedEventError(`unknown kind ${JSON.stringify(kind)}; use http, message, storage, schedule or cloudevent`);
}

let sequence = 0;
const id = (prefix: string): string => `${prefix}-${Date.now().toString(36)}-${++sequence}`;

function toRequest(o: Obj): PortableRequest {
  const rawPath = str(o, 'path') ?? '/';
  if (!rawPath.startsWith('/')) throw new MalformedEventError(`"path" must start with "/", got ${JSON.stringify(rawPath)}`);
  const q = rawPath.indexOf('?');
  const headers = Object.assign(inputRecord<string>(), stringRecord(o, 'headers'));
  const body = o['body'];
  let data: string | undefined;
  if (typeof body === 'string') data = body;
  else if (body !== undefined && body !== null) {
    data = JSON.stringify(body);
    if (!Object.keys(headers).some((h) => h.toLowerCase() === 'content-type')) headers['content-type'] = 'application/json';
  }
  const query = o['query'];
  if (query !== undefined && !isObj(query)) throw new MalformedEventError('"query" must be an object');
  const method = (str(o, 'method') ?? 'GET').toUpperCase();
  // No cloud delivers another method, nor does the dev server's own HTTP parser accept one.
  if (!(HTTP_METHODS as readonly string[]).includes(method)) throw new MalformedEventError(`"method" must be one of ${HTTP_METHODS.join(', ')}`);
  return createRequest({
    method,
    path: q === -1 ? rawPath : rawPath.slice(0, q),
    query: q === -1 ? (query as Record<string, string | string[]> | undefined) : rawPath.slice(q + 1),
    headers,
    body: data === undefined ? undefined : { data, base64: o['isBase64Encoded'] === true },
    ip: str(o, 'ip') ?? '127.0.0.1',
  });
}

function toEvent(kind: Exclude<PortableInput['kind'], 'http'>, o: Obj): Message | StorageEvent | ScheduleEvent | CloudEvent {
  switch (kind) {
    case 'message': {
      const body = o['body'];
      const attempt = o['attempt'];
      if (attempt !== undefined && (!Number.isSafeInteger(attempt) || (attempt as number) < 1)) throw new MalformedEventError('"attempt" must be a whole number from 1');
      return createMessage({
        id: str(o, 'id') ?? id('msg'),
        body: { data: typeof body === 'string' ? body : JSON.stringify(body ?? null) },
        attributes: stringRecord(o, 'attributes'),
        attempt: attempt as number | undefined,
        publishedAt: str(o, 'publishedAt'),
        source: str(o, 'source'),
        orderingKey: str(o, 'orderingKey'),
      });
    }
    case 'storage': {
      const change = (str(o, 'change') ?? 'created') as StorageChange;
      if (!STORAGE_CHANGES.includes(change)) throw new MalformedEventError(`"change" must be one of ${STORAGE_CHANGES.join(', ')}`);
      const size = o['size'];
      if (size !== undefined && (!Number.isSafeInteger(size) || (size as number) < 0)) throw new MalformedEventError('"size" must be a whole number of bytes from 0');
      return createStorageEvent({
        bucket: str(o, 'bucket', true) as string,
        key: str(o, 'key', true) as string,
        change,
        size: size as number | undefined,
        etag: str(o, 'etag'),
        version: str(o, 'version'),
        contentType: str(o, 'contentType'),
        time: str(o, 'time'),
      });
    }
    case 'schedule':
      return createScheduleEvent({ scheduledTime: str(o, 'scheduledTime'), name: str(o, 'name'), pastDue: o['pastDue'] === true });
    case 'cloudevent': {
      const extensions: Record<string, string> = {};
      for (const [k, v] of Object.entries(o)) {
        if (!['kind', 'id', 'source', 'type', 'subject', 'time', 'datacontenttype', 'dataschema', 'data', 'specversion'].includes(k) && typeof v === 'string') extensions[k] = v;
      }
      return createCloudEvent({
        id: str(o, 'id') ?? id('evt'),
        source: str(o, 'source', true) as string,
        type: str(o, 'type', true) as string,
        subject: str(o, 'subject'),
        time: str(o, 'time'),
        datacontenttype: str(o, 'datacontenttype'),
        dataschema: str(o, 'dataschema'),
        data: o['data'],
        extensions,
      });
    }
  }
}

/** Reads a portable input from parsed JSON; throws a MalformedEventError saying what is wrong. */
export function parsePortableInput(value: unknown): PortableInput {
  const list = Array.isArray(value) ? value : [value];
  if (list.length === 0) throw new MalformedEventError('an empty array holds no event');
  const objects = list.map((item, i) => {
    if (!isObj(item)) throw new MalformedEventError(`input ${Array.isArray(value) ? `[${i}] ` : ''}must be a JSON object, got ${describeValue(item)}`);
    return item;
  });
  const kinds = new Set(objects.map(kindOf));
  if (kinds.size > 1) throw new MalformedEventError(`a batch mixes kinds: ${[...kinds].join(', ')}`);
  const kind = [...kinds][0] as PortableInput['kind'];
  if (kind === 'http') {
    if (objects.length > 1) throw new MalformedEventError('an HTTP input is one request, not an array');
    return { kind, request: toRequest(objects[0] as Obj) };
  }
  const items = objects.map((o) => toEvent(kind, o));
  return { kind, items } as PortableInput;
}
