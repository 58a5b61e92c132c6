/**
 * `@onefn/gcp/testing`: typed builders for what reaches a Cloud Function over HTTP (CloudEvents in
 * binary and structured mode, Pub/Sub push envelopes, legacy events, plain requests), and a loopback
 * server that runs a registered function under functions-framework's real Express stack.
 *
 * @example
 * import { serve } from '@onefn/gcp'
 * import { pubsubEvent, startServer } from '@onefn/gcp/testing'
 * serve(mod)
 * const server = await startServer('orders')
 * const res = await server.send(pubsubEvent({ json: { id: 1 } }))
 * expect(res.status).toBe(204)
 * await server.close()
 */
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { OnefnError } from 'onefn';

/** A request as it would arrive: method, path (with query), headers, body. */
export interface GcpTestRequest {
  readonly method: string;
  readonly path: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string | Uint8Array | undefined;
}

export interface CloudEventOptions {
  id?: string;
  source?: string;
  type?: string;
  subject?: string;
  time?: string;
  /** JSON data (sets datacontenttype application/json). */
  json?: unknown;
  /** Text or bytes data, with `datacontenttype`. */
  data?: string | Uint8Array;
  datacontenttype?: string;
  /** Extension attributes (lower-case names). */
  extensions?: Readonly<Record<string, string>>;
}

let sequence = 0;
const next = (): string => `test-${Date.now().toString(36)}-${++sequence}`;

function attributes(o: CloudEventOptions): Record<string, string> {
  const out: Record<string, string> = {
    specversion: '1.0',
    id: o.id ?? next(),
    source: o.source ?? '//test.example.com/source',
    type: o.type ?? 'com.example.test',
    time: o.time ?? new Date().toISOString(),
  };
  if (o.subject !== undefined) out['subject'] = o.subject;
  return { ...out, ...o.extensions };
}

/** A `ce-` header value as the HTTP binding writes it: space, `"`, `%` and non-printable or non-ASCII characters percent-encoded (UTF-8). */
function headerEncoded(value: string): string {
  return value.replace(/[^\x21\x23-\x24\x26-\x7e]/gu, (c) => [...Buffer.from(c, 'utf8')].map((b) => `%${b.toString(16).toUpperCase().padStart(2, '0')}`).join(''));
}

/**
 * A CloudEvent in binary content mode, as Eventarc delivers it: attributes in `ce-*` headers, data
 * as the body.
 *
 * @example
 * binaryCloudEvent({ type: 'com.example.order', json: { id: 1 } })
 */
export function binaryCloudEvent(o: CloudEventOptions = {}): GcpTestRequest {
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(attributes(o))) headers[`ce-${k}`] = headerEncoded(v);
  let body: string | Uint8Array | undefined;
  if (o.json !== undefined) [body, headers['content-type']] = [JSON.stringify(o.json), 'application/json'];
  else if (o.data !== undefined) [body, headers['content-type']] = [o.data, o.datacontenttype ?? (typeof o.data === 'string' ? 'text/plain' : 'application/octet-stream')];
  return { method: 'POST', path: '/', headers, body };
}

/**
 * A CloudEvent in structured content mode: the whole event as `application/cloudevents+json`.
 *
 * @example
 * structuredCloudEvent({ type: 'com.example.order', json: { id: 1 } })
 */
export function structuredCloudEvent(o: CloudEventOptions = {}): GcpTestRequest {
  const event: Record<string, unknown> = attributes(o);
  if (o.json !== undefined) Object.assign(event, { datacontenttype: 'application/json', data: o.json });
  else if (typeof o.data === 'string') Object.assign(event, { datacontenttype: o.datacontenttype ?? 'text/plain', data: o.data });
  else if (o.data !== undefined) Object.assign(event, { datacontenttype: o.datacontenttype ?? 'application/octet-stream', data_base64: Buffer.from(o.data).toString('base64') });
  return { method: 'POST', path: '/', headers: { 'content-type': 'application/cloudevents+json' }, body: JSON.stringify(event) };
}

export interface PubsubOptions {
  /** The payload: `json` is serialized, `body` (or `data`) sent as is (it is base64-encoded on the wire). */
  json?: unknown;
  /** The payload as sent, the same option as every kit's. */
  body?: string | Uint8Array;
  data?: string | Uint8Array;
  attributes?: Readonly<Record<string, string>>;
  /** The message id, the same option as every kit's (`messageId` is its Pub/Sub name). */
  id?: string;
  messageId?: string;
  publishTime?: string;
  orderingKey?: string;
  deliveryAttempt?: number;
  project?: string;
  topic?: string;
  subscription?: string;
  /** Default binary, as Eventarc sends. */
  mode?: 'binary' | 'structured';
}

function pubsubData(o: PubsubOptions): Record<string, unknown> {
  if ([o.json, o.body, o.data].filter((v) => v !== undefined).length > 1) throw new OnefnError('INVALID_TEST_OPTION', 'give a message one of json, body or data');
  if (o.id !== undefined && o.messageId !== undefined) throw new OnefnError('INVALID_TEST_OPTION', 'give a message either id or messageId, not both');
  const payload = o.json !== undefined ? JSON.stringify(o.json) : (o.body ?? o.data ?? '');
  const message: Record<string, unknown> = {
    data: Buffer.from(payload).toString('base64'),
    messageId: o.id ?? o.messageId ?? next(),
    publishTime: o.publishTime ?? new Date().toISOString(),
  };
  if (o.attributes) message['attributes'] = { ...o.attributes };
  if (o.orderingKey) message['orderingKey'] = o.orderingKey;
  const out: Record<string, unknown> = { message, subscription: `projects/${o.project ?? 'test-project'}/subscriptions/${o.subscription ?? 'test-subscription'}` };
  if (o.deliveryAttempt !== undefined) out['deliveryAttempt'] = o.deliveryAttempt;
  return out;
}

/**
 * A Pub/Sub `messagePublished` CloudEvent, as Eventarc delivers a message.
 *
 * @example
 * pubsubEvent({ json: { orderId: 'o-1' }, attributes: { tenant: 'acme' }, topic: 'orders' })
 */
export function pubsubEvent(o: PubsubOptions = {}): GcpTestRequest {
  const data = pubsubData(o);
  const message = data['message'] as { messageId: string; publishTime: string };
  const ce: CloudEventOptions = {
    id: message.messageId,
    time: message.publishTime,
    type: 'google.cloud.pubsub.topic.v1.messagePublished',
    source: `//pubsub.googleapis.com/projects/${o.project ?? 'test-project'}/topics/${o.topic ?? 'test-topic'}`,
    json: data,
  };
  return o.mode === 'structured' ? structuredCloudEvent(ce) : binaryCloudEvent(ce);
}

/**
 * A Pub/Sub push subscription's request: the envelope `{ message, subscription }` as JSON.
 *
 * @example
 * pushEnvelope({ json: { orderId: 'o-1' }, deliveryAttempt: 2 })
 */
export function pushEnvelope(o: PubsubOptions = {}): GcpTestRequest {
  return { method: 'POST', path: '/', headers: { 'content-type': 'application/json' }, body: JSON.stringify(pubsubData(o)) };
}

export interface StorageOptions {
  bucket?: string;
  name?: string;
  change?: 'created' | 'deleted';
  size?: number;
  contentType?: string;
  generation?: string;
  mode?: 'binary' | 'structured';
}

/**
 * A Cloud Storage `object.v1.finalized` (or `deleted`) CloudEvent.
 *
 * @example
 * storageCloudEvent({ bucket: 'uploads', name: 'images/cat.png', size: 1024 })
 */
export function storageCloudEvent(o: StorageOptions = {}): GcpTestRequest {
  const bucket = o.bucket ?? 'test-bucket';
  const name = o.name ?? 'test-object';
  const ce: CloudEventOptions = {
    type: `google.cloud.storage.object.v1.${o.change === 'deleted' ? 'deleted' : 'finalized'}`,
    source: `//storage.googleapis.com/projects/_/buckets/${bucket}`,
    subject: `objects/${name}`,
    json: { bucket, name, size: String(o.size ?? 0), contentType: o.contentType ?? 'application/octet-stream', generation: o.generation ?? '1', kind: 'storage#object' },
  };
  return o.mode === 'structured' ? structuredCloudEvent(ce) : binaryCloudEvent(ce);
}

export interface LegacyOptions {
  eventType: string;
  /** A resource name, or the `{ service, name, type }` object newer legacy events carry. */
  resource: string | { service: string; name: string; type?: string };
  data: unknown;
  eventId?: string;
  timestamp?: string;
  /** The older flat form, with the context fields beside `data`. */
  flat?: boolean;
}

/**
 * A legacy background event: `{ context, data }`, or the flat form.
 *
 * @example
 * legacyEvent({ eventType: 'google.pubsub.topic.publish', resource: 'projects/p/topics/t', data: { data: btoa('hi') } })
 */
export function legacyEvent(o: LegacyOptions): GcpTestRequest {
  const context = { eventId: o.eventId ?? next(), timestamp: o.timestamp ?? new Date().toISOString(), eventType: o.eventType, resource: o.resource };
  const body = o.flat ? { ...context, data: o.data } : { context, data: o.data };
  return { method: 'POST', path: '/', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) };
}

export interface HttpOptions {
  method?: string;
  path?: string;
  headers?: Readonly<Record<string, string>>;
  json?: unknown;
  text?: string;
  body?: Uint8Array;
}

/**
 * A plain HTTP request to an HTTP function.
 *
 * @example
 * httpRequest({ method: 'POST', path: '/users?tag=a&tag=b', json: { name: 'Ada' } })
 */
export function httpRequest(o: HttpOptions = {}): GcpTestRequest {
  const headers: Record<string, string> = { ...o.headers };
  let body: string | Uint8Array | undefined;
  if (o.json !== undefined) [body, headers['content-type']] = [JSON.stringify(o.json), headers['content-type'] ?? 'application/json'];
  else if (o.text !== undefined) [body, headers['content-type']] = [o.text, headers['content-type'] ?? 'text/plain; charset=utf-8'];
  else if (o.body !== undefined) [body, headers['content-type']] = [o.body, headers['content-type'] ?? 'application/octet-stream'];
  return { method: o.method ?? 'GET', path: o.path ?? '/', headers, body };
}

/** A function under functions-framework's real server on a loopback port. */
export interface TestServer {
  readonly url: string;
  /** Sends a built request with fetch. */
  send(request: GcpTestRequest): Promise<Response>;
  close(): Promise<void>;
}

/**
 * Starts a registered function (by its target name) under functions-framework's own server
 * (`getTestServer` from its `/testing` subpath) on 127.0.0.1 and a free port.
 *
 * @example
 * const server = await startServer('api')
 * const res = await server.send(httpRequest({ path: '/hello' }))
 * await server.close()
 */
export async function startServer(target: string): Promise<TestServer> {
  const { getTestServer } = await import('@google-cloud/functions-framework/testing');
  const server = getTestServer(target) as Server;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    send: (r) => fetch(url + r.path, { method: r.method, headers: r.headers, body: r.body as BodyInit | undefined }),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections?.();
        server.close(() => resolve());
      }),
  };
}
