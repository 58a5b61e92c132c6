import { DefinitionError } from 'onefn';
import { checkWrapOptions, type ResourceDriverSource } from 'onefn/runtime';

/**
 * How `register` maps definitions onto Azure Functions triggers. Every field is optional; a typo is
 * refused when `register` runs (at start-up), never at the first invocation.
 */
export interface AzureOptions {
  /** host.json `extensions.http.routePrefix`. Stripped from request paths before routing. Default `api`. */
  routePrefix?: string;
  /**
   * The app's function timeout in seconds (host.json `functionTimeout`), which sets `ctx.deadline`.
   * Default 300: the Consumption plan's default, the shortest of the plans, so that `ctx.signal`
   * aborts early rather than late. `build` writes the value it put in host.json here.
   */
  functionTimeout?: number;
  /** Which service carries `defineQueue` messages. Default `storageQueue`. Topics always use Service Bus. */
  messaging?: 'storageQueue' | 'serviceBus';
  /** App setting holding the Storage connection (queues, blobs). Default `AzureWebJobsStorage`. */
  storageConnection?: string;
  /** App setting holding the Service Bus connection. Default `ServiceBusConnection`. */
  serviceBusConnection?: string;
  /**
   * How `defineStorage` is triggered: `eventGrid` (Blob Storage events through Event Grid: created and
   * deleted, the only way on Flex Consumption) or `blob` (the blob trigger: created or updated only).
   * Default `eventGrid`.
   */
  storageTrigger?: 'eventGrid' | 'blob';
  /** The Service Bus subscription a `defineTopic` function reads. Default: the function's name. */
  topicSubscription?: string;
  /** The name of the function that routes the module's HTTP definitions. Default `http`. */
  routedName?: string;
  /** Where handlers that declare `uses` reach their resources: `azureResources` from `@onefn/azure/resources`. */
  resources?: ResourceDriverSource;
}

/** What `register` tells a resource driver source: where queues go, and which settings hold the connections. */
export interface AzureResourceSettings {
  /** Which service carries queues, as `register`'s `messaging`. Default `storageQueue`. */
  messaging?: 'storageQueue' | 'serviceBus';
  /** The app setting holding the storage connection string. Default `AzureWebJobsStorage`. */
  storageConnection?: string;
  /** The app setting naming the Service Bus namespace. Default `ServiceBusConnection`. */
  serviceBusConnection?: string;
}

/** A driver source that `register` can hand its settings to (`azureResources` is one). */
export type AzureResourceSource = ResourceDriverSource & { configure?(settings: AzureResourceSettings): ResourceDriverSource };

/**
 * The source handlers reach their resources through: the `resources` option, told the app's
 * messaging and connection settings when it can take them, so that a queue is sent to the service
 * its consumer is bound to.
 */
export function resourcesFor(options: ResolvedOptions): ResourceDriverSource | undefined {
  const source = options.resources as AzureResourceSource | undefined;
  if (typeof source?.configure !== 'function') return source;
  return source.configure({ messaging: options.messaging, storageConnection: options.storageConnection, serviceBusConnection: options.serviceBusConnection });
}

export type ResolvedOptions = Required<Omit<AzureOptions, 'topicSubscription' | 'resources'>> & Pick<AzureOptions, 'topicSubscription' | 'resources'>;

/**
 * What the handlers read at run time: the route prefix, the timeout, and the resource source already
 * told the app's settings (`resourcesFor`). The other options shape the bindings, at build time or
 * in `serve`, so a generated entry carries only these.
 */
export interface RuntimeOptions {
  readonly routePrefix: string;
  readonly functionTimeout: number;
  readonly resources?: ResourceDriverSource;
}

/** The runtime part of resolved options, with the resource source configured once. */
export function runtimeOptions(options: ResolvedOptions): RuntimeOptions {
  const resources = resourcesFor(options);
  return { routePrefix: options.routePrefix, functionTimeout: options.functionTimeout, ...(resources ? { resources } : {}) };
}

export const OPTION_KEYS: readonly string[] = ['routePrefix', 'functionTimeout', 'messaging', 'storageConnection', 'serviceBusConnection', 'storageTrigger', 'topicSubscription', 'routedName', 'resources'];
const SETTING = /^[A-Za-z_][A-Za-z0-9_:.-]*$/;

function oneOf<T extends string>(option: string, value: unknown, allowed: readonly T[], fallback: T): T {
  if (value === undefined) return fallback;
  if (!(allowed as readonly unknown[]).includes(value)) throw new DefinitionError(option, `must be one of ${allowed.join(', ')}, got ${JSON.stringify(value)}`);
  return value as T;
}

function setting(option: string, value: unknown, fallback: string): string {
  if (value === undefined) return fallback;
  if (typeof value !== 'string' || !SETTING.test(value)) throw new DefinitionError(option, `must be an app setting name, got ${JSON.stringify(value)}`);
  return value;
}

/** Validates `register`'s options and fills in the defaults. */
export function resolveOptions(options: AzureOptions = {}): ResolvedOptions {
  checkWrapOptions('@onefn/azure', options, OPTION_KEYS);
  const prefix = options.routePrefix ?? 'api';
  if (typeof prefix !== 'string' || !/^[A-Za-z0-9_\-./]*$/.test(prefix)) throw new DefinitionError('routePrefix', `must be a path prefix such as "api" or "", got ${JSON.stringify(prefix)}`);
  const timeout = options.functionTimeout ?? 300;
  // functionTimeout: Consumption allows up to 10 minutes; Flex Consumption and Premium are unbounded
  // by default (30 minutes when unset). https://learn.microsoft.com/azure/azure-functions/functions-scale#timeout
  if (typeof timeout !== 'number' || !Number.isInteger(timeout) || timeout < 1 || timeout > 24 * 3600) {
    throw new DefinitionError('functionTimeout', `must be whole seconds from 1 to 86400, got ${JSON.stringify(timeout)}`);
  }
  const routedName = options.routedName ?? 'http';
  if (typeof routedName !== 'string' || !/^[A-Za-z][A-Za-z0-9_-]{0,62}$/.test(routedName)) throw new DefinitionError('routedName', `must be a function name, got ${JSON.stringify(routedName)}`);
  if (options.topicSubscription !== undefined && (typeof options.topicSubscription !== 'string' || !options.topicSubscription)) {
    throw new DefinitionError('topicSubscription', 'must be a non-empty string');
  }
  if (options.resources !== undefined && typeof options.resources !== 'function') throw new DefinitionError('resources', 'must be a resource driver source, such as azureResources from @onefn/azure/resources');
  return {
    routePrefix: prefix.replace(/^\/+|\/+$/g, ''),
    functionTimeout: timeout,
    messaging: oneOf('messaging', options.messaging, ['storageQueue', 'serviceBus'], 'storageQueue'),
    storageConnection: setting('storageConnection', options.storageConnection, 'AzureWebJobsStorage'),
    serviceBusConnection: setting('serviceBusConnection', options.serviceBusConnection, 'ServiceBusConnection'),
    storageTrigger: oneOf('storageTrigger', options.storageTrigger, ['eventGrid', 'blob'], 'eventGrid'),
    topicSubscription: options.topicSubscription,
    routedName,
    ...(typeof options.resources === 'function' ? { resources: options.resources } : {}),
  };
}
