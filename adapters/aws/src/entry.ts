/**
 * `@onefn/aws/entry`: what the handler module that `onefn build aws` / `onefn deploy aws` generates
 * imports. Internal: its names and signatures follow the build, not semver. Write `serve` or `wrap` from
 * `@onefn/aws` by hand. Referencing only the path a function uses lets the bundler drop every other
 * converter, which keeps the function small.
 */
import { DefinitionError, isDefinition, type Definition, type EventDefinition, type HttpDefinition, type MessageDefinition, type ScheduleDefinition, type StorageDefinition, type CloudEventDefinition } from 'onefn';
import { eventHandler, httpHandler, httpStreamHandler, httpV2Handler, type HandlerOptions } from './handler.js';
import type { LambdaHandler, LambdaHttpResult, LambdaStreamHandler, LambdaV2Result, SqsBatchResponse } from './native.js';

// The generated entry calls the handlers below with definitions the build has already checked; that
// bundle defines this as true, which drops the checks (see onefn's options.ts).
declare const __ONEFN_CHECKED__: true | undefined;

/** Options the generated entry passes: the resource driver, for a function that declares uses. */
export interface EntryOptions {
  resources?: HandlerOptions['resources'];
}

function isHttpList(value: unknown): value is readonly HttpDefinition[] {
  return Array.isArray(value) && value.length > 0 && value.every((d) => isDefinition(d) && d.kind === 'http');
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
export function lambdaHttpHandler(definitions: readonly HttpDefinition[], options?: EntryOptions): LambdaHandler<LambdaHttpResult> {
  if (typeof __ONEFN_CHECKED__ === 'undefined' && !isHttpList(definitions)) {
    throw new DefinitionError('definitions', 'lambdaHttpHandler needs HTTP definitions only');
  }
  return httpHandler(definitions, options);
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
export function lambdaHttpV2Handler(definitions: readonly HttpDefinition[], options?: EntryOptions): LambdaHandler<LambdaV2Result> {
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
export function lambdaHttpStreamHandler(definitions: readonly HttpDefinition[], options?: EntryOptions): LambdaStreamHandler {
  if (typeof __ONEFN_CHECKED__ === 'undefined' && !isHttpList(definitions)) {
    throw new DefinitionError('definitions', 'lambdaHttpStreamHandler needs HTTP definitions only');
  }
  return httpStreamHandler(definitions, options);
}

/**
 * A Lambda handler for one event definition (queue, topic, storage, schedule, CloudEvent). What
 * `onefn build aws` generates for an event function.
 *
 * @example
 * import { orders } from './worker.js'
 * export const handler = lambdaEventHandler(orders)   // SQS: answers { batchItemFailures }
 */
export function lambdaEventHandler(definition: MessageDefinition, options?: EntryOptions): LambdaHandler<SqsBatchResponse | undefined>;
export function lambdaEventHandler(definition: StorageDefinition | ScheduleDefinition | CloudEventDefinition, options?: EntryOptions): LambdaHandler<undefined>;
export function lambdaEventHandler(definition: EventDefinition, options?: EntryOptions): LambdaHandler<SqsBatchResponse | undefined>;
export function lambdaEventHandler(definition: EventDefinition, options?: EntryOptions): LambdaHandler<SqsBatchResponse | undefined> {
  if (typeof __ONEFN_CHECKED__ === 'undefined' && (!isDefinition(definition) || (definition as Definition).kind === 'http')) throw new DefinitionError('definition', 'lambdaEventHandler needs an event definition');
  return eventHandler(definition, options);
}
