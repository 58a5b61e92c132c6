import type { InvocationContext } from '@azure/functions';
import { MalformedEventError, type Message } from 'onefn';
import { createMessage, inputRecord, type RawBody } from 'onefn/runtime';

type Metadata = Readonly<Record<string, unknown>>;

/**
 * The message body as the trigger delivered it. The library has already JSON-parsed string payloads
 * (its `fromRpcTypedData` tries JSON.parse on every string), so objects, numbers and booleans are
 * turned back into their JSON text; text that was not JSON arrives as it was sent, and binary
 * payloads arrive as a Buffer. Storage queue bodies were base64-decoded by the host already
 * (host.json `extensions.queues.messageEncoding`, default base64).
 */
export function messageBody(input: unknown): RawBody {
  if (typeof input === 'string') return { data: input };
  if (input instanceof Uint8Array) return { data: input };
  if (input === undefined) throw new MalformedEventError('the trigger delivered no message');
  const text = JSON.stringify(input);
  if (text === undefined) throw new MalformedEventError(`a message body cannot be ${typeof input}`);
  return { data: text };
}

function str(meta: Metadata, key: string): string | undefined {
  const v = meta[key];
  return typeof v === 'string' && v ? v : typeof v === 'number' ? String(v) : undefined;
}

function count(meta: Metadata, key: string): number | undefined {
  const v = meta[key];
  const n = typeof v === 'number' ? v : typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : undefined;
  return n !== undefined && Number.isInteger(n) && n >= 1 ? n : undefined;
}

function time(meta: Metadata, key: string): string | Date | undefined {
  const v = meta[key];
  if (v instanceof Date) return v;
  return typeof v === 'string' && v ? v : undefined;
}

/** Property names are the sender's: the record is prototype-free (see onefn's record.ts). */
function stringRecord(value: unknown): Record<string, string> {
  const out = inputRecord<string>();
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return out;
  for (const [k, v] of Object.entries(value)) {
    if (v === null || v === undefined) continue;
    out[k] = typeof v === 'string' ? v : typeof v === 'object' ? JSON.stringify(v) : String(v);
  }
  return out;
}

/**
 * A Storage queue message: id, dequeue count (the attempt) and insertion time from the trigger
 * metadata. Without an id the message cannot be traced or retried meaningfully, so it is refused.
 */
export function fromStorageQueue(input: unknown, context: InvocationContext, queueName: string): Message {
  const meta: Metadata = context.triggerMetadata ?? {};
  const id = str(meta, 'id');
  if (!id) throw new MalformedEventError('a Storage queue message without an id in its trigger metadata');
  return createMessage({
    id,
    body: messageBody(input),
    attempt: count(meta, 'dequeueCount'),
    publishedAt: time(meta, 'insertionTime'),
    source: queueName,
    native: { provider: 'azure', event: input, context },
  });
}

/**
 * A Service Bus message: messageId, deliveryCount, enqueuedTimeUtc, sessionId as the ordering key, and
 * the application properties (plus correlationId, contentType and subject when set) as attributes.
 */
export function fromServiceBus(input: unknown, context: InvocationContext, entity: string): Message {
  const meta: Metadata = context.triggerMetadata ?? {};
  const id = str(meta, 'messageId');
  if (!id) throw new MalformedEventError('a Service Bus message without a messageId in its trigger metadata');
  const attributes = stringRecord(meta['applicationProperties'] ?? meta['userProperties']);
  for (const key of ['correlationId', 'contentType', 'subject', 'label', 'replyTo', 'to']) {
    const v = str(meta, key);
    if (v && !Object.hasOwn(attributes, key)) attributes[key] = v;
  }
  return createMessage({
    id,
    body: messageBody(input),
    attributes,
    attempt: count(meta, 'deliveryCount'),
    publishedAt: time(meta, 'enqueuedTimeUtc'),
    source: entity,
    orderingKey: str(meta, 'sessionId'),
    native: { provider: 'azure', event: input, context },
  });
}
