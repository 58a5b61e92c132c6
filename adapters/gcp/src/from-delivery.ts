import { MalformedEventError } from 'onefn';
import { decodeBase64, inputRecord, jsonSyntaxDetail, rawBodyBytes, rawBodyText, type RawBody } from 'onefn/runtime';
import type { GcpRequest } from './native.js';
import { fromLegacy, isLegacyEvent } from './from-legacy.js';

/**
 * How an event reached the function. Eventarc posts CloudEvents in binary mode; structured mode is
 * what other producers (and `onefn invoke`) send; a Pub/Sub push subscription posts its own envelope;
 * 1st-gen style producers post legacy background events.
 */
export const DELIVERY_FORMATS = ['binary', 'structured', 'pubsub-push', 'legacy'] as const;
export type DeliveryFormat = (typeof DELIVERY_FORMATS)[number];

/** One event, whatever way it came, as CloudEvent attributes plus `data`. */
export interface Delivery {
  readonly format: DeliveryFormat;
  readonly specversion: string;
  readonly id: string;
  readonly source: string;
  readonly type: string;
  readonly subject: string | undefined;
  readonly time: string | undefined;
  readonly datacontenttype: string | undefined;
  readonly dataschema: string | undefined;
  /** JSON for JSON content, text for text, bytes otherwise. */
  readonly data: unknown;
  readonly extensions: Readonly<Record<string, string>>;
}

const CORE = new Set(['specversion', 'id', 'source', 'type', 'subject', 'time', 'datacontenttype', 'dataschema', 'data', 'data_base64']);
const PUBSUB_PUBLISHED = 'google.cloud.pubsub.topic.v1.messagePublished';

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Uint8Array);
}

function str(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

function mediaType(contentType: string | undefined): string {
  if (!contentType) return '';
  const semi = contentType.indexOf(';');
  return (semi === -1 ? contentType : contentType.slice(0, semi)).trim().toLowerCase();
}

function isJsonMedia(type: string): boolean {
  return type === 'application/json' || type.endsWith('+json');
}

function isTextMedia(type: string): boolean {
  return type.startsWith('text/') || type.endsWith('+xml') || type === 'application/xml';
}

// A run of percent-encoded octets (%XX), decoded together so that a UTF-8 sequence stays whole.
const ENCODED_RUN = /(?:%[0-9A-Fa-f]{2})+/g;

/**
 * A `ce-` header's value, percent-decoded as the HTTP binding asks receivers to do (senders encode
 * space, `"`, `%` and anything outside printable ASCII as UTF-8 octets:
 * https://github.com/cloudevents/spec/blob/v1.0.2/cloudevents/bindings/http-protocol-binding.md#3132-http-header-values).
 * A run that is not valid UTF-8, or a `%` not followed by two hex digits, is kept as it came.
 */
function headerValue(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  if (!value.includes('%')) return value;
  return value.replace(ENCODED_RUN, (run) => {
    try {
      return decodeURIComponent(run);
    } catch {
      return run;
    }
  });
}

/** Binary mode: attributes in `ce-*` headers, the body is `data` in the content type's form. */
function fromBinary(req: GcpRequest, body: RawBody | undefined): Delivery {
  const raw = req.headers;
  // Every `ce-` attribute, percent-decoded; the other headers as they came.
  const h = Object.create(null) as Record<string, unknown>;
  for (const name in raw) h[name] = name.startsWith('ce-') ? headerValue(raw[name]) : raw[name];
  const missing = ['ce-id', 'ce-source', 'ce-type'].filter((name) => !str(h[name]));
  if (missing.length) throw new MalformedEventError(`binary-mode CloudEvent without the ${missing.join(', ')} header${missing.length > 1 ? 's' : ''}`);
  const specversion = str(h['ce-specversion']) as string;
  if (!specversion.startsWith('1.')) throw new MalformedEventError('unsupported CloudEvents specversion in the ce-specversion header (this reads 1.x)');
  // Extension names are the producer's: prototype-free (see onefn's record.ts).
  const extensions = inputRecord<string>();
  for (const name in h) {
    if (!name.startsWith('ce-')) continue;
    const attr = name.slice(3);
    const value = h[name];
    if (!CORE.has(attr) && typeof value === 'string') extensions[attr] = value;
  }
  const contentType = str(h['content-type']);
  const type = mediaType(contentType);
  let data: unknown;
  if (!body || rawBodyBytes(body).byteLength === 0) data = undefined;
  else if (isJsonMedia(type)) data = isRecord(req.body) || Array.isArray(req.body) ? req.body : parseJson(rawBodyText(body), 'the binary-mode CloudEvent body');
  else if (isTextMedia(type)) data = rawBodyText(body);
  else data = rawBodyBytes(body);
  return {
    format: 'binary',
    specversion,
    id: str(h['ce-id']) as string,
    source: str(h['ce-source']) as string,
    type: str(h['ce-type']) as string,
    subject: str(h['ce-subject']),
    time: str(h['ce-time']),
    datacontenttype: contentType,
    dataschema: str(h['ce-dataschema']),
    data,
    extensions,
  };
}

function parseJson(text: string, what: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    // The parser's own message quotes the body; the answer names only where the JSON was.
    throw new MalformedEventError(`${what} is ${jsonSyntaxDetail(error)}`, { cause: error });
  }
}

/** Structured mode: the whole event is one JSON object (the CloudEvents JSON format). */
export function fromStructured(value: Record<string, unknown>): Delivery {
  const specversion = str(value['specversion']);
  if (!specversion?.startsWith('1.')) throw new MalformedEventError('unsupported CloudEvents "specversion" (this reads 1.x)');
  const missing = ['id', 'source', 'type'].filter((k) => !str(value[k]));
  if (missing.length) throw new MalformedEventError(`structured CloudEvent without ${missing.map((m) => `"${m}"`).join(', ')}`);
  const extensions = inputRecord<string>();
  for (const key in value) {
    if (CORE.has(key)) continue;
    const x = value[key];
    if (typeof x === 'string' || typeof x === 'number' || typeof x === 'boolean') extensions[key] = String(x);
  }
  let data: unknown = value['data'];
  const b64 = value['data_base64'];
  if (data === undefined && b64 !== undefined) {
    data = typeof b64 === 'string' ? decodeBase64(b64) : undefined;
    if (data === undefined) throw new MalformedEventError('CloudEvent "data_base64" is not valid base64');
  }
  return {
    format: 'structured',
    specversion,
    id: value['id'] as string,
    source: value['source'] as string,
    type: value['type'] as string,
    subject: str(value['subject']),
    time: str(value['time']),
    datacontenttype: str(value['datacontenttype']),
    dataschema: str(value['dataschema']),
    data,
    extensions,
  };
}

/** A Pub/Sub push envelope: `{ message, subscription }`, the same shape Eventarc puts in `data`. */
export function isPushEnvelope(value: Record<string, unknown>): boolean {
  const message = value['message'];
  return isRecord(message) && !('context' in value) && !('specversion' in value) && (typeof value['subscription'] === 'string' || 'messageId' in message || 'message_id' in message);
}

function fromPushEnvelope(value: Record<string, unknown>): Delivery {
  const message = value['message'] as Record<string, unknown>;
  const id = str(message['messageId']) ?? str(message['message_id']);
  if (!id) throw new MalformedEventError('Pub/Sub push message without messageId');
  const subscription = str(value['subscription']);
  return {
    format: 'pubsub-push',
    specversion: '1.0',
    id,
    source: subscription ? `//pubsub.googleapis.com/${subscription}` : '//pubsub.googleapis.com/',
    type: PUBSUB_PUBLISHED,
    subject: undefined,
    time: str(message['publishTime']) ?? str(message['publish_time']),
    datacontenttype: 'application/json',
    dataschema: undefined,
    data: value,
    extensions: inputRecord(),
  };
}

/** Names what arrived, for an error that must say it without echoing the payload. */
export function describeRequest(req: GcpRequest): string {
  const type = req.headers['content-type'];
  return `a ${req.method ?? 'request'} with ${type ? `content type ${type}` : 'no content type'} and no CloudEvent headers`;
}

/**
 * The events in a request, in the order they came (a CloudEvents batch carries several). Throws a
 * MalformedEventError for a known format with a bad field, and returns undefined when the request is
 * no event at all (a schedule served over plain HTTP takes those).
 */
export function fromDelivery(req: GcpRequest, body: RawBody | undefined): Delivery[] | undefined {
  const h = req.headers;
  if (h['ce-specversion'] !== undefined) return [fromBinary(req, body)];
  const type = mediaType(str(h['content-type']));
  if (!isJsonMedia(type)) return undefined;
  let value: unknown = req.body;
  if (value === undefined || value instanceof Uint8Array || typeof value === 'string') {
    const text = body ? rawBodyText(body) : '';
    if (!text.trim()) return undefined;
    value = parseJson(text, 'the request body');
  }
  if (type === 'application/cloudevents-batch+json') {
    if (!Array.isArray(value)) throw new MalformedEventError('a CloudEvents batch must be a JSON array');
    return value.map((item, i) => {
      if (!isRecord(item)) throw new MalformedEventError(`batch item ${i} is not a JSON object`);
      return fromStructured(item);
    });
  }
  if (!isRecord(value)) return undefined;
  if (type === 'application/cloudevents+json' || 'specversion' in value) return [fromStructured(value)];
  if (isPushEnvelope(value)) return [fromPushEnvelope(value)];
  if (isLegacyEvent(value)) return [fromLegacy(value)];
  return undefined;
}
