import { OnefnError } from 'onefn';
import { inputRecord } from 'onefn/runtime';
import type { HostInvocation, RpcHttpCookie, RpcHttpData, RpcTypedData } from './host.js';

// Records keyed by the test's header, query and parameter names are prototype-free (onefn's
// record.ts): on `{}`, `k in query` was true for `constructor` and `__proto__=x` was dropped.

/** A trigger invocation as the host sends it: the trigger's data and the trigger metadata. */
export interface RpcTrigger {
  data: RpcTypedData;
  triggerMetadata?: Record<string, RpcTypedData>;
  invocationId?: string;
}

/** A value as RPC typed data, the way the host encodes it: text as string, numbers as int/double, bytes, objects as JSON. */
export function toTypedData(value: unknown): RpcTypedData {
  if (typeof value === 'string') return { string: value };
  if (value instanceof Uint8Array) return { bytes: value };
  if (typeof value === 'number') return Number.isInteger(value) ? { int: value } : { double: value };
  if (value instanceof Date) return { string: value.toISOString() };
  return { json: JSON.stringify(value ?? null) };
}

function nullable(record: Readonly<Record<string, string>>): Record<string, { value: string }> {
  const out = inputRecord<{ value: string }>();
  for (const [k, v] of Object.entries(record)) out[k] = { value: v };
  return out;
}

export interface RpcHttpOptions {
  method?: string;
  /** A full URL (`https://app.azurewebsites.net/api/users/1?x=1`) or a path (`/api/users/1?x=1`). */
  url?: string;
  /** The path and query (`/api/users/1?x=1`), the same option as every kit's; give it or `url`. */
  path?: string;
  /** Repeated values are joined with "," as the host folds them. */
  headers?: Readonly<Record<string, string | readonly string[]>>;
  /** A JSON body; sets content-type application/json unless a header gives one. */
  json?: unknown;
  /** A text body; sets content-type text/plain unless a header gives one. */
  text?: string;
  /** The body as sent. */
  body?: string | Uint8Array;
  /** Route parameters the host matched from the function's route template. */
  params?: Readonly<Record<string, string>>;
}

const HTTP_KEYS = ['method', 'url', 'path', 'headers', 'json', 'text', 'body', 'params'];

/** An option the kit does not know would be dropped silently (a request sent without its body): refused. */
function checkKeys(options: object, known: readonly string[], kit: string): void {
  for (const key of Object.keys(options)) {
    if (!known.includes(key)) throw new OnefnError('INVALID_TEST_OPTION', `${kit}: unknown option "${key.slice(0, 40)}"; known: ${known.join(', ')}`);
  }
}

function oneOf(options: Record<string, unknown>, keys: readonly string[], kit: string): void {
  const given = keys.filter((k) => options[k] !== undefined);
  if (given.length > 1) throw new OnefnError('INVALID_TEST_OPTION', `${kit}: give one of ${keys.join(', ')}, not ${given.join(' and ')}`);
}

/**
 * An HTTP trigger invocation as the host sends it to a worker that announced the RawHttpBodyBytes and
 * UseNullableValueDictionaryForHttp capabilities (as the Node worker does): the body as bytes, headers,
 * query and params as nullable-value maps, and the headers, query and params in the trigger metadata.
 *
 * @example
 * host.invoke('http', rpcHttp({ method: 'POST', path: '/api/users', json: { name: 'Ada' } }))
 */
export function rpcHttp(options: RpcHttpOptions = {}): RpcTrigger {
  checkKeys(options, HTTP_KEYS, 'rpcHttp');
  oneOf(options as Record<string, unknown>, ['url', 'path'], 'rpcHttp');
  oneOf(options as Record<string, unknown>, ['json', 'text', 'body'], 'rpcHttp');
  const url = new URL(options.url ?? options.path ?? '/', 'http://localhost:7071');
  const headers = inputRecord<string>();
  for (const [name, value] of Object.entries(options.headers ?? {})) headers[name] = typeof value === 'string' ? value : value.join(',');
  const hasType = Object.keys(headers).some((h) => h.toLowerCase() === 'content-type');
  if (options.json !== undefined && !hasType) headers['content-type'] = 'application/json';
  if (options.text !== undefined && !hasType) headers['content-type'] = 'text/plain; charset=utf-8';
  const raw = options.json !== undefined ? JSON.stringify(options.json) : (options.text ?? options.body);
  if (!Object.keys(headers).some((h) => h.toLowerCase() === 'host')) headers['Host'] = url.host;
  const query = inputRecord<string>();
  for (const [k, v] of url.searchParams) query[k] = Object.hasOwn(query, k) ? `${query[k]},${v}` : v;
  const params = Object.assign(inputRecord<string>(), options.params);
  const body = raw === undefined ? undefined : typeof raw === 'string' ? new TextEncoder().encode(raw) : raw;
  const http: RpcHttpData = {
    method: (options.method ?? 'GET').toUpperCase(),
    url: url.href,
    nullableHeaders: nullable(headers),
    nullableQuery: nullable(query),
    nullableParams: nullable(params),
    body: body ? { bytes: body } : undefined,
  };
  const triggerMetadata = Object.assign(inputRecord<RpcTypedData>(), { Headers: { json: JSON.stringify(headers) }, Query: { json: JSON.stringify(query) } });
  for (const [k, v] of Object.entries(params)) triggerMetadata[k] = { string: v };
  return { data: { http }, triggerMetadata };
}

/** A message's payload: `json` serialized; else `body`, text or bytes as is, anything else as JSON. */
function messageData(options: { json?: unknown; body?: unknown }): RpcTypedData {
  if (options.json !== undefined) return { json: JSON.stringify(options.json) };
  const body = options.body ?? '';
  return typeof body === 'string' || body instanceof Uint8Array ? toTypedData(body) : { json: JSON.stringify(body) };
}

export interface RpcQueueOptions {
  /** The payload, serialized as JSON (the same option as every kit's). */
  json?: unknown;
  /** The payload as sent; objects are sent as JSON. */
  body?: unknown;
  id?: string;
  dequeueCount?: number;
  insertionTime?: string;
  expirationTime?: string;
  popReceipt?: string;
}

let sequence = 0;

/**
 * A Storage queue trigger invocation: the (already base64-decoded) message and its metadata.
 *
 * @example
 * host.invoke('orders', rpcQueueMessage({ body: { id: 'o-1' }, dequeueCount: 2 }))
 */
export function rpcQueueMessage(options: RpcQueueOptions = {}): RpcTrigger {
  checkKeys(options, ['json', 'body', 'id', 'dequeueCount', 'insertionTime', 'expirationTime', 'popReceipt'], 'rpcQueueMessage');
  oneOf(options as Record<string, unknown>, ['json', 'body'], 'rpcQueueMessage');
  const now = new Date().toISOString();
  return {
    data: messageData(options),
    triggerMetadata: {
      Id: { string: options.id ?? `00000000-0000-4000-9000-${String(++sequence).padStart(12, '0')}` },
      DequeueCount: { int: options.dequeueCount ?? 1 },
      InsertionTime: { string: options.insertionTime ?? now },
      ExpirationTime: { string: options.expirationTime ?? now },
      PopReceipt: { string: options.popReceipt ?? 'AgAAAAMAAAAAAAAA' },
    },
  };
}

export interface RpcServiceBusOptions {
  /** The payload, serialized as JSON (the same option as every kit's). */
  json?: unknown;
  /** The payload as sent; objects are sent as JSON. */
  body?: unknown;
  /** The message id, the same option as every kit's (`messageId` is its Service Bus name). */
  id?: string;
  messageId?: string;
  /** Application properties, the same option as every kit's message attributes. */
  attributes?: Readonly<Record<string, string>>;
  deliveryCount?: number;
  enqueuedTimeUtc?: string;
  sessionId?: string;
  correlationId?: string;
  contentType?: string;
  applicationProperties?: Readonly<Record<string, string | number | boolean>>;
}

/**
 * A Service Bus trigger invocation (cardinality one): the message and its metadata.
 *
 * @example
 * host.invoke('audit', rpcServiceBusMessage({ body: { id: 1 }, applicationProperties: { tenant: 'a' } }))
 */
export function rpcServiceBusMessage(options: RpcServiceBusOptions = {}): RpcTrigger {
  checkKeys(options, ['json', 'body', 'id', 'messageId', 'attributes', 'deliveryCount', 'enqueuedTimeUtc', 'sessionId', 'correlationId', 'contentType', 'applicationProperties'], 'rpcServiceBusMessage');
  oneOf(options as Record<string, unknown>, ['json', 'body'], 'rpcServiceBusMessage');
  oneOf(options as Record<string, unknown>, ['id', 'messageId'], 'rpcServiceBusMessage');
  oneOf(options as Record<string, unknown>, ['attributes', 'applicationProperties'], 'rpcServiceBusMessage');
  const meta: Record<string, RpcTypedData> = {
    MessageId: { string: options.id ?? options.messageId ?? `sb-${++sequence}` },
    DeliveryCount: { int: options.deliveryCount ?? 1 },
    EnqueuedTimeUtc: { string: options.enqueuedTimeUtc ?? new Date().toISOString() },
    ApplicationProperties: { json: JSON.stringify(options.attributes ?? options.applicationProperties ?? {}) },
  };
  if (options.sessionId) meta['SessionId'] = { string: options.sessionId };
  if (options.correlationId) meta['CorrelationId'] = { string: options.correlationId };
  if (options.contentType) meta['ContentType'] = { string: options.contentType };
  return { data: messageData(options), triggerMetadata: meta };
}

/**
 * A timer trigger invocation; the timer object as the host sends it (PascalCase or camelCase both work:
 * the library camel-cases it).
 *
 * @example
 * host.invoke('nightly', rpcTimer({ IsPastDue: true, ScheduleStatus: { Next: '2026-01-01T02:30:00Z' } }))
 */
export function rpcTimer(timer: unknown): RpcTrigger {
  return { data: { json: JSON.stringify(timer) } };
}

/**
 * An Event Grid trigger invocation: one event (either schema), or a batch array as Event Grid posts it.
 *
 * @example
 * host.invoke('onUpload', rpcEventGrid(blobCreatedEvent({ container: 'uploads', name: 'a.png' })))
 */
export function rpcEventGrid(events: unknown): RpcTrigger {
  return { data: { json: JSON.stringify(events) } };
}

export interface RpcBlobOptions {
  container: string;
  name: string;
  content?: string | Uint8Array;
  contentType?: string;
  eTag?: string;
}

/**
 * A blob trigger invocation: the content as bytes and `blobTrigger` / `properties` metadata.
 *
 * @example
 * host.invoke('thumbnails', rpcBlob({ container: 'uploads', name: 'images/cat.png', content: png }))
 */
export function rpcBlob(options: RpcBlobOptions): RpcTrigger {
  const content = typeof options.content === 'string' ? new TextEncoder().encode(options.content) : (options.content ?? new Uint8Array());
  return {
    data: { bytes: content },
    triggerMetadata: {
      BlobTrigger: { string: `${options.container}/${options.name}` },
      Uri: { string: `https://account.blob.core.windows.net/${options.container}/${options.name}` },
      Properties: { json: JSON.stringify({ Length: content.byteLength, ContentType: options.contentType ?? 'application/octet-stream', ETag: options.eTag ?? '"0x8D4BCC2E4835CD0"', LastModified: new Date().toISOString() }) },
    },
  };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Converts a custom-handler request payload (`{ Data: { <binding>: ... }, Metadata: {...} }`, the
 * form the host documents for custom handlers and the one the fixtures hold) into the RPC form the
 * Node worker receives. An HTTP `Data` entry (`Url`, `Method`, `Headers`, `Body`) becomes `rpcHttp`.
 */
export function rpcFromHostPayload(payload: unknown): RpcTrigger {
  if (!isObject(payload) || !isObject(payload['Data'])) throw new OnefnError('INVALID_TEST_OPTION', 'a host payload is an object with a "Data" object');
  const entries = Object.values(payload['Data']);
  if (entries.length !== 1) throw new OnefnError('INVALID_TEST_OPTION', `a host payload's Data must hold exactly one trigger value, got ${entries.length}`);
  const value = entries[0];
  if (isObject(value) && typeof value['Url'] === 'string' && typeof value['Method'] === 'string') {
    const headers = inputRecord<string | string[]>();
    if (isObject(value['Headers'])) for (const [k, v] of Object.entries(value['Headers'])) headers[k] = Array.isArray(v) ? v.map(String) : String(v);
    const params = inputRecord<string>();
    if (isObject(value['Params'])) for (const [k, v] of Object.entries(value['Params'])) params[k] = String(v);
    return rpcHttp({ method: value['Method'], url: value['Url'], headers, params, body: typeof value['Body'] === 'string' ? value['Body'] : undefined });
  }
  const triggerMetadata = inputRecord<RpcTypedData>();
  if (isObject(payload['Metadata'])) for (const [k, v] of Object.entries(payload['Metadata'])) triggerMetadata[k] = toTypedData(v);
  return { data: toTypedData(value), triggerMetadata };
}

/** An HTTP answer read back from the host's RPC response. */
export interface RpcHttpResult {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly cookies: readonly RpcHttpCookie[];
  readonly body: Uint8Array;
  text(): string;
  json(): unknown;
}

function bodyBytes(data: RpcTypedData | null | undefined): Uint8Array {
  if (!data) return new Uint8Array();
  if (data.bytes) return data.bytes;
  if (typeof data.string === 'string') return new TextEncoder().encode(data.string);
  if (typeof data.json === 'string') return new TextEncoder().encode(data.json);
  return new Uint8Array();
}

/**
 * Reads the HTTP response out of a successful invocation (the `$return` binding).
 *
 * @example
 * const res = httpResult(await host.invoke('http', rpcHttp({ url: '/api/hello' })))
 * expect(res.json()).toEqual({ message: 'Hello, world!' })
 */
export function httpResult(invocation: HostInvocation): RpcHttpResult {
  if (invocation.status !== 'success') throw new OnefnError('TEST_INVOCATION_FAILED', `the invocation failed: ${invocation.error instanceof Error ? invocation.error.message : String(invocation.error)}`);
  const http = invocation.response.returnValue?.http;
  if (!http) throw new OnefnError('TEST_INVOCATION_FAILED', 'the invocation returned no HTTP response');
  const body = bodyBytes(http.body);
  const headers = inputRecord<string>();
  for (const [k, v] of Object.entries(http.headers ?? {})) headers[k.toLowerCase()] = v;
  const text = (): string => new TextDecoder().decode(body);
  return { status: Number(http.statusCode ?? 200), headers, cookies: http.cookies ?? [], body, text, json: () => JSON.parse(text()) as unknown };
}
