/**
 * `@onefn/azure`: run onefn definitions on Azure Functions (Node.js v4 programming model): native
 * trigger -> portable input (`from-*.ts`) -> the core pipeline (`handler.ts`) -> native result
 * (`to-http.ts`). Two verbs, the same on every onefn adapter: `serve` runs a module the way `onefn
 * deploy` plans it (registering each planned function with the `app` API of `@azure/functions`), and
 * `wrap` turns one definition (or routed HTTP definitions) into the provider's own handler.
 *
 * @example
 * // src/functions.ts, the file package.json "main" points at
 * import { serve } from '@onefn/azure'
 * import * as api from './api.js'
 * serve(api)
 */
import { DefinitionError, type Definition, type HttpDefinition } from 'onefn';
import { planFunctions, servedModule, wrappedDefinition } from 'onefn/runtime';
import { type AzureFunctionSpec, functionSpecs } from './bindings.js';
import { azureApp, enableHttpStreams, type Registrar } from './entry.js';
import { handlerFor } from './handler.js';
import type { AzureHandler, AzureNative } from './native.js';
import { type AzureOptions, resolveOptions, runtimeOptions } from './options.js';

export type { AzureFunctionSpec, AzureTriggerKind, AzureTriggerOptions } from './bindings.js';
export { toAzureRoute } from './bindings.js';
export type { AzureHandler, AzureNative, ValidationResponse } from './native.js';
export type { AzureOptions, ResolvedOptions } from './options.js';
export { parseSetCookie, toHttpResponse } from './to-http.js';

declare module 'onefn' {
  interface NativeRegistry {
    azure: AzureNative;
  }
}

/**
 * Registers every definition of a module (or one definition, or HTTP definitions) as Azure functions, and returns what it
 * registered. HTTP definitions share one function that routes by method and path (unless
 * `standalone`); each event definition is a function of its own. Call it once, at start-up, from the
 * file package.json `main` names.
 *
 * A failing message or event fails its invocation, so the host retries it: a Storage queue message
 * moves to `<queue>-poison` after `maxDequeueCount` attempts (5 by default), a Service Bus message is
 * dead-lettered after `MaxDeliveryCount`.
 *
 * @example
 * import { serve } from '@onefn/azure'
 * import * as functions from './functions.js'
 * serve(functions, { messaging: 'serviceBus', functionTimeout: 600 })
 */
export function serve(target: Readonly<Record<string, unknown>> | Definition | readonly HttpDefinition[], options: AzureOptions = {}): AzureFunctionSpec[] {
  const resolved = resolveOptions(options);
  const specs = functionSpecs(planFunctions(servedModule(target, 'handler'), { routedName: resolved.routedName }), resolved);
  if (!specs.length) throw new DefinitionError('module', 'exports no onefn definitions');
  const app = azureApp();
  if (specs.some((spec) => spec.plan.kind === 'http' && spec.plan.definitions.some((d) => d.trigger.stream))) enableHttpStreams(app);
  const runtime = runtimeOptions(resolved);
  for (const spec of specs) {
    const { kind, ...trigger } = spec.trigger;
    const handler = handlerFor(spec, runtime);
    // Each app.<kind> takes its trigger options next to the handler; the spec's union guarantees the pairing.
    (app[kind] as unknown as Registrar)(spec.name, { ...trigger, handler });
  }
  return specs;
}

/**
 * One definition, or HTTP definitions routed by method and path, as an Azure handler you register
 * yourself with the `app` API, next to the trigger options you choose. The handler reads its input as
 * the trigger `serve` would register for the definition (`options.messaging` picks Storage queues or
 * Service Bus for a queue). For HTTP, the route you register must reach the definitions' routes (a
 * catch-all such as `{*path}` does).
 *
 * @example
 * import { app } from '@azure/functions'
 * import { wrap } from '@onefn/azure'
 * app.http('api', { route: '{*path}', methods: ['GET', 'POST'], handler: wrap([getUser, createUser]) })
 * app.storageQueue('orders', { queueName: 'orders', connection: 'AzureWebJobsStorage', handler: wrap(orders) })
 */
export function wrap(definition: Definition | readonly HttpDefinition[], options: AzureOptions = {}): AzureHandler {
  const resolved = resolveOptions(options);
  const specs = functionSpecs(planFunctions(servedModule(wrappedDefinition(definition), 'handler'), { routedName: resolved.routedName }), resolved);
  const spec = specs[0];
  if (specs.length !== 1 || !spec) throw new DefinitionError('definition', `wrap makes one function; these plan into ${specs.length}`);
  // As `serve`: a streaming definition turns the library's HTTP streams on, at start-up.
  if (spec.plan.kind === 'http' && spec.plan.definitions.some((d) => d.trigger.stream)) enableHttpStreams(azureApp());
  return handlerFor(spec, runtimeOptions(resolved));
}
