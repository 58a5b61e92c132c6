import { rawBodyBytes, rawBodyText, type Base64Refusal, type RawBody } from './bytes.js';
import { localNative, type Native } from './context.js';
import { MalformedEventError } from './errors.js';
import { jsonSyntaxDetail } from './json-syntax.js';
import { EMPTY_RECORD } from './record.js';
import { toDate } from './time.js';

const UNSET = Symbol('unset');

// ---------------------------------------------------------------------------------------------------
// Messages: one queue or topic message. SQS hands a batch, Azure one per invocation, Pub/Sub one per
// push; a handler always sees one, and the pipeline reports an outcome per message.

export interface MessageInit {
  id: string;
  /** The payload as delivered; `base64: true` when the provider base64-encodes it (Pub/Sub). */
  body: RawBody;
  /** The attributes, or a function that reads them off the native event when first asked for. */
  attributes?: Readonly<Record<string, string>> | ((from: unknown) => Readonly<Record<string, string>>);
  /** 1 for the first delivery; or a function reading it off the native event when first asked for. */
  attempt?: number | ((from: unknown) => number | undefined);
  /** Or a function reading it when first asked for (an unreadable time then gives undefined). */
  publishedAt?: Date | string | number | ((from: unknown) => Date | string | number | undefined);
  /**
   * What the reading functions above are called with: the native record, say. An adapter can then pass
   * the same functions for every message of a batch instead of making closures for each message.
   */
  readFrom?: unknown;
  /** The queue or topic the message came from. */
  source?: string;
  orderingKey?: string;
  native?: Native;
}

/**
 * One queue or topic message.
 *
 * @example
 * defineQueue({ queue: 'orders', schema: Order, handler: async (msg, ctx) => {
 *   ctx.log.info('order', { id: msg.body.id, attempt: msg.attempt })
 * } })
 */
export interface Message<Body = unknown> {
  readonly id: string;
  /** The schema's output; without a schema, the parsed JSON, or the text if it is not JSON. */
  readonly body: Body;
  bytes(): Uint8Array;
  text(): string;
  /** The payload parsed as JSON; throws a MalformedEventError when it is not JSON. */
  json(): unknown;
  readonly attributes: Readonly<Record<string, string>>;
  /** 1 for the first delivery, 2 for the first retry, ... */
  readonly attempt: number;
  readonly publishedAt: Date | undefined;
  readonly source: string | undefined;
  readonly orderingKey: string | undefined;
  readonly native: Native;
}

const NO_ATTRIBUTES: Readonly<Record<string, string>> = EMPTY_RECORD;
const refuseBody: Base64Refusal = () => new MalformedEventError('the message body is not valid base64');

export class PortableMessage implements Message<unknown> {
  readonly id: string;
  readonly source: string | undefined;
  readonly orderingKey: string | undefined;
  readonly native: Native;
  private readonly raw: RawBody;
  private publishedRaw: Date | string | number | ((from: unknown) => Date | string | number | undefined) | undefined;
  private attemptValue: number | ((from: unknown) => number | undefined);
  private attributesValue: Readonly<Record<string, string>> | ((from: unknown) => Readonly<Record<string, string>>);
  private readonly readFrom: unknown;
  private publishedValue: Date | undefined;
  private bodyValue: unknown = UNSET;
  private textValue: string | undefined;

  constructor(init: MessageInit) {
    this.id = init.id;
    this.raw = init.body;
    this.attributesValue = init.attributes ?? NO_ATTRIBUTES;
    this.attemptValue = init.attempt ?? 1;
    this.readFrom = init.readFrom;
    // Checked now, so a bad time is a malformed event; made a Date only when read (most handlers never do).
    const published = init.publishedAt;
    if (typeof published === 'function') this.publishedRaw = published;
    else if (typeof published === 'number') {
      if (!Number.isFinite(published)) throw new MalformedEventError('publishedAt is not a valid time');
      this.publishedRaw = published;
    } else this.publishedValue = toDate(published, 'publishedAt');
    this.source = init.source;
    this.orderingKey = init.orderingKey || undefined;
    this.native = init.native ?? localNative(init);
  }

  get attributes(): Readonly<Record<string, string>> {
    const value = this.attributesValue;
    if (typeof value !== 'function') return value;
    return (this.attributesValue = value(this.readFrom));
  }

  get attempt(): number {
    const value = this.attemptValue;
    if (typeof value === 'number') return value;
    const read = value(this.readFrom);
    return (this.attemptValue = typeof read === 'number' && Number.isInteger(read) && read > 0 ? read : 1);
  }

  get publishedAt(): Date | undefined {
    const raw = this.publishedRaw;
    if (raw !== undefined) {
      this.publishedRaw = undefined;
      const value = typeof raw === 'function' ? raw(this.readFrom) : raw;
      const date = value === undefined ? undefined : value instanceof Date ? value : new Date(value);
      this.publishedValue = date && !Number.isNaN(date.getTime()) ? date : undefined;
    }
    return this.publishedValue;
  }

  get body(): unknown {
    if (this.bodyValue !== UNSET) return this.bodyValue;
    const text = this.text();
    try {
      return (this.bodyValue = JSON.parse(text));
    } catch {
      return (this.bodyValue = text);
    }
  }
  set body(value: unknown) {
    this.bodyValue = value;
  }

  bytes(): Uint8Array {
    return rawBodyBytes(this.raw, refuseBody);
  }
  text(): string {
    return (this.textValue ??= rawBodyText(this.raw, refuseBody));
  }
  json(): unknown {
    const text = this.text();
    try {
      return JSON.parse(text);
    } catch (error) {
      throw new MalformedEventError(`message ${this.id}: the body is ${jsonSyntaxDetail(error)}`, { cause: error });
    }
  }
}

/** Makes a portable message from what an adapter read off its provider's event. */
export function createMessage(init: MessageInit): PortableMessage {
  return new PortableMessage(init);
}
