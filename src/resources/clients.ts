import { validate, type StandardSchemaV1 } from '../onefn/schema.js';
import type { OutgoingMessage, ResourceDriver, ResourceLimits, SendOutcome } from './driver.js';
import { asProviderError, call, type DriverRef } from './driver-ref.js';
import { InvalidOutputOptionError, MessageTooLargeError, OutputValidationError, PartialBatchError, ProviderError, type ResourceError } from './errors.js';
import { utf8Length } from './keys.js';

/** Options of one queue send. Each is refused (typed, before any call) where the provider cannot honour it. */
export interface SendOptions {
  /** Seconds before the message can be received (SQS up to 900; Storage Queues up to 7 days; Pub/Sub cannot delay). */
  delaySeconds?: number;
  /** An ordering group: SQS MessageGroupId, Pub/Sub ordering key. Storage Queues cannot order. */
  groupId?: string;
  /** A deduplication id (SQS FIFO queues). */
  dedupeId?: string;
}

/** A queue, as a handler that declared `send` reaches it. */
export interface QueueClient<T> {
  readonly name: string;
  /** Sends one message; `id` is the provider's message id. */
  send(body: T, options?: SendOptions): Promise<{ readonly id: string }>;
  /**
   * Sends several messages, split into as few provider calls as its limits allow (SQS: 10 entries and
   * 256 KiB per call). Every body is checked before the first call. When some are refused, a
   * `PartialBatchError` says which were sent and which were not.
   */
  sendBatch(bodies: readonly T[], options?: Omit<SendOptions, 'dedupeId'>): Promise<{ readonly ids: readonly string[] }>;
}

export interface PublishOptions {
  /** String attributes (SNS message attributes, Pub/Sub attributes). At most 10, names of letters, digits, `_`, `-`, `.`. */
  attributes?: Readonly<Record<string, string>>;
}

/** A CloudEvent to publish; `id` defaults to a random UUID and `time` to now. */
export interface OutgoingCloudEvent<T> {
  type: string;
  source: string;
  data: T;
  subject?: string;
  id?: string;
  time?: Date;
}

/** A topic, as a handler that declared `publish` reaches it. */
export interface TopicClient<T> {
  readonly name: string;
  publish(body: T, options?: PublishOptions): Promise<{ readonly id: string }>;
  /**
   * Publishes a CloudEvent in binary content mode: `data` is the body, the context attributes travel
   * as `ce-` attributes (`ce-specversion`, `ce-type`, `ce-source`, `ce-id`, `ce-time`, `ce-subject`),
   * as the CloudEvents Pub/Sub binding has them.
   */
  publishEvent(event: OutgoingCloudEvent<T>): Promise<{ readonly id: string }>;
}

// ---------------------------------------------------------------------------------------------------

/**
 * The body checked against the schema and written as JSON. Synchronous when the schema answers
 * synchronously (zod, valibot...), so a send pays no extra turn of the event loop; a promise otherwise.
 */
function encodeBody(resource: string, schema: StandardSchemaV1 | undefined, body: unknown, index?: number): string | Promise<string> {
  if (schema) {
    let result: ReturnType<typeof validate>;
    try {
      result = validate(schema, 'body', body);
    } catch (error) {
      throw schemaThrew(resource, error, index);
    }
    if (result instanceof Promise) {
      return result.then(
        (r) => {
          check(resource, r, index);
          return jsonText(resource, body, index);
        },
        (error: unknown) => {
          throw schemaThrew(resource, error, index);
        },
      );
    }
    check(resource, result, index);
  }
  return jsonText(resource, body, index);
}

/** A validator that throws instead of answering with issues: still the body's fault, typed. */
function schemaThrew(resource: string, error: unknown, index: number | undefined): OutputValidationError {
  return new OutputValidationError(resource, [{ location: 'body', path: index === undefined ? [] : [index], message: `the schema threw: ${error instanceof Error ? error.message : 'an error'}` }]);
}

/** Throws the issues as a typed error. What passed is sent as given: the consumer validates (and transforms) it again. */
function check(resource: string, result: Awaited<ReturnType<typeof validate>>, index: number | undefined): void {
  if (!result.ok) {
    const issues = index === undefined ? result.issues : result.issues.map((i) => ({ ...i, path: [index, ...i.path] }));
    throw new OutputValidationError(resource, issues);
  }
}

function jsonText(resource: string, body: unknown, index: number | undefined): string {
  let text: string | undefined;
  try {
    text = JSON.stringify(body);
  } catch (error) {
    throw new OutputValidationError(resource, [{ location: 'body', path: index === undefined ? [] : [index], message: `the body cannot be written as JSON (${error instanceof Error ? error.message : 'unserializable'})` }]);
  }
  if (text === undefined) {
    throw new OutputValidationError(resource, [{ location: 'body', path: index === undefined ? [] : [index], message: 'the body must be a JSON value (got undefined or a function)' }]);
  }
  return text;
}

function messageSize(message: OutgoingMessage): number {
  let size = utf8Length(message.body);
  for (const [name, value] of Object.entries(message.attributes)) size += utf8Length(name) + utf8Length(value);
  return size;
}

const ID = /^[\x21-\x7e]{1,128}$/;

/** The limits a driver applies to one kind of resource. */
function limitsOf(driver: ResourceDriver, kind: 'queue' | 'topic'): ResourceLimits {
  return driver.limitsOf?.(kind) ?? driver.limits;
}

function checkSendOptions(resource: string, limits: ResourceLimits, options: SendOptions | undefined): Omit<OutgoingMessage, 'body' | 'attributes'> {
  if (options === undefined) return {};
  if (typeof options !== 'object' || options === null) throw new InvalidOutputOptionError(resource, 'options', 'must be an object');
  const out: { delaySeconds?: number; groupId?: string; dedupeId?: string } = {};
  for (const key of Object.keys(options)) {
    if (key !== 'delaySeconds' && key !== 'groupId' && key !== 'dedupeId') throw new InvalidOutputOptionError(resource, key, 'unknown option; known: delaySeconds, groupId, dedupeId');
  }
  const { delaySeconds, groupId, dedupeId } = options;
  if (delaySeconds !== undefined && delaySeconds !== 0) {
    const max = limits.maxDelaySeconds;
    if (max === 0) throw new InvalidOutputOptionError(resource, 'delaySeconds', 'this provider cannot delay a message');
    if (typeof delaySeconds !== 'number' || !Number.isInteger(delaySeconds) || delaySeconds < 0 || delaySeconds > max) {
      throw new InvalidOutputOptionError(resource, 'delaySeconds', `must be a whole number from 0 to ${max} on this provider`);
    }
    out.delaySeconds = delaySeconds;
  }
  if (groupId !== undefined) {
    if (!limits.groups) throw new InvalidOutputOptionError(resource, 'groupId', 'this provider cannot order messages by group');
    if (typeof groupId !== 'string' || !ID.test(groupId)) throw new InvalidOutputOptionError(resource, 'groupId', 'must be 1-128 printable ASCII characters');
    out.groupId = groupId;
  }
  if (dedupeId !== undefined) {
    if (!limits.dedupe) throw new InvalidOutputOptionError(resource, 'dedupeId', 'this provider cannot deduplicate messages');
    if (typeof dedupeId !== 'string' || !ID.test(dedupeId)) throw new InvalidOutputOptionError(resource, 'dedupeId', 'must be 1-128 printable ASCII characters');
    out.dedupeId = dedupeId;
  }
  return out;
}

// Attribute names every topic service takes (SNS: letters, digits, "_", "-", "."; up to 256) and every
// consumer receives as sent: not starting with a capital, and not `__proto__`, because @azure/functions
// hands a Service Bus message's application properties to the function through toCamelCaseValue, which
// lowercases each name's first letter and assigns `__proto__` away (the Node worker's triggerMetadata).
const ATTRIBUTE_NAME = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,255}$/;
const UNPORTABLE_ATTRIBUTE = /^(__proto__$|[A-Z])/;
const RESERVED_ATTRIBUTE = /^(aws\.|amazon\.|goog)/i;
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/;

function checkAttributes(resource: string, limits: ResourceLimits, attributes: unknown): Readonly<Record<string, string>> {
  if (attributes === undefined) return {};
  if (typeof attributes !== 'object' || attributes === null || Array.isArray(attributes)) throw new InvalidOutputOptionError(resource, 'attributes', 'must be an object of strings');
  const entries = Object.entries(attributes as Record<string, unknown>);
  if (entries.length > limits.attributes) throw new InvalidOutputOptionError(resource, 'attributes', `at most ${limits.attributes} on this provider, got ${entries.length}`);
  const out: Record<string, string> = Object.create(null) as Record<string, string>;
  for (const [name, value] of entries) {
    if (UNPORTABLE_ATTRIBUTE.test(name)) {
      throw new InvalidOutputOptionError(resource, 'attributes', `${JSON.stringify(name.slice(0, 80))} would not reach every consumer as sent (Azure Functions lowercases a first capital and drops "__proto__"): start it with a lowercase letter, a digit or "_"`);
    }
    if (!ATTRIBUTE_NAME.test(name) || RESERVED_ATTRIBUTE.test(name)) {
      throw new InvalidOutputOptionError(resource, 'attributes', `${JSON.stringify(name.slice(0, 80))} is not a valid attribute name (letters, digits, "_", "-", "."; not starting with aws., amazon. or goog)`);
    }
    if (typeof value !== 'string' || value.length === 0 || CONTROL.test(value)) {
      throw new InvalidOutputOptionError(resource, 'attributes', `${name} must be a non-empty string without control characters`);
    }
    out[name] = value;
  }
  return out;
}

function checkSize(resource: string, limits: ResourceLimits, message: OutgoingMessage, index?: number): number {
  const size = messageSize(message);
  if (size > limits.messageBytes) throw new MessageTooLargeError(resource, size, limits.messageBytes, index);
  return size;
}

/** One outcome per message, or a typed error; a driver answering a wrong count is a refusal, not a loss. */
function outcomesOf(resource: string, outcomes: readonly SendOutcome[], count: number): readonly SendOutcome[] {
  if (outcomes.length !== count) throw new ProviderError(resource, 'BadAnswer', `the provider answered ${outcomes.length} results for ${count} messages`);
  return outcomes;
}

/** A queue message's attributes: none, one frozen object for all (a send allocates no empty record). */
const NO_ATTRIBUTES: Readonly<Record<string, string>> = Object.freeze({});

function hasKeys(record: Readonly<Record<string, string>>): boolean {
  for (const _ in record) return true;
  return false;
}

type Send = ((driver: ResourceDriver, messages: readonly OutgoingMessage[]) => Promise<readonly SendOutcome[]>) & { readonly kind: 'queue' | 'topic' };

async function sendOne(resource: string, driver: ResourceDriver, send: Send, message: OutgoingMessage): Promise<{ id: string }> {
  const limits = limitsOf(driver, send.kind);
  // UTF-8 takes at most 3 bytes per UTF-16 unit: a body that fits at that rate needs no exact count.
  if (message.body.length * 3 > limits.messageBytes || hasKeys(message.attributes)) checkSize(resource, limits, message);
  let outcomes: readonly SendOutcome[];
  try {
    outcomes = await send(driver, [message]);
  } catch (error) {
    throw asProviderError(resource, error);
  }
  const outcome = outcomesOf(resource, outcomes, 1)[0];
  if (!outcome || !outcome.ok) throw new ProviderError(resource, outcome?.code ?? 'Unknown', outcome?.message ?? 'no result');
  return { id: outcome.id };
}

/** Splits checked messages into calls within the driver's limits, in order, and sends them one call after another. */
async function sendMany(resource: string, driver: ResourceDriver, send: Send, messages: readonly OutgoingMessage[]): Promise<{ ids: string[] }> {
  const limits = limitsOf(driver, send.kind);
  const sizes = messages.map((m, i) => checkSize(resource, limits, m, i));
  const { batchEntries, batchBytes } = limits;
  const chunks: number[][] = [];
  let current: number[] = [];
  let bytes = 0;
  for (let i = 0; i < messages.length; i++) {
    const size = sizes[i] as number;
    if (current.length && (current.length >= batchEntries || bytes + size > batchBytes)) {
      chunks.push(current);
      current = [];
      bytes = 0;
    }
    current.push(i);
    bytes += size;
  }
  if (current.length) chunks.push(current);
  const sent: Array<{ index: number; id: string }> = [];
  const failed: Array<{ index: number; error: ResourceError }> = [];
  for (const chunk of chunks) {
    try {
      const outcomes = outcomesOf(resource, await call(resource, () => send(driver, chunk.map((i) => messages[i] as OutgoingMessage))), chunk.length);
      chunk.forEach((index, j) => {
        const outcome = outcomes[j] as SendOutcome;
        if (outcome.ok) sent.push({ index, id: outcome.id });
        else failed.push({ index, error: new ProviderError(resource, outcome.code, outcome.message) });
      });
    } catch (error) {
      // The whole call was refused: none of its messages went, nor does any later one (order is kept).
      if (!sent.length && !failed.length) throw error;
      const typed = error as ResourceError;
      for (const later of chunks.slice(chunks.indexOf(chunk)).flat()) failed.push({ index: later, error: typed });
      break;
    }
  }
  if (failed.length) throw new PartialBatchError(resource, sent, failed);
  return { ids: sent.map((s) => s.id) };
}

export function queueClient<T>(name: string, schema: StandardSchemaV1 | undefined, ref: DriverRef): QueueClient<T> {
  const resource = `queue:${name}`;
  const send: Send = Object.assign((driver: ResourceDriver, messages: readonly OutgoingMessage[]) => driver.sendMessages(name, messages), { kind: 'queue' as const });
  return Object.freeze({
    name,
    async send(body: T, options?: SendOptions) {
      // Awaited only when they are promises: a sync schema and a created driver cost no promise turn.
      const encoded = encodeBody(resource, schema, body);
      const text = typeof encoded === 'string' ? encoded : await encoded;
      const got = ref.get(resource);
      const driver = got instanceof Promise ? await got : got;
      const message: OutgoingMessage = options === undefined ? { body: text, attributes: NO_ATTRIBUTES } : { body: text, attributes: NO_ATTRIBUTES, ...checkSendOptions(resource, limitsOf(driver, 'queue'), options) };
      return await sendOne(resource, driver, send, message);
    },
    async sendBatch(bodies: readonly T[], options?: Omit<SendOptions, 'dedupeId'>) {
      if (!Array.isArray(bodies)) throw new InvalidOutputOptionError(resource, 'bodies', 'must be an array');
      const texts: string[] = [];
      for (let i = 0; i < bodies.length; i++) texts.push(await encodeBody(resource, schema, bodies[i], i));
      if (texts.length === 0) return { ids: [] };
      const driver = await ref.get(resource);
      if (options && typeof options === 'object' && 'dedupeId' in options) throw new InvalidOutputOptionError(resource, 'dedupeId', 'give each message its own: send them one by one');
      const common = checkSendOptions(resource, limitsOf(driver, 'queue'), options);
      return sendMany(resource, driver, send, texts.map((body) => ({ body, attributes: NO_ATTRIBUTES, ...common })));
    },
  });
}

// https://github.com/cloudevents/spec/blob/main/cloudevents/spec.md: type and source are non-empty strings.
function checkEventField(resource: string, field: string, value: unknown, required: boolean): string | undefined {
  if (value === undefined && !required) return undefined;
  if (typeof value !== 'string' || !value || value.length > 1024 || CONTROL.test(value) || /[\r\n]/.test(value)) {
    throw new InvalidOutputOptionError(resource, field, 'must be a non-empty string of at most 1024 characters without control characters');
  }
  return value;
}

export function topicClient<T>(name: string, schema: StandardSchemaV1 | undefined, ref: DriverRef): TopicClient<T> {
  const resource = `topic:${name}`;
  const send: Send = Object.assign((driver: ResourceDriver, messages: readonly OutgoingMessage[]) => driver.publish(name, messages), { kind: 'topic' as const });
  return Object.freeze({
    name,
    async publish(body: T, options?: PublishOptions) {
      if (options !== undefined && (typeof options !== 'object' || options === null || Object.keys(options).some((k) => k !== 'attributes'))) {
        throw new InvalidOutputOptionError(resource, 'options', 'known options: attributes');
      }
      const encoded = encodeBody(resource, schema, body);
      const text = typeof encoded === 'string' ? encoded : await encoded;
      const got = ref.get(resource);
      const driver = got instanceof Promise ? await got : got;
      return await sendOne(resource, driver, send, { body: text, attributes: checkAttributes(resource, limitsOf(driver, 'topic'), options?.attributes) });
    },
    async publishEvent(event: OutgoingCloudEvent<T>) {
      if (typeof event !== 'object' || event === null) throw new InvalidOutputOptionError(resource, 'event', 'must be an object');
      const type = checkEventField(resource, 'type', event.type, true) as string;
      const source = checkEventField(resource, 'source', event.source, true) as string;
      const subject = checkEventField(resource, 'subject', event.subject, false);
      const id = checkEventField(resource, 'id', event.id, false) ?? crypto.randomUUID();
      const time = event.time ?? new Date();
      if (!(time instanceof Date) || Number.isNaN(time.getTime())) throw new InvalidOutputOptionError(resource, 'time', 'must be a valid Date');
      const text = await encodeBody(resource, schema, event.data);
      const attributes: Record<string, string> = {
        'ce-specversion': '1.0', 'ce-type': type, 'ce-source': source, 'ce-id': id, 'ce-time': time.toISOString(),
        'ce-datacontenttype': 'application/json',
      };
      if (subject !== undefined) attributes['ce-subject'] = subject;
      const driver = await ref.get(resource);
      return sendOne(resource, driver, send, { body: text, attributes: checkAttributes(resource, limitsOf(driver, 'topic'), attributes) });
    },
  });
}
