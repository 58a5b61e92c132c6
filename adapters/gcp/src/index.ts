/**
 * `@onefn/gcp`: run onefn definitions on Google Cloud Functions (2nd gen) under functions-framework.
 * native request -> portable input (`from-*.ts`) -> the core pipeline (`handler.ts`) -> native
 * response (`to-http.ts`). Two verbs, the same on every onefn adapter: `serve` runs a module the way
 * `onefn deploy` plans it, and `wrap` turns one definition (or routed HTTP definitions) into the
 * provider's own function.
 *
 * @example
 * import { serve } from '@onefn/gcp'
 * import * as api from './api.js'
 * serve(api)   // then: functions-framework --target=<planned name>
 */
import { http } from '@google-cloud/functions-framework';
import { DefinitionError, type Definition, type EventDefinition, type HttpDefinition } from 'onefn';
import { checkWrapOptions, planFunctions, servedModule, wrappedDefinition, type FunctionPlan } from 'onefn/runtime';
import { toCloudEventFunction, toEventFunction, toHttpFunction, type GcpCloudEventFunction, type GcpHttpFunction } from './handler.js';
import { FRAMEWORK_NAME, type GcpNative } from './native.js';
import { OPTION_KEYS, type GcpOptions } from './options.js';

export type { GcpCloudEventFunction, GcpHttpFunction } from './handler.js';
export { cloudLoggingSink, parseTrace, type LineWriter, type TraceContext } from './context.js';
export type { GcpOptions } from './options.js';
export type { GcpCloudEventObject, GcpNative, GcpRequest, GcpResponse } from './native.js';
export { DELIVERY_FORMATS, type DeliveryFormat } from './from-delivery.js';

declare module 'onefn' {
  interface NativeRegistry {
    gcp: GcpNative;
  }
}

/** What `serve` takes besides the definitions. */
export interface ServeOptions extends GcpOptions {
  /** The planned name of the function that routes the HTTP definitions. Default: `http`. */
  routedName?: string;
}

/** What `wrap` takes besides the definitions. */
export interface WrapOptions extends GcpOptions {
  /** The function's name in its context and logs. Default: the definition's `name`, else `function`. */
  name?: string;
}

/**
 * Runs a module (or one definition, or HTTP definitions) on functions-framework the way `onefn deploy`
 * plans it: every planned function is registered under its planned name, which is the `--target` (and
 * the deploy helper's entry point). HTTP definitions go in as one routed HTTP function; each event
 * definition as an HTTP function that accepts CloudEvents, push envelopes and legacy events (see
 * `wrap`). Returns the plans it registered.
 *
 * @example
 * // index.ts, the deployed entry
 * import { serve } from '@onefn/gcp'
 * import * as api from './api.js'
 * serve(api)   // functions-framework --target=http
 */
export function serve(target: Readonly<Record<string, unknown>> | Definition | readonly HttpDefinition[], options: ServeOptions = {}): FunctionPlan[] {
  checkWrapOptions('@onefn/gcp', options, [...OPTION_KEYS, 'routedName']);
  const { routedName, ...rest } = options;
  const plans = planFunctions(servedModule(target, 'function'), { routedName: routedName ?? 'http' });
  if (!plans.length) throw new DefinitionError('source', 'serve() found no onefn definitions in what it was given');
  for (const plan of plans) {
    if (!FRAMEWORK_NAME.test(plan.name)) {
      throw new DefinitionError('name', `"${plan.name}" cannot be a functions-framework target (letters, digits, "-" and "_", ending in a letter or digit)`);
    }
  }
  for (const plan of plans) {
    const fn = plan.kind === 'http' ? toHttpFunction(plan.definitions, { ...rest, name: plan.name }) : toEventFunction(plan.definition, { ...rest, name: plan.name });
    http(plan.name, fn as Parameters<typeof http>[1]);
  }
  return plans;
}

/**
 * One definition, or HTTP definitions routed together, as a functions-framework function you register
 * yourself. HTTP definitions give an HTTP function. An event definition gives an HTTP function that
 * takes every way its event arrives (CloudEvents in binary or structured mode, Pub/Sub push envelopes,
 * legacy background events, and Cloud Scheduler's plain HTTP calls for schedules): it answers 204 to
 * acknowledge, 500 to be redelivered, 504 when cut off at the deadline, and 400/422 for an event it
 * cannot read or does not serve. With `signature: 'cloudevent'` it gives a CloudEvent function for
 * `cloudEvent()` instead, which can only resolve or reject (see `toCloudEventFunction` in handler.ts
 * for what that loses).
 *
 * @example
 * import { http, cloudEvent } from '@google-cloud/functions-framework'
 * import { wrap } from '@onefn/gcp'
 * http('api', wrap([getUser, createUser]))
 * http('orders', wrap(orders))
 * cloudEvent('audit', wrap(audit, { signature: 'cloudevent' }))
 */
export function wrap(definition: HttpDefinition | readonly HttpDefinition[] | EventDefinition, options?: WrapOptions): GcpHttpFunction;
export function wrap(definition: EventDefinition, options: WrapOptions & { signature: 'cloudevent' }): GcpCloudEventFunction;
export function wrap(definition: Definition | readonly HttpDefinition[], options: WrapOptions & { signature?: 'http' | 'cloudevent' } = {}): GcpHttpFunction | GcpCloudEventFunction {
  checkWrapOptions('@onefn/gcp', options, [...OPTION_KEYS, 'name', 'signature']);
  const { signature, ...rest } = options;
  const target = wrappedDefinition(definition);
  if (Array.isArray(target)) {
    if (signature === 'cloudevent') throw new DefinitionError('signature', 'HTTP definitions have no CloudEvent signature');
    return toHttpFunction(target as readonly HttpDefinition[], rest);
  }
  const def = target as Definition;
  if (signature !== undefined && signature !== 'http' && signature !== 'cloudevent') {
    throw new DefinitionError('signature', `must be "http" or "cloudevent", got ${JSON.stringify(signature)}`);
  }
  if (def.kind === 'http') {
    if (signature === 'cloudevent') throw new DefinitionError('signature', 'HTTP definitions have no CloudEvent signature');
    return toHttpFunction([def], rest);
  }
  return signature === 'cloudevent' ? toCloudEventFunction(def, rest) : toEventFunction(def, rest);
}
