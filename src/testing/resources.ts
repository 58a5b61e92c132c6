import { utf8Bytes, utf8Text } from '../onefn/bytes.js';
import { createContext } from '../onefn/context.js';
import { type Definition, type EventDefinition, isDefinition } from '../onefn/definition.js';
import { createCloudEvent, createMessage, createStorageEvent, type CloudEvent, type Message, type StorageEvent } from '../onefn/events.js';
import type { LogEntry, LogLevel } from '../onefn/logger.js';
import { collectDefinitions } from '../runtime/plan.js';
import { runEvents } from '../runtime/run-events.js';
import { refusal } from '../runtime/serves.js';
import type { ObjectInfo, ResourceDriverSource, ResourceLimits } from '../resources/driver.js';
import type { BucketHandle, QueueHandle, TopicHandle } from '../resources/handles.js';
import { checkKey } from '../resources/keys.js';
import { MemoryDriver, type ObjectChange, type Refusal, type SentMessage, sourceOf } from '../resources/memory.js';

export type { SentMessage, Refusal, ObjectChange } from '../resources/memory.js';

export interface MemoryResourcesOptions {
  /** The limits to check against. Default: `PORTABLE_LIMITS` (what every provider accepts). */
  limits?: ResourceLimits;
  /** Objects per listing page. Default 1000. */
  pageSize?: number;
}

/** One run of one function on one item by `deliver`. */
export interface Delivery {
  /** The function's name: its `name` setting or its export name. */
  readonly function: string;
  /** The item's id: a message id, or an object change's. */
  readonly id: string;
  readonly attempt: number;
  readonly status: 'ok' | 'skipped' | 'failed';
  readonly error?: unknown;
}

/** What `deliver` did: every run, the items that failed every attempt, and the items nothing in the module consumes. */
export interface DeliveryReport {
  readonly deliveries: readonly Delivery[];
  /** Items that failed `maxAttempts` times: on a cloud they would now go to a dead-letter queue or poison queue. */
  readonly failed: ReadonlyArray<{ readonly function: string; readonly id: string; readonly attempts: number; readonly error: unknown }>;
  /** Items sent to a queue, topic or bucket no definition of the module consumes (left for another module). */
  readonly unconsumed: ReadonlyArray<{ readonly resource: string; readonly id: string }>;
  /** Items still pending when `maxRounds` ran out (a consumer that feeds itself forever). */
  readonly pending: number;
  /** True when nothing failed and nothing is left pending. */
  readonly ok: boolean;
  readonly logs: { readonly entries: readonly LogEntry[]; messages(level?: LogLevel): string[] };
}

export interface DeliverOptions {
  /** Attempts per item before it counts as failed (dead-lettered). Default 3. */
  maxAttempts?: number;
  /** Rounds of delivery (each delivers what the round before produced). Default 100. */
  maxRounds?: number;
}

type NameOf = string | { readonly name: string };
const nameOf = (value: NameOf): string => (typeof value === 'string' ? value : value.name);

/**
 * In-memory queues, topics and buckets for tests: what handlers sent and stored, objects pre-loaded,
 * provider refusals played back, and `deliver`, which runs the module's own consumers on everything
 * pending, as the cloud would (retries included).
 */
export interface MemoryResources {
  /** Pass to `invoke(def, input, { resources })` or `createContext({ resources: mem.source })`. */
  readonly source: ResourceDriverSource;
  /** The messages sent to a queue, oldest first. */
  sent(queue: NameOf | QueueHandle): readonly SentMessage[];
  /** The messages published to a topic, oldest first. */
  published(topic: NameOf | TopicHandle): readonly SentMessage[];
  /** A stored object, or undefined. */
  object(bucket: NameOf | BucketHandle, key: string): (ObjectInfo & { bytes(): Uint8Array; text(): string; json(): unknown }) | undefined;
  /** The keys in a bucket, sorted. */
  keys(bucket: NameOf | BucketHandle): string[];
  /** Stores an object without running any storage handler (it was there before the test). */
  preload(bucket: NameOf | BucketHandle, key: string, data: string | Uint8Array, options?: { contentType?: string }): void;
  /** The next call to this resource fails with this provider code and message, as a `ProviderError`. */
  refuseNext(resource: QueueHandle | TopicHandle | BucketHandle, refusal: Refusal): void;
  /** Runs the module's consumers on every pending message and object change, until none is left. */
  deliver(module: Readonly<Record<string, unknown>> | readonly Definition[], options?: DeliverOptions): Promise<DeliveryReport>;
}

/** A function of the module that consumes queues, topics, buckets or CloudEvents. */
export type Consumer = { name: string; definition: EventDefinition };
/** One message or object change waiting for delivery. */
export type Pending = MemoryDriver['pending'][number];

function consumersOf(module: Readonly<Record<string, unknown>> | readonly Definition[]): Consumer[] {
  const found = Array.isArray(module)
    ? (module as readonly Definition[]).filter(isDefinition).map((definition, i) => ({ exportName: `definition${i}`, definition }))
    : collectDefinitions(module as Readonly<Record<string, unknown>>);
  return found
    .filter((d): d is { exportName: string; definition: EventDefinition } => d.definition.kind !== 'http')
    .map((d) => ({ name: d.definition.settings.name ?? d.exportName, definition: d.definition }));
}

function cloudEventOf(name: string, message: SentMessage): CloudEvent | undefined {
  const a = message.attributes;
  if (a['ce-specversion'] === undefined || !a['ce-type'] || !a['ce-source'] || !a['ce-id']) return undefined;
  return createCloudEvent({
    id: a['ce-id'], source: a['ce-source'], type: a['ce-type'], subject: a['ce-subject'], time: a['ce-time'],
    datacontenttype: a['ce-datacontenttype'], data: message.body, extensions: { topic: name },
  });
}

function messageOf(kind: 'queue' | 'topic', name: string, message: SentMessage, attempt: number): Message {
  return createMessage({
    id: message.id, body: { data: message.text }, attributes: message.attributes, attempt, source: name,
    ...(message.groupId === undefined ? {} : { orderingKey: message.groupId }),
    native: { provider: 'local', event: { kind, name, message }, context: undefined },
  });
}

function storageEventOf(change: ObjectChange): StorageEvent {
  return createStorageEvent({
    bucket: change.bucket, key: change.key, change: change.change, size: change.info.size,
    ...(change.info.etag === undefined ? {} : { etag: change.info.etag }),
    ...(change.info.contentType === undefined ? {} : { contentType: change.info.contentType }),
  });
}

/**
 * Which consumers an item goes to, and the input each receives on a given attempt (shared with
 * `onefn dev`, which delivers its local resources the same way).
 */
export function routes(consumers: readonly Consumer[], item: Pending): Array<{ consumer: Consumer; input: (attempt: number) => Message | StorageEvent | CloudEvent }> {
  if (item.kind === 'storage') {
    const event = storageEventOf(item.change);
    return consumers.filter((c) => c.definition.kind === 'storage' && c.definition.trigger.bucket === item.change.bucket).map((consumer) => ({ consumer, input: () => event }));
  }
  const { name, message } = item;
  const listening = consumers.filter((c) => c.definition.kind === 'message' && c.definition.trigger.type === item.kind && c.definition.trigger.name === name);
  // A queue's consumers compete for each message; a topic's subscribers each get every message.
  const out = (item.kind === 'queue' ? listening.slice(0, 1) : listening).map((consumer) => ({ consumer, input: (attempt: number) => messageOf(item.kind, name, message, attempt) as Message | StorageEvent | CloudEvent }));
  if (item.kind === 'topic') {
    const event = cloudEventOf(name, message);
    if (event) {
      for (const consumer of consumers) {
        // One bound to another topic (`defineCloudEvent({ topic })`) is subscribed to that one only.
        const bound = consumer.definition.kind === 'cloudevent' ? consumer.definition.trigger.topic : undefined;
        if (consumer.definition.kind === 'cloudevent' && (bound === undefined || bound === name) && !refusal(consumer.definition, event)) out.push({ consumer, input: () => event });
      }
    }
  }
  return out;
}

/** The resource an item belongs to and its id, for reports. */
export function idOf(item: Pending): { resource: string; id: string } {
  if (item.kind === 'storage') return { resource: `bucket:${item.change.bucket}`, id: `${item.change.change}:${item.change.key}` };
  return { resource: `${item.kind}:${item.name}`, id: item.message.id };
}

/**
 * In-memory resources for tests, checked against the portable limits (or the `limits` given).
 *
 * @example
 * const mem = memoryResources()
 * const res = await invoke(createOrder, httpRequest({ method: 'POST', path: '/orders', json: { id: 'o-1' } }), { resources: mem })
 * expect(mem.sent(orders)).toHaveLength(1)
 * const report = await mem.deliver(app)   // runs the orders consumer, then what it stored, ...
 * expect(report.ok).toBe(true)
 */
export function memoryResources(options: MemoryResourcesOptions = {}): MemoryResources {
  const driver = new MemoryDriver(options);
  const source = sourceOf(driver);
  return {
    source,
    sent: (queue) => driver.sent(nameOf(queue)),
    published: (topic) => driver.published(nameOf(topic)),
    object(bucket, key) {
      const stored = driver.stored(nameOf(bucket), key);
      if (!stored) return undefined;
      const { bytes, ...info } = stored;
      return { ...info, bytes: () => new Uint8Array(bytes), text: () => utf8Text(bytes), json: () => JSON.parse(utf8Text(bytes)) as unknown };
    },
    keys: (bucket) => driver.keys(nameOf(bucket)),
    preload(bucket, key, data, opts) {
      const name = nameOf(bucket);
      checkKey(`bucket:${name}`, key);
      const bytes = typeof data === 'string' ? utf8Bytes(data) : data;
      driver.store(name, key, bytes, opts?.contentType ?? (typeof data === 'string' ? 'text/plain; charset=utf-8' : 'application/octet-stream'), false);
    },
    refuseNext(resource, refusal) {
      driver.refuseNext(`${resource.kind}:${resource.name}`, refusal);
    },
    async deliver(module, opts = {}) {
      const maxAttempts = opts.maxAttempts ?? 3;
      const maxRounds = opts.maxRounds ?? 100;
      const consumers = consumersOf(module);
      const entries: LogEntry[] = [];
      const deliveries: Delivery[] = [];
      const failed: Array<{ function: string; id: string; attempts: number; error: unknown }> = [];
      const unconsumed: Array<{ resource: string; id: string }> = [];
      for (let round = 0; round < maxRounds && driver.pending.length; round++) {
        for (const item of driver.pending.splice(0)) {
          const targets = routes(consumers, item);
          if (!targets.length) unconsumed.push(idOf(item));
          for (const { consumer, input } of targets) {
            for (let attempt = 1; attempt <= maxAttempts; attempt++) {
              const value = input(attempt);
              const ctx = createContext({ functionName: consumer.name, env: {}, resources: source, logSink: (entry) => void entries.push(entry) });
              const result = await runEvents(consumer.definition, [value], ctx);
              const outcome = result.outcomes[0];
              const status = outcome?.status ?? 'failed';
              const error = outcome?.status === 'failed' ? outcome.error : undefined;
              deliveries.push({ function: consumer.name, id: value.id, attempt, status, ...(error === undefined ? {} : { error }) });
              if (status !== 'failed') break;
              if (attempt === maxAttempts) failed.push({ function: consumer.name, id: value.id, attempts: attempt, error });
            }
          }
        }
      }
      const pending = driver.pending.length;
      return {
        deliveries, failed, unconsumed, pending, ok: failed.length === 0 && pending === 0,
        logs: { entries, messages: (level) => entries.filter((e) => !level || e.level === level).map((e) => e.message) },
      };
    },
  };
}
