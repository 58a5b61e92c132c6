import type { Context } from './context.js';
import { DefinitionError } from './errors.js';
import type { CloudEvent, Message, ScheduleEvent, StorageChange, StorageEvent } from './events.js';
import { STORAGE_CHANGES } from './events.js';
import { HTTP_METHODS, type HttpHandlerResult, type HttpMethod, type HttpRequest, type QueryRecord } from './http.js';
import { compileRoute, type CompiledRoute, type RouteParams } from './route.js';
import { parseSchedule, type ParsedSchedule } from './schedule.js';
import { isSchema, type OutputOf, type StandardSchemaV1 } from './schema.js';

/** The kinds of definition, one per trigger family. */
export const DEFINITION_KINDS = ['http', 'message', 'storage', 'schedule', 'cloudevent'] as const;
export type DefinitionKind = (typeof DEFINITION_KINDS)[number];

/** Deployment settings every definition may carry. Providers check their own limits when deploying. */
export interface FunctionSettings {
  /** The deployed function's name. Default: the export's name. Letters, digits, "-" and "_", 1-63. */
  name?: string;
  /** Memory in MB (128-32768). */
  memory?: number;
  /** Timeout in seconds (1-3600). */
  timeout?: number;
  /** Environment variables set on the deployed function. */
  env?: Readonly<Record<string, string>>;
}

interface DefinitionBase<K extends DefinitionKind> {
  /** Marks a onefn definition; checked by string so that two copies of onefn still agree. */
  readonly '~onefn': 'definition';
  readonly kind: K;
  readonly settings: Readonly<FunctionSettings>;
}

// ---------------------------------------------------------------------------------------------------
// HTTP

/** Cross-origin settings. `true` means any origin, no credentials. */
export interface CorsOptions {
  origins: '*' | readonly string[];
  methods?: readonly HttpMethod[];
  /** Request headers allowed in preflight. Default: whatever the preflight asks for. */
  allowHeaders?: readonly string[];
  exposeHeaders?: readonly string[];
  credentials?: boolean;
  /** Seconds a preflight may be cached. */
  maxAge?: number;
}

export interface HttpTrigger {
  readonly type: 'http';
  /** The methods served; `'ANY'` when the definition did not restrict them. */
  readonly methods: readonly HttpMethod[] | 'ANY';
  readonly route: CompiledRoute | undefined;
  readonly schemas: {
    readonly body?: StandardSchemaV1 | undefined;
    readonly query?: StandardSchemaV1 | undefined;
    readonly params?: StandardSchemaV1 | undefined;
    readonly headers?: StandardSchemaV1 | undefined;
  };
  readonly public: boolean;
  readonly cors: CorsOptions | undefined;
  /** Largest accepted body in bytes; larger gets a 413. */
  readonly bodyLimit: number;
  /** Deploy as a function of its own instead of joining the module's routed function. */
  readonly standalone: boolean;
}

/**
 * An HTTP definition. The handler is declared as a method so that definitions with specific request
 * types still fit in a `HttpDefinition[]` (method parameters are compared bivariantly).
 */
export interface HttpDefinition<Req = HttpRequest<unknown, unknown, unknown, unknown>> extends DefinitionBase<'http'> {
  readonly trigger: HttpTrigger;
  handler(req: Req, ctx: Context): HttpHandlerResult | Promise<HttpHandlerResult>;
}

type Sch = StandardSchemaV1 | undefined;

/** The request a handler receives, typed from the definition's route and schemas. */
export type RequestOf<R extends string, B extends Sch, Q extends Sch, P extends Sch, H extends Sch> = HttpRequest<
  OutputOf<B, unknown>,
  OutputOf<Q, QueryRecord>,
  OutputOf<P, RouteParams<R>>,
  OutputOf<H, undefined>
>;

export interface HttpOptions<R extends string, B extends Sch, Q extends Sch, P extends Sch, H extends Sch> extends FunctionSettings {
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
  handler: (req: RequestOf<R, B, Q, P, H>, ctx: Context) => HttpHandlerResult | Promise<HttpHandlerResult>;
}

// ---------------------------------------------------------------------------------------------------
// Messages, storage, schedules, CloudEvents

export interface MessageTrigger {
  readonly type: 'queue' | 'topic';
  /** The queue or topic name. */
  readonly name: string;
  readonly schema: StandardSchemaV1 | undefined;
  /** Messages must be handled in order: a failure fails every later message of the batch too. */
  readonly ordered: boolean;
}

export interface MessageDefinition<M = Message<unknown>> extends DefinitionBase<'message'> {
  readonly trigger: MessageTrigger;
  handler(message: M, ctx: Context): void | Promise<void>;
}

export interface StorageTrigger {
  readonly type: 'storage';
  readonly bucket: string;
  readonly changes: readonly StorageChange[];
  readonly prefix: string | undefined;
  readonly suffix: string | undefined;
}

export interface StorageDefinition extends DefinitionBase<'storage'> {
  readonly trigger: StorageTrigger;
  handler(event: StorageEvent, ctx: Context): void | Promise<void>;
}

export interface ScheduleTrigger {
  readonly type: 'schedule';
  readonly schedule: ParsedSchedule;
  /** IANA time zone; default UTC. */
  readonly timeZone: string;
}

export interface ScheduleDefinition extends DefinitionBase<'schedule'> {
  readonly trigger: ScheduleTrigger;
  handler(event: ScheduleEvent, ctx: Context): void | Promise<void>;
}

export interface CloudEventTrigger {
  readonly type: 'cloudevent';
  /** Event types served; empty means every type. */
  readonly types: readonly string[];
  readonly source: string | undefined;
  readonly schema: StandardSchemaV1 | undefined;
}

export interface CloudEventDefinition<E = CloudEvent<unknown>> extends DefinitionBase<'cloudevent'> {
  readonly trigger: CloudEventTrigger;
  handler(event: E, ctx: Context): void | Promise<void>;
}

/** Any definition. */
export type Definition = HttpDefinition | MessageDefinition | StorageDefinition | ScheduleDefinition | CloudEventDefinition;
/** A definition that handles background events rather than HTTP requests. */
export type EventDefinition = Exclude<Definition, HttpDefinition>;

// ---------------------------------------------------------------------------------------------------
// Option checks: a typo must fail loudly, when the definition is made.

const SETTINGS_KEYS = ['name', 'memory', 'timeout', 'env'] as const;
const NAME = /^[A-Za-z][A-Za-z0-9_-]{0,62}$/;

function checkKeys(options: object, allowed: readonly string[], what: string): void {
  if (typeof options !== 'object' || options === null) throw new DefinitionError(what, 'options must be an object');
  for (const key of Object.keys(options)) {
    if (!allowed.includes(key)) {
      throw new DefinitionError(key, `unknown option for ${what}; known options: ${allowed.join(', ')}`);
    }
  }
  if (typeof (options as { handler?: unknown }).handler !== 'function') throw new DefinitionError('handler', 'must be a function');
}

function checkInt(option: string, value: unknown, min: number, max: number): void {
  if (value === undefined) return;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new DefinitionError(option, `must be a whole number from ${min} to ${max}, got ${JSON.stringify(value)}`);
  }
}

function checkSchema(option: string, value: unknown): StandardSchemaV1 | undefined {
  if (value === undefined) return undefined;
  if (!isSchema(value)) throw new DefinitionError(option, 'must be a Standard Schema (a zod schema, for example)');
  return value;
}

function checkName(option: string, value: unknown): string {
  if (typeof value !== 'string' || !value.trim()) throw new DefinitionError(option, 'must be a non-empty string');
  return value;
}

function settingsOf(options: FunctionSettings): FunctionSettings {
  if (options.name !== undefined && (typeof options.name !== 'string' || !NAME.test(options.name))) {
    throw new DefinitionError('name', `must be 1-63 letters, digits, "-" or "_", starting with a letter; got ${JSON.stringify(options.name)}`);
  }
  checkInt('memory', options.memory, 128, 32768);
  checkInt('timeout', options.timeout, 1, 3600);
  if (options.env !== undefined) {
    if (typeof options.env !== 'object' || options.env === null) throw new DefinitionError('env', 'must be an object of strings');
    for (const [key, value] of Object.entries(options.env)) {
      if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(key)) throw new DefinitionError('env', `bad variable name ${JSON.stringify(key)}`);
      if (typeof value !== 'string') throw new DefinitionError('env', `${key} must be a string`);
    }
  }
  const out: FunctionSettings = {};
  for (const key of SETTINGS_KEYS) if (options[key] !== undefined) (out as Record<string, unknown>)[key] = options[key];
  return Object.freeze(out);
}

function checkMethods(value: unknown): readonly HttpMethod[] | 'ANY' {
  if (value === undefined) return 'ANY';
  const list = typeof value === 'string' ? [value] : value;
  if (!Array.isArray(list) || list.length === 0) throw new DefinitionError('method', 'must be a method or a non-empty list of methods');
  return list.map((m: unknown) => {
    const upper = typeof m === 'string' ? m.toUpperCase() : m;
    if (!(HTTP_METHODS as readonly unknown[]).includes(upper)) {
      throw new DefinitionError('method', `${JSON.stringify(m)} is not one of ${HTTP_METHODS.join(', ')}`);
    }
    return upper as HttpMethod;
  });
}

function checkCors(value: unknown): CorsOptions | undefined {
  if (value === undefined || value === false) return undefined;
  if (value === true) return { origins: '*' };
  checkKeysOnly(value, ['origins', 'methods', 'allowHeaders', 'exposeHeaders', 'credentials', 'maxAge'], 'cors');
  const cors = value as CorsOptions;
  if (cors.origins !== '*' && (!Array.isArray(cors.origins) || cors.origins.some((o) => typeof o !== 'string'))) {
    throw new DefinitionError('cors.origins', 'must be "*" or a list of origins');
  }
  if (cors.credentials && cors.origins === '*') {
    throw new DefinitionError('cors.credentials', 'browsers refuse credentials with origin "*"; list the origins');
  }
  checkInt('cors.maxAge', cors.maxAge, 0, 86400);
  return Object.freeze({ ...cors });
}

function checkKeysOnly(value: unknown, allowed: readonly string[], what: string): void {
  if (typeof value !== 'object' || value === null) throw new DefinitionError(what, 'must be an object');
  for (const key of Object.keys(value)) {
    if (!allowed.includes(key)) throw new DefinitionError(`${what}.${key}`, `unknown option; known: ${allowed.join(', ')}`);
  }
}

function checkBoolean(option: string, value: unknown): boolean {
  if (value === undefined) return false;
  if (typeof value !== 'boolean') throw new DefinitionError(option, `must be true or false, got ${JSON.stringify(value)}`);
  return value;
}

// ---------------------------------------------------------------------------------------------------
// define*

const HTTP_KEYS = ['method', 'route', 'body', 'query', 'params', 'headers', 'public', 'cors', 'bodyLimit', 'standalone', 'handler', ...SETTINGS_KEYS];

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
>(options: HttpOptions<R, B, Q, P, H>): HttpDefinition<RequestOf<R, B, Q, P, H>> {
  checkKeys(options, HTTP_KEYS, 'defineHttp');
  const route = options.route === undefined ? undefined : compileRoute(options.route);
  checkInt('bodyLimit', options.bodyLimit, 0, 1024 * 1024 * 1024);
  const params = checkSchema('params', options.params);
  if (params && !route) throw new DefinitionError('params', 'a params schema needs a route with :parameters');
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
  });
  return Object.freeze({ '~onefn': 'definition', kind: 'http', trigger, settings: settingsOf(options), handler: options.handler as HttpDefinition<RequestOf<R, B, Q, P, H>>['handler'] });
}

export interface QueueOptions<S extends Sch> extends FunctionSettings {
  /** The queue's name. */
  queue: string;
  schema?: S;
  /** Keep order within a batch (FIFO queues): a failure fails every later message too. */
  ordered?: boolean;
  handler: (message: Message<OutputOf<S, unknown>>, ctx: Context) => void | Promise<void>;
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
export function defineQueue<S extends Sch = undefined>(options: QueueOptions<S>): MessageDefinition<Message<OutputOf<S, unknown>>> {
  checkKeys(options, ['queue', 'schema', 'ordered', 'handler', ...SETTINGS_KEYS], 'defineQueue');
  const trigger: MessageTrigger = Object.freeze({
    type: 'queue',
    name: checkName('queue', options.queue),
    schema: checkSchema('schema', options.schema),
    ordered: checkBoolean('ordered', options.ordered),
  });
  return Object.freeze({ '~onefn': 'definition', kind: 'message', trigger, settings: settingsOf(options), handler: options.handler });
}

export interface TopicOptions<S extends Sch> extends FunctionSettings {
  /** The topic's name. */
  topic: string;
  schema?: S;
  handler: (message: Message<OutputOf<S, unknown>>, ctx: Context) => void | Promise<void>;
}

/**
 * Defines a topic subscriber (SNS, Pub/Sub, Service Bus topics).
 *
 * @example
 * export const audit = defineTopic({ topic: 'events', handler: async (msg) => console.log(msg.body) })
 */
export function defineTopic<S extends Sch = undefined>(options: TopicOptions<S>): MessageDefinition<Message<OutputOf<S, unknown>>> {
  checkKeys(options, ['topic', 'schema', 'handler', ...SETTINGS_KEYS], 'defineTopic');
  const trigger: MessageTrigger = Object.freeze({
    type: 'topic',
    name: checkName('topic', options.topic),
    schema: checkSchema('schema', options.schema),
    ordered: false,
  });
  return Object.freeze({ '~onefn': 'definition', kind: 'message', trigger, settings: settingsOf(options), handler: options.handler });
}

export interface StorageOptions extends FunctionSettings {
  bucket: string;
  /** Default: both. */
  changes?: readonly StorageChange[];
  prefix?: string;
  suffix?: string;
  handler: (event: StorageEvent, ctx: Context) => void | Promise<void>;
}

/**
 * Defines a handler for objects created or deleted in a bucket. Events outside `prefix`/`suffix` or
 * of other changes are skipped before the handler runs (some providers cannot filter at the source).
 *
 * @example
 * export const thumbnails = defineStorage({
 *   bucket: 'uploads', changes: ['created'], prefix: 'images/',
 *   handler: async (obj, ctx) => ctx.log.info('new image', { key: obj.key, size: obj.size }),
 * })
 */
export function defineStorage(options: StorageOptions): StorageDefinition {
  checkKeys(options, ['bucket', 'changes', 'prefix', 'suffix', 'handler', ...SETTINGS_KEYS], 'defineStorage');
  const changes = options.changes ?? STORAGE_CHANGES;
  if (!Array.isArray(changes) || changes.length === 0 || changes.some((c) => !(STORAGE_CHANGES as readonly unknown[]).includes(c))) {
    throw new DefinitionError('changes', `must be a non-empty list of ${STORAGE_CHANGES.join(', ')}`);
  }
  for (const key of ['prefix', 'suffix'] as const) {
    if (options[key] !== undefined && typeof options[key] !== 'string') throw new DefinitionError(key, 'must be a string');
  }
  const trigger: StorageTrigger = Object.freeze({
    type: 'storage',
    bucket: checkName('bucket', options.bucket),
    changes: Object.freeze([...changes]),
    prefix: options.prefix,
    suffix: options.suffix,
  });
  return Object.freeze({ '~onefn': 'definition', kind: 'storage', trigger, settings: settingsOf(options), handler: options.handler });
}

export interface ScheduleOptions extends FunctionSettings {
  /** Five-field cron (`0 9 * * MON-FRI`) or `rate(15 minutes)` / `every 15 minutes`. See `parseSchedule`. */
  schedule: string;
  /** IANA time zone. Default UTC. */
  timeZone?: string;
  handler: (event: ScheduleEvent, ctx: Context) => void | Promise<void>;
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
export function defineSchedule(options: ScheduleOptions): ScheduleDefinition {
  checkKeys(options, ['schedule', 'timeZone', 'handler', ...SETTINGS_KEYS], 'defineSchedule');
  const timeZone = options.timeZone ?? 'UTC';
  try {
    new Intl.DateTimeFormat('en-US', { timeZone });
  } catch {
    throw new DefinitionError('timeZone', `${JSON.stringify(timeZone)} is not an IANA time zone`);
  }
  const trigger: ScheduleTrigger = Object.freeze({ type: 'schedule', schedule: parseSchedule(options.schedule), timeZone });
  return Object.freeze({ '~onefn': 'definition', kind: 'schedule', trigger, settings: settingsOf(options), handler: options.handler });
}

export interface CloudEventOptions<S extends Sch> extends FunctionSettings {
  /** Event types served. Default: every type. */
  types?: readonly string[];
  source?: string;
  /** Validates `data`. */
  schema?: S;
  handler: (event: CloudEvent<OutputOf<S, unknown>>, ctx: Context) => void | Promise<void>;
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
export function defineCloudEvent<S extends Sch = undefined>(options: CloudEventOptions<S>): CloudEventDefinition<CloudEvent<OutputOf<S, unknown>>> {
  checkKeys(options, ['types', 'source', 'schema', 'handler', ...SETTINGS_KEYS], 'defineCloudEvent');
  const types = options.types ?? [];
  if (!Array.isArray(types) || types.some((t) => typeof t !== 'string' || !t)) throw new DefinitionError('types', 'must be a list of event type names');
  if (options.source !== undefined) checkName('source', options.source);
  const trigger: CloudEventTrigger = Object.freeze({
    type: 'cloudevent',
    types: Object.freeze([...types]),
    source: options.source,
    schema: checkSchema('schema', options.schema),
  });
  return Object.freeze({ '~onefn': 'definition', kind: 'cloudevent', trigger, settings: settingsOf(options), handler: options.handler });
}

/** True for any onefn definition, made by this copy of onefn or another. */
export function isDefinition(value: unknown): value is Definition {
  return (
    typeof value === 'object' &&
    value !== null &&
    (value as { '~onefn'?: unknown })['~onefn'] === 'definition' &&
    (DEFINITION_KINDS as readonly unknown[]).includes((value as { kind?: unknown }).kind)
  );
}
