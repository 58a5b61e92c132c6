/**
 * `@onefn/aws`: run onefn definitions on AWS Lambda. Native event -> portable input -> handler ->
 * native answer; the event kind is chosen by the type guards in `detect.ts`. Imports no AWS SDK and no
 * deploy code, so a bundled function carries neither.
 *
 * @example
 * // index.ts, deployed with the handler "index.handler"
 * import { toLambda } from '@onefn/aws'
 * import * as api from './api.js'
 * export const handler = toLambda(api)
 */
import {
  DefinitionError, isDefinition, type CloudEventDefinition, type Definition, type EventDefinition, type HttpDefinition, type MessageDefinition,
  type ScheduleDefinition, type StorageDefinition,
} from 'onefn';
import { planFunctions } from 'onefn/runtime';
import { eventHandler, httpHandler, httpStreamHandler, httpV2Handler, type HandlerOptions } from './handler.js';
import type { LambdaHandler, LambdaHttpResult, LambdaResult, LambdaStreamHandler, LambdaV2Result, SqsBatchResponse } from './lambda-types.js';

// The generated entry of a deploy bundle calls the handlers below with definitions the build has
// already checked; that bundle defines this as true, which drops the checks (see onefn's options.ts).
declare const __ONEFN_CHECKED__: true | undefined;

/** What a routed HTTP handler takes: a non-empty list of HTTP definitions. */
function isHttpList(value: unknown): value is readonly HttpDefinition[] {
  return Array.isArray(value) && value.length > 0 && value.every((d) => isDefinition(d) && d.kind === 'http');
}

export type {
  AlbEvent, ApiGatewayV1Event, ApiGatewayV2Event, EventBridgeEvent, LambdaContext, LambdaEvent, LambdaHandler, LambdaHttpResult,
  LambdaResponseStream, LambdaResult, LambdaStreamHandler, LambdaStreamPrelude, LambdaV1Result, LambdaV2Result, S3Event, SnsEvent,
  SqsBatchResponse, SqsEvent,
} from './lambda-types.js';
export { lambdaLogSink } from './from-context.js';

/** Options every Lambda wrapper takes. */
export interface LambdaOptions {
  /**
   * Where handlers that declare `uses` reach their queues, topics and buckets: `awsResources` from
   * `@onefn/aws/resources`. `onefn build aws` passes it for every function that declares a use.
   */
  resources?: HandlerOptions['resources'];
}

function handlerOptions(options: LambdaOptions | undefined): HandlerOptions {
  return options?.resources ? { resources: options.resources } : {};
}
export { describeEvent } from './detect.js';

/**
 * A Lambda handler for one definition, or for several HTTP definitions routed by method and path.
 * Events the definition does not serve are rejected with an `UnsupportedEventError` before user code.
 *
 * @example
 * export const handler = lambdaHandler(orders)          // SQS: answers { batchItemFailures }
 * export const api = lambdaHandler([getUser, createUser])
 */
export function lambdaHandler(definition: HttpDefinition | readonly HttpDefinition[], options?: LambdaOptions): LambdaHandler<LambdaHttpResult>;
/** SQS answers `{ batchItemFailures }`; SNS answers nothing (a failure is thrown). */
export function lambdaHandler(definition: MessageDefinition, options?: LambdaOptions): LambdaHandler<SqsBatchResponse | undefined>;
export function lambdaHandler(definition: StorageDefinition | ScheduleDefinition | CloudEventDefinition, options?: LambdaOptions): LambdaHandler<undefined>;
export function lambdaHandler(definition: Definition | readonly HttpDefinition[], options?: LambdaOptions): LambdaHandler<LambdaResult>;
export function lambdaHandler(definition: Definition | readonly HttpDefinition[], options?: LambdaOptions): LambdaHandler<LambdaResult> {
  const opts = handlerOptions(options);
  if (Array.isArray(definition)) {
    if (!isHttpList(definition)) {
      throw new DefinitionError('definitions', 'a list given to lambdaHandler must hold HTTP definitions only');
    }
    return httpHandler(definition, opts);
  }
  const def = definition as Definition;
  if (!isDefinition(def)) throw new DefinitionError('definition', 'lambdaHandler needs a onefn definition');
  return def.kind === 'http' ? httpHandler([def], opts) : eventHandler(def, opts);
}

export interface ToLambdaOptions extends LambdaOptions {
  /** Which of the module's planned functions this handler is; needed when it plans into several. */
  function?: string;
}

/**
 * A Lambda handler for a module's definitions, planned as `onefn deploy` plans them: the HTTP
 * definitions as one routed function, each event definition as a function of its own. A module that
 * plans into several functions needs `function` to say which one this is.
 *
 * @example
 * import * as app from './app.js'
 * export const handler = toLambda(app, { function: 'orders' })
 */
export function toLambda(target: HttpDefinition | readonly HttpDefinition[], options?: ToLambdaOptions): LambdaHandler<LambdaHttpResult>;
export function toLambda(target: MessageDefinition, options?: ToLambdaOptions): LambdaHandler<SqsBatchResponse | undefined>;
export function toLambda(target: StorageDefinition | ScheduleDefinition | CloudEventDefinition, options?: ToLambdaOptions): LambdaHandler<undefined>;
/** A module: which function it is known only at run time, so the answer is any of them. */
export function toLambda(target: Readonly<Record<string, unknown>> | Definition | readonly HttpDefinition[], options?: ToLambdaOptions): LambdaHandler<LambdaResult>;
export function toLambda(target: Readonly<Record<string, unknown>> | Definition | readonly HttpDefinition[], options: ToLambdaOptions = {}): LambdaHandler<LambdaResult> {
  if (Array.isArray(target) || isDefinition(target)) return lambdaHandler(target as Definition | readonly HttpDefinition[], options);
  const plans = planFunctions(target as Readonly<Record<string, unknown>>);
  const names = plans.map((p) => p.name);
  const plan = options.function === undefined ? (plans.length === 1 ? plans[0] : undefined) : plans.find((p) => p.name === options.function);
  if (!plan) {
    const why = plans.length === 0 ? 'the module exports no onefn definitions' : `choose one of: ${names.join(', ')}`;
    throw new DefinitionError('function', options.function === undefined ? why : `no function "${options.function}"; ${why}`);
  }
  const opts = handlerOptions(options);
  return plan.kind === 'http' ? httpHandler(plan.definitions, opts) : eventHandler(plan.definition, opts);
}

/**
 * A Lambda handler for HTTP definitions only, routed by method and path. What `onefn build aws`
 * generates for a routed function: referencing only the HTTP path lets the bundler drop every event
 * converter, which keeps the function small.
 *
 * @example
 * import { getUser, createUser } from './api.js'
 * export const handler = lambdaHttpHandler([getUser, createUser])
 */
export function lambdaHttpHandler(definitions: readonly HttpDefinition[], options?: LambdaOptions): LambdaHandler<LambdaHttpResult> {
  if (typeof __ONEFN_CHECKED__ === 'undefined' && !isHttpList(definitions)) {
    throw new DefinitionError('definitions', 'lambdaHttpHandler needs HTTP definitions only');
  }
  return httpHandler(definitions, handlerOptions(options));
}

/**
 * Like `lambdaHttpHandler`, for payload 2.0 only: the events Function URLs (which `onefn deploy aws`
 * wires) and HTTP APIs send. It leaves the REST (v1) and ALB converters out of the bundle; any other
 * event is rejected with an `UnsupportedEventError` naming it. What `onefn build aws` generates unless
 * built with `--http-events all`.
 *
 * @example
 * export const handler = lambdaHttpV2Handler([getUser, createUser])
 */
export function lambdaHttpV2Handler(definitions: readonly HttpDefinition[], options?: LambdaOptions): LambdaHandler<LambdaV2Result> {
  if (typeof __ONEFN_CHECKED__ === 'undefined' && !isHttpList(definitions)) {
    throw new DefinitionError('definitions', 'lambdaHttpV2Handler needs HTTP definitions only');
  }
  return httpV2Handler(definitions, options);
}

/**
 * A streaming Lambda handler for HTTP definitions, routed by method and path, marked with
 * `awslambda.streamifyResponse`: for a Function URL whose InvokeMode is RESPONSE_STREAM (what `onefn
 * deploy aws` sets for a function with a `stream: true` definition). Status, headers and cookies go out
 * in the HTTP integration prelude, then the body as it is produced. A stream failing after it started
 * is reported in the runtime's error trailers; the client sees the body end short. What `onefn build
 * aws` generates for such a function (unless built with `--http-events all`: API Gateway and ALB cannot
 * stream, so that build answers them buffered).
 *
 * @example
 * export const handler = lambdaHttpStreamHandler([clock, exportCsv])
 */
export function lambdaHttpStreamHandler(definitions: readonly HttpDefinition[]): LambdaStreamHandler {
  if (typeof __ONEFN_CHECKED__ === 'undefined' && !isHttpList(definitions)) {
    throw new DefinitionError('definitions', 'lambdaHttpStreamHandler needs HTTP definitions only');
  }
  return httpStreamHandler(definitions);
}

/**
 * A Lambda handler for one event definition (queue, topic, storage, schedule, CloudEvent). What
 * `onefn build aws` generates for an event function.
 *
 * @example
 * import { orders } from './worker.js'
 * export const handler = lambdaEventHandler(orders)   // SQS: answers { batchItemFailures }
 */
export function lambdaEventHandler(definition: MessageDefinition, options?: LambdaOptions): LambdaHandler<SqsBatchResponse | undefined>;
export function lambdaEventHandler(definition: StorageDefinition | ScheduleDefinition | CloudEventDefinition, options?: LambdaOptions): LambdaHandler<undefined>;
export function lambdaEventHandler(definition: EventDefinition, options?: LambdaOptions): LambdaHandler<SqsBatchResponse | undefined>;
export function lambdaEventHandler(definition: EventDefinition, options?: LambdaOptions): LambdaHandler<SqsBatchResponse | undefined> {
  if (typeof __ONEFN_CHECKED__ === 'undefined' && (!isDefinition(definition) || (definition as Definition).kind === 'http')) throw new DefinitionError('definition', 'lambdaEventHandler needs an event definition');
  return eventHandler(definition, options);
}
