import { MalformedEventError, type Message, type Native } from 'onefn';
import { createMessage, decodeBase64, inputRecord } from 'onefn/runtime';
import type { Delivery } from './from-delivery.js';

/** The Pub/Sub message inside a messagePublished event (Eventarc `data`, or the push envelope). */
export interface PubsubMessageData {
  readonly id: string;
  /** `message.data`, decoded (strictly) from base64. */
  readonly data: Uint8Array;
  readonly attributes: Record<string, string>;
  readonly publishTime: string | undefined;
  readonly orderingKey: string | undefined;
  readonly deliveryAttempt: number | undefined;
  readonly subscription: string | undefined;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function jsonData(delivery: Delivery): unknown {
  const { data } = delivery;
  if (data instanceof Uint8Array || typeof data === 'string') {
    const text = typeof data === 'string' ? data : Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString('utf8');
    try {
      return JSON.parse(text);
    } catch {
      throw new MalformedEventError(`${delivery.type} event ${delivery.id} does not carry JSON data`);
    }
  }
  return data;
}

/**
 * Reads the message: `message.data` is base64 (absent for an attributes-only message),
 * `messageId`/`publishTime` (push envelopes also spell them `message_id`/`publish_time`),
 * `attributes`, `orderingKey`, and `deliveryAttempt`, which Pub/Sub sets only when the subscription
 * has a dead-letter policy (https://cloud.google.com/pubsub/docs/push#receive_push).
 */
export function pubsubMessageOf(delivery: Delivery): PubsubMessageData {
  const data = jsonData(delivery);
  const message = isRecord(data) ? data['message'] : undefined;
  if (!isRecord(data) || !isRecord(message)) throw new MalformedEventError(`${delivery.type} event ${delivery.id} without a "message" object`);
  const encoded = message['data'] ?? '';
  // Decoded now, strictly: a lenient decoder would hand the handler other bytes than were published.
  const body = typeof encoded === 'string' ? decodeBase64(encoded) : undefined;
  if (!body) throw new MalformedEventError('Pub/Sub "message.data" is not valid base64');
  // Attribute names are the publisher's: prototype-free (see onefn's record.ts).
  const attributes = inputRecord<string>();
  if (isRecord(message['attributes'])) {
    for (const [k, v] of Object.entries(message['attributes'])) if (typeof v === 'string') attributes[k] = v;
  }
  const str = (v: unknown): string | undefined => (typeof v === 'string' && v ? v : undefined);
  const attempt = data['deliveryAttempt'] ?? message['deliveryAttempt'];
  return {
    id: str(message['messageId']) ?? str(message['message_id']) ?? delivery.id,
    data: body,
    attributes,
    publishTime: str(message['publishTime']) ?? str(message['publish_time']) ?? delivery.time,
    orderingKey: str(message['orderingKey']) ?? str(message['ordering_key']),
    deliveryAttempt: typeof attempt === 'number' && Number.isInteger(attempt) && attempt > 0 ? attempt : undefined,
    subscription: str(data['subscription']),
  };
}

/** The topic's name from the event source (`//pubsub.googleapis.com/projects/P/topics/T`). */
function topicOf(source: string, subscription: string | undefined): string | undefined {
  const m = /\/topics\/([^/]+)$/.exec(source);
  return m?.[1] ?? subscription;
}

/** A portable message from a messagePublished event, however it was delivered. */
export function messageFromDelivery(delivery: Delivery, native: Native): Message {
  const m = pubsubMessageOf(delivery);
  return createMessage({
    id: m.id,
    body: { data: m.data },
    attributes: m.attributes,
    attempt: m.deliveryAttempt ?? 1,
    publishedAt: m.publishTime,
    source: topicOf(delivery.source, m.subscription),
    orderingKey: m.orderingKey,
    native,
  });
}
