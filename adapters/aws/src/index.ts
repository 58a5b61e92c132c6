/**
 * `@onefn/aws`: run onefn definitions on AWS Lambda. Native event -> portable input (`from-*.ts`) ->
 * the core pipeline (`handler.ts`) -> native answer (`to-*.ts`); the event kind is chosen by the type
 * guards in `detect.ts`. Imports no AWS SDK and no deploy code, so a bundled function carries neither.
 * Two verbs, the same on every onefn adapter: `serve` runs a module the way `onefn deploy` plans it,
 * and `wrap` turns one definition (or routed HTTP definitions) into the provider's own function.
 *
 * @example
 * // index.ts, deployed with the handler "index.handler"
 * import { serve } from '@onefn/aws'
 * import * as api from './api.js'
 * export const handler = serve(api)
 */
import {
  DefinitionError, isDefinition, type CloudEventDefinition, type Definition, type HttpDefinition, type MessageDefinition,
  type ScheduleDefinition, type StorageDefinition,
} from 'onefn';
import { checkWrapOptions, planFunctions, servedModule, wrappedDefinition } from 'onefn/runtime';
import { eventHandler, httpHandler, httpStreamHandler } from './handler.js';
import { handlerOptions, type LambdaOptions } from './options.js';
import type { LambdaHandler, LambdaHttpResult, LambdaResult, LambdaStreamHandler, SqsBatchResponse } from './native.js';

const WRAP_OPTIONS = ['resources', 'stream'];
const SERVE_OPTIONS = ['resources', 'function'];

export type {
  AlbEvent, ApiGatewayV1Event, ApiGatewayV2Event, EventBridgeEvent, LambdaContext, LambdaEvent, LambdaHandler, LambdaHttpResult,
  LambdaResponseStream, LambdaResult, LambdaStreamHandler, LambdaStreamPrelude, LambdaV1Result, LambdaV2Result, S3Event, SnsEvent,
  SqsBatchResponse, SqsEvent,
} from './native.js';
export { lambdaLogSink } from './context.js';

export type { LambdaOptions } from './options.js';
export { describeEvent } from './detect.js';

/**
 * One definition, or HTTP definitions routed by method and path, as a Lambda handler you export
 * yourself. Events the definition does not serve are rejected with an `UnsupportedEventError` before
 * user code. With `stream: true`, HTTP definitions give a streaming handler, marked with
 * `awslambda.streamifyResponse`, for a Function URL whose InvokeMode is RESPONSE_STREAM: status, headers
 * and cookies go out in the HTTP integration prelude, then the body as it is produced.
 *
 * @example
 * export const handler = wrap(orders)                      // SQS: answers { batchItemFailures }
 * export const api = wrap([getUser, createUser])
 * export const live = wrap([clock, exportCsv], { stream: true })
 */
export function wrap(definition: HttpDefinition | readonly HttpDefinition[], options: LambdaOptions & { stream: true }): LambdaStreamHandler;
export function wrap(definition: HttpDefinition | readonly HttpDefinition[], options?: LambdaOptions & { stream?: false }): LambdaHandler<LambdaHttpResult>;
/** SQS answers `{ batchItemFailures }`; SNS answers nothing (a failure is thrown). */
export function wrap(definition: MessageDefinition, options?: LambdaOptions): LambdaHandler<SqsBatchResponse | undefined>;
export function wrap(definition: StorageDefinition | ScheduleDefinition | CloudEventDefinition, options?: LambdaOptions): LambdaHandler<undefined>;
export function wrap(definition: Definition | readonly HttpDefinition[], options?: LambdaOptions): LambdaHandler<LambdaResult>;
export function wrap(definition: Definition | readonly HttpDefinition[], options?: LambdaOptions & { stream?: boolean }): LambdaHandler<LambdaResult> | LambdaStreamHandler {
  checkWrapOptions('@onefn/aws', options, WRAP_OPTIONS);
  const opts = handlerOptions(options);
  const stream = options?.stream;
  if (stream !== undefined && typeof stream !== 'boolean') throw new DefinitionError('stream', `must be true or false, got ${JSON.stringify(stream)}`);
  const target = wrappedDefinition(definition);
  let http: readonly HttpDefinition[];
  if (Array.isArray(target)) {
    http = target as readonly HttpDefinition[];
  } else {
    const def = target as Definition;
    if (def.kind !== 'http') {
      if (stream) throw new DefinitionError('stream', 'only HTTP definitions stream');
      return eventHandler(def, opts);
    }
    http = [def];
  }
  return stream ? httpStreamHandler(http, opts) : httpHandler(http, opts);
}

/** What `serve` takes besides the module. */
export interface ServeOptions extends LambdaOptions {
  /** Which of the module's planned functions this handler is; needed when it plans into several. */
  function?: string;
}

/**
 * A Lambda handler for a module's definitions (or one definition, or HTTP definitions), planned as
 * `onefn deploy` plans them: the HTTP definitions as one routed function, each event definition as a
 * function of its own. A module that plans into several functions needs `function` to say which one
 * this is.
 *
 * @example
 * import * as app from './app.js'
 * export const handler = serve(app, { function: 'orders' })
 */
export function serve(target: HttpDefinition | readonly HttpDefinition[], options?: ServeOptions): LambdaHandler<LambdaHttpResult>;
export function serve(target: MessageDefinition, options?: ServeOptions): LambdaHandler<SqsBatchResponse | undefined>;
export function serve(target: StorageDefinition | ScheduleDefinition | CloudEventDefinition, options?: ServeOptions): LambdaHandler<undefined>;
/** A module: which function it is known only at run time, so the answer is any of them. */
export function serve(target: Readonly<Record<string, unknown>> | Definition | readonly HttpDefinition[], options?: ServeOptions): LambdaHandler<LambdaResult>;
export function serve(target: Readonly<Record<string, unknown>> | Definition | readonly HttpDefinition[], options: ServeOptions = {}): LambdaHandler<LambdaResult> {
  checkWrapOptions('@onefn/aws', options, SERVE_OPTIONS);
  if (Array.isArray(target) || isDefinition(target)) return wrap(target as Definition | readonly HttpDefinition[], handlerOptions(options));
  const plans = planFunctions(servedModule(target, 'function'));
  const names = plans.map((p) => p.name);
  const plan = options.function === undefined ? (plans.length === 1 ? plans[0] : undefined) : plans.find((p) => p.name === options.function);
  if (!plan) {
    const why = plans.length === 0 ? 'the module exports no onefn definitions' : `choose one of: ${names.join(', ')}`;
    throw new DefinitionError('function', options.function === undefined ? why : `no function "${options.function}"; ${why}`);
  }
  const opts = handlerOptions(options);
  return plan.kind === 'http' ? httpHandler(plan.definitions, opts) : eventHandler(plan.definition, opts);
}

