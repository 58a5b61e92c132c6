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
import { DefinitionError, isDefinition, type Definition } from 'onefn';
import { planFunctions } from 'onefn/runtime';
import { type AzureFunctionSpec, functionSpecs } from './bindings.js';
import { handlerFor } from './handlers.js';
import { type AzureOptions, resolveOptions } from './options.js';

export type { AzureFunctionSpec, AzureTriggerKind, AzureTriggerOptions } from './bindings.js';
export { toAzureRoute } from './bindings.js';
export type { AzureHandler, ValidationResponse } from './handlers.js';
export type { AzureOptions } from './options.js';
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
  if (!app) throw new Error('@onefn/azure: @azure/functions did not provide "app"; install @azure/functions v4');
  return app;
}

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
    (app[kind] as unknown as (name: string, options: Record<string, unknown>) => void)(spec.name, { ...trigger, handler });
  }
  return specs;
}
