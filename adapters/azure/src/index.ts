/**
 * `@onefn/azure`: run onefn definitions on Azure Functions (Node.js v4 programming model). `register`
 * plans a module's definitions into functions and registers each with the `app` API of
 * `@azure/functions`: native trigger -> portable input -> handler -> native result.
 *
 * @example
 * // src/functions.ts, the file package.json "main" points at
 * import { register } from '@onefn/azure'
 * import * as api from './api.js'
 * register(api)
 */
import * as azureFunctions from '@azure/functions';
import type { HttpRequest as AzureHttpRequest, InvocationContext } from '@azure/functions';
import { DefinitionError, isDefinition, OnefnError, type Definition, type EventDefinition, type HttpDefinition } from 'onefn';
import { planFunctions } from 'onefn/runtime';
import { type AzureFunctionSpec, type AzureTriggerOptions, functionSpecs } from './bindings.js';
import { eventHandler, handlerFor, httpHandler } from './handlers.js';
import { type AzureOptions, type ResolvedOptions, resolveOptions } from './options.js';
import { watchProxy } from './proxy.js';

export type { AzureFunctionSpec, AzureTriggerKind, AzureTriggerOptions } from './bindings.js';
export { toAzureRoute } from './bindings.js';
export type { AzureHandler, ValidationResponse } from './handlers.js';
export type { AzureOptions, ResolvedOptions } from './options.js';
export { parseSetCookie, toHttpResponse } from './to-http.js';

declare module 'onefn' {
  interface NativeRegistry {
    /** `event` is the trigger's input as the library gave it (an HttpRequest, a Timer, a queue payload, an Event Grid event). */
    azure: { event: AzureHttpRequest | unknown; context: InvocationContext };
  }
}

type App = typeof azureFunctions.app;

/** Node gives a CommonJS package's exports as `default` to ESM; CommonJS builds see them directly. */
function azureApp(): App {
  const ns = azureFunctions as unknown as { app?: App; default?: { app?: App } };
  const app = ns.app ?? ns.default?.app;
  if (!app) throw new OnefnError('NO_AZURE_FUNCTIONS', '@onefn/azure: @azure/functions did not provide "app"; install @azure/functions v4');
  return app;
}

declare const __ONEFN_STREAMS__: boolean | undefined;

let streamsEnabled = false;

/**
 * Turns on the library's HTTP streams (`app.setup({ enableHttpStream: true })`, host 4.28 or later),
 * only for an app with a streaming definition: it routes every HTTP function of the app through the
 * library's local HTTP proxy instead of the host's RPC channel. Process-wide, and only possible before
 * the worker starts the app, which is when `register` runs.
 */
function enableHttpStreams(app: App): void {
  if (streamsEnabled) return;
  const setup = (app as { setup?: (options: { enableHttpStream: boolean }) => void }).setup;
  if (typeof setup !== 'function') throw new DefinitionError('stream', 'streaming needs @azure/functions 4.3 or later (app.setup)');
  try {
    setup({ enableHttpStream: true });
  } catch {
    throw new DefinitionError('stream', 'Azure HTTP streams can be enabled only at start-up: register streaming definitions before the app starts');
  }
  streamsEnabled = true;
  watchProxy();
}

/**
 * Registers every definition of a module (or one definition) as Azure functions, and returns what it
 * registered. HTTP definitions share one function that routes by method and path (unless
 * `standalone`); each event definition is a function of its own. Call it once, at start-up, from the
 * file package.json `main` names.
 *
 * A failing message or event fails its invocation, so the host retries it: a Storage queue message
 * moves to `<queue>-poison` after `maxDequeueCount` attempts (5 by default), a Service Bus message is
 * dead-lettered after `MaxDeliveryCount`.
 *
 * @example
 * import { register } from '@onefn/azure'
 * import * as functions from './functions.js'
 * register(functions, { messaging: 'serviceBus', functionTimeout: 600 })
 */
export function register(moduleOrDefinition: Readonly<Record<string, unknown>> | Definition, options: AzureOptions = {}): AzureFunctionSpec[] {
  const resolved = resolveOptions(options);
  const namespace = isDefinition(moduleOrDefinition) ? { [moduleOrDefinition.settings.name ?? 'handler']: moduleOrDefinition } : moduleOrDefinition;
  const specs = functionSpecs(planFunctions(namespace, { routedName: resolved.routedName }), resolved);
  if (!specs.length) throw new DefinitionError('module', 'exports no onefn definitions');
  const app = azureApp();
  if (specs.some((spec) => spec.plan.kind === 'http' && spec.plan.definitions.some((d) => d.trigger.stream))) enableHttpStreams(app);
  for (const spec of specs) {
    const { kind, ...trigger } = spec.trigger;
    const handler = handlerFor(spec, resolved);
    // Each app.<kind> takes its trigger options next to the handler; the spec's union guarantees the pairing.
    (app[kind] as unknown as Registrar)(spec.name, { ...trigger, handler });
  }
  return specs;
}

type Registrar = (name: string, options: Record<string, unknown>) => void;

/**
 * Registers one planned HTTP function with options `register` already resolved: what the entry that
 * `onefn build azure` generates calls for each function, so that a bundle carries only what its
 * functions use (no planner, no event converters in an HTTP-only app). Write `register` by hand.
 */
export function registerHttpFunction(name: string, trigger: Extract<AzureTriggerOptions, { kind: 'http' }>, definitions: readonly HttpDefinition[], options: ResolvedOptions): void {
  const { kind, ...rest } = trigger;
  // As `register`: an app with a streaming definition turns the library's HTTP streams on, once (a
  // build whose definitions do not stream defines __ONEFN_STREAMS__ false, which drops this).
  if ((typeof __ONEFN_STREAMS__ === 'undefined' || __ONEFN_STREAMS__) && definitions.some((d) => d.trigger.stream)) enableHttpStreams(azureApp());
  (azureApp()[kind] as unknown as Registrar)(name, { ...rest, handler: httpHandler(definitions, options) });
}

/** Registers one planned event function, as `registerHttpFunction` does for HTTP (generated entries only). */
export function registerEventFunction(name: string, trigger: Exclude<AzureTriggerOptions, { kind: 'http' }>, definition: EventDefinition, options: ResolvedOptions): void {
  const { kind, ...rest } = trigger;
  (azureApp()[kind] as unknown as Registrar)(name, { ...rest, handler: eventHandler(name, trigger, definition, options) });
}
