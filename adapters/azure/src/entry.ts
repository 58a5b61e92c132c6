/**
 * `@onefn/azure/entry`: what the entry that `onefn build azure` / `onefn deploy azure` generates
 * imports, and the registration both it and `serve` use. Internal: its names and signatures follow the
 * build, not semver. Write `serve` or `wrap` from `@onefn/azure` by hand. Each planned function is
 * registered with only its own handler, so a bundle carries only what its functions use (no planner,
 * no event converters in an HTTP-only app).
 */
import * as azureFunctions from '@azure/functions';
import { DefinitionError, OnefnError, type EventDefinition, type HttpDefinition } from 'onefn';
import type { AzureTriggerOptions } from './bindings.js';
import { eventHandler, httpHandler } from './handler.js';
import type { RuntimeOptions } from './options.js';
import { watchProxy } from './proxy.js';

type App = typeof azureFunctions.app;

/** Node gives a CommonJS package's exports as `default` to ESM; CommonJS builds see them directly. */
export function azureApp(): App {
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
export function enableHttpStreams(app: App): void {
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

export type Registrar = (name: string, options: Record<string, unknown>) => void;

/** Registers one planned HTTP function with options already resolved (generated entries only). */
export function registerHttpFunction(name: string, trigger: Extract<AzureTriggerOptions, { kind: 'http' }>, definitions: readonly HttpDefinition[], options: RuntimeOptions): void {
  const { kind, ...rest } = trigger;
  // As `serve`: an app with a streaming definition turns the library's HTTP streams on, once (a
  // build whose definitions do not stream defines __ONEFN_STREAMS__ false, which drops this).
  if ((typeof __ONEFN_STREAMS__ === 'undefined' || __ONEFN_STREAMS__) && definitions.some((d) => d.trigger.stream)) enableHttpStreams(azureApp());
  (azureApp()[kind] as unknown as Registrar)(name, { ...rest, handler: httpHandler(definitions, options) });
}

/** Registers one planned event function, as `registerHttpFunction` does for HTTP (generated entries only). */
export function registerEventFunction(name: string, trigger: Exclude<AzureTriggerOptions, { kind: 'http' }>, definition: EventDefinition, options: RuntimeOptions): void {
  const { kind, ...rest } = trigger;
  (azureApp()[kind] as unknown as Registrar)(name, { ...rest, handler: eventHandler(name, trigger, definition, options) });
}
