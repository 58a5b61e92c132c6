import type { Context } from './context.js';
import type { CloudEvent, Message, ScheduleEvent, StorageChange, StorageEvent } from './events.js';
import type { HttpMethod, HttpRequest } from './http.js';
import type { HttpHandlerResult } from './response.js';
import type { CompiledRoute } from './route.js';
import type { ResourceUse } from '../resources/handles.js';
import type { ParsedSchedule } from './schedule.js';
import type { StandardSchemaV1 } from './schema.js';

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
  /** The resources the handler declared it uses, by the name it reaches them under; deploy grants exactly these. */
  readonly uses: Readonly<Record<string, ResourceUse>>;
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
  /**
   * Its answers are streamed (a ReadableStream, an async iterable or `sse()`): the deploy helpers set
   * up the provider for it (a Lambda Function URL in RESPONSE_STREAM mode, Azure's HTTP streams).
   */
  readonly stream: boolean;
}

/**
 * An HTTP definition. The handler is declared as a method so that definitions with specific request
 * types still fit in a `HttpDefinition[]` (method parameters are compared bivariantly).
 */
export interface HttpDefinition<Req = HttpRequest<unknown, unknown, unknown, unknown>> extends DefinitionBase<'http'> {
  readonly trigger: HttpTrigger;
  handler(req: Req, ctx: Context): HttpHandlerResult | Promise<HttpHandlerResult>;
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
  /** The topic whose CloudEvents (sent with `publishEvent`) the function receives through a subscription. */
  readonly topic?: string | undefined;
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

/** True for any onefn definition, made by this copy of onefn or another. */
export function isDefinition(value: unknown): value is Definition {
  return (
    typeof value === 'object' &&
    value !== null &&
    (value as { '~onefn'?: unknown })['~onefn'] === 'definition' &&
    (DEFINITION_KINDS as readonly unknown[]).includes((value as { kind?: unknown }).kind) &&
    // What every define* makes; an object that only carries the marker is not a definition.
    typeof (value as { trigger?: unknown }).trigger === 'object' &&
    (value as { trigger?: unknown }).trigger !== null &&
    typeof (value as { settings?: unknown }).settings === 'object' &&
    (value as { settings?: unknown }).settings !== null &&
    typeof (value as { handler?: unknown }).handler === 'function'
  );
}
