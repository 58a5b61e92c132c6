import type { Context } from '../onefn/context.js';
import { DefinitionError } from '../onefn/errors.js';
import { isSchema, type StandardSchemaV1 } from '../onefn/schema.js';
import type { BucketClient } from './bucket-client.js';
import type { QueueClient, TopicClient } from './clients.js';
import { wrapHandler } from './bind.js';

type Sch = StandardSchemaV1 | undefined;

/** What a producer passes for a body: the schema's input, or any JSON value without a schema. */
export type BodyOf<S extends Sch> = S extends StandardSchemaV1 ? StandardSchemaV1.InferInput<S> : unknown;

export const RESOURCE_KINDS = ['queue', 'topic', 'bucket'] as const;
export type ResourceKind = (typeof RESOURCE_KINDS)[number];

/** What a bucket use may allow: `read` (get, head, list, download URLs), `write` (put, upload URLs), `delete`. */
export const BUCKET_ACTIONS = ['read', 'write', 'delete'] as const;
export type BucketAction = (typeof BUCKET_ACTIONS)[number];
export type ResourceAction = 'send' | 'publish' | BucketAction;

/**
 * A declared use, as plain data: which resource and which actions. Deploy derives the function's
 * grants from these, and the settings that name each resource.
 */
export interface ResourceUse {
  readonly kind: ResourceKind;
  readonly name: string;
  readonly actions: readonly ResourceAction[];
}

/** The declared uses of a definition, by the name its handler reaches them under (`ctx.resources.<name>`). */
export type Uses = Readonly<Record<string, Grant>>;

/**
 * Wraps a handler so that it receives its declared resources. Carried by every grant, so that the
 * code behind resources reaches a bundle only through a module that declares one: a definition without
 * `uses` never references it.
 */
export type UsesWrapper = (uses: Uses, handler: (input: never, ctx: never) => unknown) => (input: never, ctx: Context) => unknown;

interface GrantBase<K extends ResourceKind, A extends ResourceAction> extends ResourceUse {
  readonly '~onefn': 'grant';
  readonly kind: K;
  readonly actions: readonly A[];
  readonly schema: StandardSchemaV1 | undefined;
  readonly '~wrap': UsesWrapper;
}

/** Permission to send to a queue; `ctx.resources.<name>` is then a `QueueClient`. */
export interface QueueGrant<S extends Sch = Sch> extends GrantBase<'queue', 'send'> {
  readonly '~schema'?: S;
}
/** Permission to publish to a topic; `ctx.resources.<name>` is then a `TopicClient`. */
export interface TopicGrant<S extends Sch = Sch> extends GrantBase<'topic', 'publish'> {
  readonly '~schema'?: S;
}
/** Permission for some actions on a bucket; `ctx.resources.<name>` then has exactly their methods. */
export type BucketGrant<A extends BucketAction = BucketAction> = GrantBase<'bucket', A>;
export type Grant = QueueGrant | TopicGrant | BucketGrant;

/** The client a handler gets for one grant. */
export type ClientOf<G> =
  G extends QueueGrant<infer S> ? QueueClient<BodyOf<S>>
  : G extends TopicGrant<infer S> ? TopicClient<BodyOf<S>>
  : G extends BucketGrant<infer A> ? BucketClient<A>
  : never;

/** `ctx.resources`: one client per declared use. */
export type ClientsOf<U extends Uses> = { readonly [K in keyof U]: ClientOf<U[K]> };

/** The context of a handler whose definition declares `uses`. Without uses it is the plain `Context`. */
export type ContextWith<U extends Uses> = [keyof U] extends [never] ? Context : Context & { readonly resources: ClientsOf<U> };

interface HandleBase<K extends ResourceKind> {
  readonly '~onefn': 'resource';
  readonly kind: K;
  readonly name: string;
}

/**
 * A queue, declared once and shared by its producers (`uses: { orders: orders.send }`) and its
 * consumer (`defineQueue({ queue: orders, ... })`), so both read one schema.
 */
export interface QueueHandle<S extends Sch = Sch> extends HandleBase<'queue'> {
  readonly schema: S;
  /** The permission to send, for a definition's `uses`. */
  readonly send: QueueGrant<S>;
}

/** A topic, shared by publishers (`uses: { events: events.publish }`) and `defineTopic({ topic: events })`. */
export interface TopicHandle<S extends Sch = Sch> extends HandleBase<'topic'> {
  readonly schema: S;
  /** The permission to publish, for a definition's `uses`. */
  readonly publish: TopicGrant<S>;
}

/** A bucket, shared by its users (`uses: { uploads: uploads.read }`) and `defineStorage({ bucket: uploads })`. */
export interface BucketHandle extends HandleBase<'bucket'> {
  readonly read: BucketGrant<'read'>;
  readonly write: BucketGrant<'write'>;
  readonly delete: BucketGrant<'delete'>;
  /** Several actions in one use: `uploads.allow('read', 'write')`. */
  allow<A extends BucketAction>(...actions: [A, ...A[]]): BucketGrant<A>;
}

// Names valid for a queue, topic and bucket on every provider: Azure queues and containers take 3-63
// lower-case letters, digits and single hyphens; S3 and Cloud Storage buckets 3-63 of those (and dots);
// Pub/Sub topics must start with a letter and must not start with "goog".
const RESOURCE_NAME = /^[a-z](?:[a-z0-9]|-(?=[a-z0-9])){2,62}$/;

/** Why a resource name is not valid on every provider, or undefined. */
export function resourceNameProblem(name: unknown): string | undefined {
  if (typeof name !== 'string' || !RESOURCE_NAME.test(name)) {
    return 'must be 3-63 lower-case letters, digits and single hyphens, starting with a letter and ending with a letter or digit (a name every provider accepts)';
  }
  if (name.startsWith('goog')) return 'must not start with "goog" (Google reserves it)';
  return undefined;
}

function checkResourceName(kind: ResourceKind, name: unknown): string {
  const problem = resourceNameProblem(name);
  if (problem) throw new DefinitionError(kind, `${JSON.stringify(String(name).slice(0, 80))} ${problem}`);
  return name as string;
}

function checkOptions(kind: ResourceKind, options: unknown): StandardSchemaV1 | undefined {
  if (options === undefined) return undefined;
  if (typeof options !== 'object' || options === null) throw new DefinitionError(kind, 'options must be an object');
  for (const key of Object.keys(options)) if (key !== 'schema') throw new DefinitionError(`${kind}.${key}`, 'unknown option; known: schema');
  const schema = (options as { schema?: unknown }).schema;
  if (schema !== undefined && !isSchema(schema)) throw new DefinitionError(`${kind}.schema`, 'must be a Standard Schema (a zod schema, for example)');
  return schema as StandardSchemaV1 | undefined;
}

function grant<K extends ResourceKind, A extends ResourceAction>(kind: K, name: string, actions: readonly A[], schema: StandardSchemaV1 | undefined): GrantBase<K, A> {
  return Object.freeze({ '~onefn': 'grant', kind, name, actions: Object.freeze([...actions]), schema, '~wrap': wrapHandler as UsesWrapper });
}

/**
 * Declares a queue. The schema types what producers send and what the consumer receives.
 *
 * @example
 * export const orders = queue('orders', { schema: z.object({ id: z.string(), total: z.number() }) })
 * export const api = defineHttp({ method: 'POST', route: '/orders', uses: { orders: orders.send },
 *   handler: async (req, ctx) => { await ctx.resources.orders.send({ id: '1', total: 5 }); return noContent() } })
 * export const worker = defineQueue({ queue: orders, handler: async (msg) => console.log(msg.body.total) })
 */
export function queue<S extends Sch = undefined>(name: string, options?: { schema?: S }): QueueHandle<S> {
  const schema = checkOptions('queue', options);
  const checked = checkResourceName('queue', name);
  return Object.freeze({ '~onefn': 'resource', kind: 'queue', name: checked, schema: schema as S, send: grant('queue', checked, ['send'], schema) as QueueGrant<S> });
}

/**
 * Declares a topic.
 *
 * @example
 * export const events = topic('order-events', { schema: z.object({ id: z.string() }) })
 * uses: { events: events.publish }  // then: await ctx.resources.events.publish({ id })
 */
export function topic<S extends Sch = undefined>(name: string, options?: { schema?: S }): TopicHandle<S> {
  const schema = checkOptions('topic', options);
  const checked = checkResourceName('topic', name);
  return Object.freeze({ '~onefn': 'resource', kind: 'topic', name: checked, schema: schema as S, publish: grant('topic', checked, ['publish'], schema) as TopicGrant<S> });
}

/**
 * Declares a bucket.
 *
 * @example
 * export const reports = bucket('reports')
 * uses: { reports: reports.allow('read', 'write') }  // then: await ctx.resources.reports.put('a.txt', 'hello')
 */
export function bucket(name: string): BucketHandle {
  const checked = checkResourceName('bucket', name);
  return Object.freeze({
    '~onefn': 'resource',
    kind: 'bucket',
    name: checked,
    read: grant('bucket', checked, ['read'], undefined),
    write: grant('bucket', checked, ['write'], undefined),
    delete: grant('bucket', checked, ['delete'], undefined),
    allow<A extends BucketAction>(...actions: [A, ...A[]]): BucketGrant<A> {
      if (actions.length === 0 || actions.some((a) => !(BUCKET_ACTIONS as readonly unknown[]).includes(a))) {
        throw new DefinitionError('bucket.allow', `takes one or more of ${BUCKET_ACTIONS.join(', ')}`);
      }
      return grant('bucket', checked, [...new Set(actions)], undefined);
    },
  });
}

/** True for a grant made by `queue().send`, `topic().publish` or a bucket's `read`/`write`/`delete`/`allow`. */
export function isGrant(value: unknown): value is Grant {
  return typeof value === 'object' && value !== null && (value as { '~onefn'?: unknown })['~onefn'] === 'grant';
}

/** True for a handle made by `queue`, `topic` or `bucket`. */
export function isResourceHandle(value: unknown): value is QueueHandle | TopicHandle | BucketHandle {
  return typeof value === 'object' && value !== null && (value as { '~onefn'?: unknown })['~onefn'] === 'resource';
}
