import {
  type CloudEventDefinition, type CloudEventTrigger, type CorsOptions, type FunctionSettings, type HttpDefinition,
  type HttpTrigger, type MessageDefinition, type MessageTrigger, type ScheduleDefinition, type ScheduleTrigger,
  type StorageDefinition, type StorageTrigger,
} from './definition.js';
import { DefinitionError } from './errors.js';
import { type CloudEvent, type Message, type ScheduleEvent, STORAGE_CHANGES, type StorageChange, type StorageEvent } from './events.js';
import type { HttpMethod, HttpRequest, QueryRecord } from './http.js';
import {
  checkBoolean, checkCors, checkInt, checkKeys, checkMethods, checkName, checkSchema, commonOf,
} from './options.js';
import type { BucketHandle, ContextWith, QueueHandle, TopicHandle, Uses } from '../resources/handles.js';
import type { HttpHandlerResult } from './response.js';
import { compileRoute, type RouteParams } from './route.js';
import { parseSchedule } from './schedule.js';
import type { OutputOf, StandardSchemaV1 } from './schema.js';

type Sch = StandardSchemaV1 | undefined;
/** No declared uses: the handler's context is the plain `Context`. */
type NoUses = Record<never, never>;

/** What every definition may declare besides its settings: the resources its handler uses. */
export interface UsesOption<U extends Uses> {
  /**
   * The queues, topics and buckets the handler uses, and how: `{ orders: orders.send, reports:
   * reports.allow('read', 'write') }`. The handler reaches exactly these, as `ctx.resources.<name>`;
   * deploy grants exactly these actions on exactly these resources.
   */
  uses?: U;
}

/** A handle given as a trigger, or a name: the handle's name, and its schema unless the definition has its own. */
function triggerOf(kind: 'queue' | 'topic' | 'bucket', value: unknown, schema: unknown): { name: string; schema: StandardSchemaV1 | undefined } {
  if (typeof value === 'object' && value !== null) {
    const handle = value as { '~onefn'?: unknown; kind?: unknown; name?: unknown; schema?: StandardSchemaV1 };
    if (typeof __ONEFN_CHECKED__ === 'undefined') {
      if (handle['~onefn'] !== 'resource' || handle.kind !== kind) throw new DefinitionError(kind, `must be a name or a ${kind} handle made by ${kind}()`);
      if (schema !== undefined && handle.schema !== undefined) throw new DefinitionError('schema', `the ${kind} handle already has a schema; give it in one place`);
    }
    return { name: handle.name as string, schema: checkSchema('schema', schema) ?? handle.schema };
  }
  return { name: checkName(kind, value), schema: checkSchema('schema', schema) };
}

// Guards checks that deploy bundles leave out; see options.ts.
declare const __ONEFN_CHECKED__: true | undefined;
declare const __ONEFN_STREAMS__: boolean | undefined;

/** The request a handler receives, typed from the definition's route and schemas. */
export type RequestOf<R extends string, B extends Sch, Q extends Sch, P extends Sch, H extends Sch> = HttpRequest<
  OutputOf<B, unknown>,
  OutputOf<Q, QueryRecord>,
  OutputOf<P, RouteParams<R>>,
  OutputOf<H, undefined>
>;

export interface HttpOptions<R extends string, B extends Sch, Q extends Sch, P extends Sch, H extends Sch, U extends Uses = NoUses> extends FunctionSettings, UsesOption<U> {
  /** One method or several. Default: every method. */
  method?: HttpMethod | readonly HttpMethod[];
  /** A path pattern: literals, `:param` segments and a final `*`. Default: every path. */
  route?: R;
  /** Validates the JSON (or form) body. */
  body?: B;
  query?: Q;
  params?: P;
  /** Validates the headers, as an object of lower-case names to values. */
  headers?: H;
  /** Callable without credentials. Default false: the deploy helpers require the provider's auth. */
  public?: boolean;
  cors?: boolean | CorsOptions;
  /** Bytes. Default 1 MiB. */
  bodyLimit?: number;
  standalone?: boolean;
  /**
   * Streams its answers: set it on a definition that returns a streamed body (`stream()`, `sse()`, a
   * ReadableStream or an async iterable), so that the deploy helpers set up the provider for it. On
   * AWS only a Function URL streams (API Gateway gets the body buffered); see the README's limits.
   */
  stream?: boolean;
  handler: (req: RequestOf<R, B, Q, P, H>, ctx: ContextWith<U>) => HttpHandlerResult | Promise<HttpHandlerResult>;
}

// ---------------------------------------------------------------------------------------------------
// define*

// Besides the settings every definition takes (checkKeys adds those). The calls sit behind the
// build-time guard themselves, so that a deploy bundle, which folds the checks away, drops the list too.
const HTTP_KEYS = ['method', 'route', 'body', 'query', 'params', 'headers', 'public', 'cors', 'bodyLimit', 'standalone', 'stream', 'handler', 'uses'];

/** Default body limit: 1 MiB. */
export const DEFAULT_BODY_LIMIT = 1024 * 1024;

/**
 * Defines an HTTP function. Several HTTP definitions exported by one module deploy as one function
 * that routes by method and path (unless `standalone`).
 *
 * @example
 * export const getUser = defineHttp({
 *   method: 'GET',
 *   route: '/users/:id',
 *   handler: async (req) => json({ id: req.params.id }),
 * })
 *
 * export const createUser = defineHttp({
 *   method: 'POST',
 *   route: '/users',
 *   body: z.object({ name: z.string().min(1) }),
 *   handler: async (req) => json({ name: req.body.name }, { status: 201 }),
 * })
 */
export function defineHttp<
  const R extends string = string,
  B extends Sch = undefined,
  Q extends Sch = undefined,
  P extends Sch = undefined,
  H extends Sch = undefined,
  const U extends Uses = NoUses,
>(options: HttpOptions<R, B, Q, P, H, U>): HttpDefinition<RequestOf<R, B, Q, P, H>> {
  if (typeof __ONEFN_CHECKED__ === 'undefined') checkKeys(options, HTTP_KEYS, 'defineHttp');
  const route = options.route === undefined ? undefined : compileRoute(options.route);
  if (typeof __ONEFN_CHECKED__ === 'undefined') checkInt('bodyLimit', options.bodyLimit, 0, 1024 * 1024 * 1024);
  const params = checkSchema('params', options.params);
  if (typeof __ONEFN_CHECKED__ === 'undefined' && params && !route) throw new DefinitionError('params', 'a params schema needs a route with :parameters');
  const trigger: HttpTrigger = Object.freeze({
    type: 'http',
    methods: checkMethods(options.method),
    route,
    schemas: Object.freeze({
      body: checkSchema('body', options.body),
      query: checkSchema('query', options.query),
      params,
      headers: checkSchema('headers', options.headers),
    }),
    public: checkBoolean('public', options.public),
    cors: checkCors(options.cors),
    bodyLimit: options.bodyLimit ?? DEFAULT_BODY_LIMIT,
    standalone: checkBoolean('standalone', options.standalone),
    stream: checkBoolean('stream', options.stream),
  });
  return Object.freeze({
    '~onefn': 'definition', kind: 'http', trigger, ...commonOf<HttpDefinition<RequestOf<R, B, Q, P, H>>['handler']>(options),
  });
}

/** The schema a consumer reads: its own, or its handle's. */
type Either<S extends Sch, H extends Sch> = S extends StandardSchemaV1 ? S : H;

export interface QueueOptions<S extends Sch, H extends Sch = undefined, U extends Uses = NoUses> extends FunctionSettings, UsesOption<U> {
  /** The queue's name, or its handle (made by `queue()`), whose schema then types the messages. */
  queue: string | QueueHandle<H>;
  schema?: S;
  /** Keep order within a batch (FIFO queues): a failure fails every later message too. */
  ordered?: boolean;
  handler: (message: Message<OutputOf<Either<S, H>, unknown>>, ctx: ContextWith<U>) => void | Promise<void>;
}

/**
 * Defines a queue consumer (SQS, Storage Queues, Service Bus queues, Pub/Sub subscriptions). The
 * handler sees one message; a throw or a payload that fails the schema fails that message only.
 *
 * @example
 * export const orders = defineQueue({
 *   queue: 'orders',
 *   schema: z.object({ id: z.string(), total: z.number() }),
 *   handler: async (msg, ctx) => ctx.log.info('order', { id: msg.body.id }),
 * })
 */
export function defineQueue<S extends Sch = undefined, H extends Sch = undefined, const U extends Uses = NoUses>(
  options: QueueOptions<S, H, U>,
): MessageDefinition<Message<OutputOf<Either<S, H>, unknown>>> {
  if (typeof __ONEFN_CHECKED__ === 'undefined') checkKeys(options, ['queue', 'schema', 'ordered', 'handler', 'uses'], 'defineQueue');
  const trigger: MessageTrigger = Object.freeze({
    type: 'queue',
    ...triggerOf('queue', options.queue, options.schema),
    ordered: checkBoolean('ordered', options.ordered),
  });
  return Object.freeze({
    '~onefn': 'definition', kind: 'message', trigger, ...commonOf<MessageDefinition<Message<OutputOf<Either<S, H>, unknown>>>['handler']>(options),
  });
}

export interface TopicOptions<S extends Sch, H extends Sch = undefined, U extends Uses = NoUses> extends FunctionSettings, UsesOption<U> {
  /** The topic's name, or its handle (made by `topic()`), whose schema then types the messages. */
  topic: string | TopicHandle<H>;
  schema?: S;
  handler: (message: Message<OutputOf<Either<S, H>, unknown>>, ctx: ContextWith<U>) => void | Promise<void>;
}

/**
 * Defines a topic subscriber (SNS, Pub/Sub, Service Bus topics).
 *
 * @example
 * export const audit = defineTopic({ topic: 'events', handler: async (msg) => console.log(msg.body) })
 */
export function defineTopic<S extends Sch = undefined, H extends Sch = undefined, const U extends Uses = NoUses>(
  options: TopicOptions<S, H, U>,
): MessageDefinition<Message<OutputOf<Either<S, H>, unknown>>> {
  if (typeof __ONEFN_CHECKED__ === 'undefined') checkKeys(options, ['topic', 'schema', 'handler', 'uses'], 'defineTopic');
  const trigger: MessageTrigger = Object.freeze({
    type: 'topic',
    ...triggerOf('topic', options.topic, options.schema),
    ordered: false,
  });
  return Object.freeze({
    '~onefn': 'definition', kind: 'message', trigger, ...commonOf<MessageDefinition<Message<OutputOf<Either<S, H>, unknown>>>['handler']>(options),
  });
}

export interface StorageOptions<U extends Uses = NoUses> extends FunctionSettings, UsesOption<U> {
  /** The bucket's name, or its handle (made by `bucket()`). */
  bucket: string | BucketHandle;
  /** Default: both. */
  changes?: readonly StorageChange[];
  prefix?: string;
  suffix?: string;
  handler: (event: StorageEvent, ctx: ContextWith<U>) => void | Promise<void>;
}

/**
 * Defines a handler for objects created or deleted in a bucket. Events outside `prefix`/`suffix` or
 * of other changes are skipped (acknowledged) before the handler runs: some providers cannot filter at
 * the source. An event of another bucket was misrouted, and is refused (never acknowledged).
 *
 * @example
 * export const thumbnails = defineStorage({
 *   bucket: 'uploads', changes: ['created'], prefix: 'images/',
 *   handler: async (obj, ctx) => ctx.log.info('new image', { key: obj.key, size: obj.size }),
 * })
 */
export function defineStorage<const U extends Uses = NoUses>(options: StorageOptions<U>): StorageDefinition {
  if (typeof __ONEFN_CHECKED__ === 'undefined') checkKeys(options, ['bucket', 'changes', 'prefix', 'suffix', 'handler', 'uses'], 'defineStorage');
  const changes = options.changes ?? STORAGE_CHANGES;
  if (typeof __ONEFN_CHECKED__ === 'undefined') {
    if (!Array.isArray(changes) || changes.length === 0 || changes.some((c) => !(STORAGE_CHANGES as readonly unknown[]).includes(c))) {
      throw new DefinitionError('changes', `must be a non-empty list of ${STORAGE_CHANGES.join(', ')}`);
    }
    for (const key of ['prefix', 'suffix'] as const) {
      if (options[key] !== undefined && typeof options[key] !== 'string') throw new DefinitionError(key, 'must be a string');
    }
  }
  const trigger: StorageTrigger = Object.freeze({
    type: 'storage',
    bucket: triggerOf('bucket', options.bucket, undefined).name,
    changes: Object.freeze([...changes]),
    prefix: options.prefix,
    suffix: options.suffix,
  });
  return Object.freeze({
    '~onefn': 'definition', kind: 'storage', trigger, ...commonOf<StorageDefinition['handler']>(options),
  });
}

export interface ScheduleOptions<U extends Uses = NoUses> extends FunctionSettings, UsesOption<U> {
  /** Five-field cron (`0 9 * * MON-FRI`) or `rate(15 minutes)` / `every 15 minutes`. See `parseSchedule`. */
  schedule: string;
  /** IANA time zone. Default UTC. */
  timeZone?: string;
  handler: (event: ScheduleEvent, ctx: ContextWith<U>) => void | Promise<void>;
}

/**
 * Defines a scheduled function. The schedule is written once and translated to each provider's
 * dialect (EventBridge cron, Cloud Scheduler unix-cron, NCRONTAB).
 *
 * @example
 * export const nightly = defineSchedule({
 *   schedule: '30 2 * * *', timeZone: 'Europe/Paris',
 *   handler: async (tick, ctx) => ctx.log.info('cleanup', { at: tick.scheduledTime.toISOString() }),
 * })
 */
export function defineSchedule<const U extends Uses = NoUses>(options: ScheduleOptions<U>): ScheduleDefinition {
  if (typeof __ONEFN_CHECKED__ === 'undefined') checkKeys(options, ['schedule', 'timeZone', 'handler', 'uses'], 'defineSchedule');
  const timeZone = options.timeZone ?? 'UTC';
  if (typeof __ONEFN_CHECKED__ === 'undefined') {
    try {
      new Intl.DateTimeFormat('en-US', { timeZone });
    } catch {
      throw new DefinitionError('timeZone', `${JSON.stringify(timeZone)} is not an IANA time zone`);
    }
  }
  const trigger: ScheduleTrigger = Object.freeze({ type: 'schedule', schedule: parseSchedule(options.schedule), timeZone });
  return Object.freeze({
    '~onefn': 'definition', kind: 'schedule', trigger, ...commonOf<ScheduleDefinition['handler']>(options),
  });
}

export interface CloudEventOptions<S extends Sch, U extends Uses = NoUses> extends FunctionSettings, UsesOption<U> {
  /**
   * Event types served. Default: every type. An event of another type (or another `source`) is refused:
   * not acknowledged, so the provider retries it and then dead-letters it.
   */
  types?: readonly string[];
  source?: string;
  /**
   * A topic (its name, or its handle made by `topic()`) whose CloudEvents, sent with `publishEvent`,
   * the function receives through a subscription to it: SNS on AWS, Pub/Sub on Google Cloud, a
   * Service Bus topic subscription on Azure. Without it the function takes the provider's event
   * router's events (EventBridge, Eventarc, Event Grid).
   */
  topic?: string | TopicHandle<Sch>;
  /** Validates `data`. */
  schema?: S;
  handler: (event: CloudEvent<OutputOf<S, unknown>>, ctx: ContextWith<U>) => void | Promise<void>;
}

/**
 * Defines a handler for any other event, as a CloudEvent (EventBridge events, Eventarc, Event Grid).
 *
 * @example
 * export const onOrder = defineCloudEvent({
 *   types: ['com.example.order.created'],
 *   schema: z.object({ orderId: z.string() }),
 *   handler: async (event) => console.log(event.data.orderId),
 * })
 */
export function defineCloudEvent<S extends Sch = undefined, const U extends Uses = NoUses>(options: CloudEventOptions<S, U>): CloudEventDefinition<CloudEvent<OutputOf<S, unknown>>> {
  if (typeof __ONEFN_CHECKED__ === 'undefined') checkKeys(options, ['types', 'source', 'topic', 'schema', 'handler', 'uses'], 'defineCloudEvent');
  const types = options.types ?? [];
  if (typeof __ONEFN_CHECKED__ === 'undefined' && (!Array.isArray(types) || types.some((t) => typeof t !== 'string' || !t))) throw new DefinitionError('types', 'must be a list of event type names');
  if (options.source !== undefined) checkName('source', options.source);
  const trigger: CloudEventTrigger = Object.freeze({
    type: 'cloudevent',
    types: Object.freeze([...types]),
    source: options.source,
    ...(options.topic === undefined ? {} : { topic: triggerOf('topic', options.topic, undefined).name }),
    schema: checkSchema('schema', options.schema),
  });
  return Object.freeze({
    '~onefn': 'definition', kind: 'cloudevent', trigger, ...commonOf<CloudEventDefinition<CloudEvent<OutputOf<S, unknown>>>['handler']>(options),
  });
}
