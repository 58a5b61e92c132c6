import type { EventDefinition, HttpDefinition } from '../onefn/definition.js';
import { OnefnError } from '../onefn/errors.js';
import type { CloudEvent, Message, ScheduleEvent, StorageEvent } from '../onefn/events.js';
import type { LogSink } from '../onefn/logger.js';
import type { ResourceDriverSource } from '../resources/driver.js';

/** The providers a local request can be sent through as their native event. */
export const BRIDGE_PROVIDERS = ['aws', 'gcp', 'azure'] as const;
export type BridgeProvider = (typeof BRIDGE_PROVIDERS)[number];

/** What every bridged invocation is given. */
export interface BridgeOptions {
  /** The deployed function's name, as the provider would report it. */
  readonly functionName: string;
  readonly timeoutMs: number;
  /** Where the wrapped handler's log entries go (the dev server's feed). */
  readonly logSink: LogSink;
  /** The dev server's local queues, topics and buckets, for handlers that declare `uses`. */
  readonly resources?: ResourceDriverSource;
}

/** An HTTP request as the dev server received it: the raw target, headers and bytes. */
export interface BridgeHttpRequest {
  readonly method: string;
  readonly path: string;
  /** The query string as sent (still percent-encoded), without "?". */
  readonly rawQuery: string;
  readonly headers: Readonly<Record<string, string | readonly string[]>>;
  readonly body: Uint8Array | undefined;
  readonly ip: string | undefined;
}

/** The portable answer, read back from the provider's native result. */
export interface BridgeHttpResponse {
  readonly status: number;
  readonly headers: Readonly<Record<string, string | readonly string[]>>;
  readonly cookies: readonly string[];
  readonly body: Uint8Array;
}

export interface BridgeHttpAnswer {
  /** The event the provider would deliver, exactly as the wrapped handler received it. */
  readonly nativeEvent: unknown;
  /** What the wrapped handler answered, as the provider would receive it. */
  readonly nativeResult: unknown;
  readonly response: BridgeHttpResponse;
}

/** The portable items of one local delivery (a batch for queues), as `parsePortableInput` made them. */
export type BridgeEventItems = readonly Message[] | readonly StorageEvent[] | readonly ScheduleEvent[] | readonly CloudEvent[];

/**
 * One delivery: a provider that delivers one item per invocation (SNS, Pub/Sub, Azure) makes one
 * delivery per item; SQS takes the batch in one.
 */
export interface BridgeDelivery {
  readonly nativeEvent: unknown;
  /** What the handler answered (SQS: `{ batchItemFailures }`), or the failure the provider saw. */
  readonly nativeResult: unknown;
  /** The ids of the items this delivery carried, and of those the provider would deliver again. */
  readonly ids: readonly string[];
  readonly failed: readonly string[];
}

export interface BridgeEventAnswer {
  readonly deliveries: readonly BridgeDelivery[];
  /** What the provider does next with a failed item: its retry, dead-letter or poison rule. */
  readonly onFailure: string;
}

/**
 * What an adapter's `dev` subpath exports as `devBridge` (`@onefn/aws/dev` and the like), so that
 * `onefn dev --provider <name>` and the dashboard can send a local request through that adapter as
 * its native event. The core finds it by package name and never imports an adapter.
 *
 * @example
 * export const devBridge: DevBridge = { provider: 'aws', http: ..., events: ... }
 */
export interface DevBridge {
  readonly provider: BridgeProvider;
  /** Turns the request into the provider's native HTTP event, runs the wrapped handler, reads its answer back. */
  http(definitions: readonly HttpDefinition[], request: BridgeHttpRequest, options: BridgeOptions): Promise<BridgeHttpAnswer>;
  /** Delivers the items as the provider would, each through the wrapped handler. */
  events(definition: EventDefinition, items: BridgeEventItems, options: BridgeOptions): Promise<BridgeEventAnswer>;
}

/** No adapter installed for a provider, or one without a bridge. */
export class BridgeUnavailableError extends OnefnError {
  constructor(message: string) {
    super('NO_ADAPTER', message);
    this.name = 'BridgeUnavailableError';
  }
}

/** Loads `@onefn/<provider>/dev` by name; the core never imports an adapter. */
export async function loadBridge(provider: BridgeProvider): Promise<DevBridge> {
  const name = `@onefn/${provider}/dev`;
  let mod: { devBridge?: DevBridge };
  try {
    mod = (await import(name)) as { devBridge?: DevBridge };
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND' || code === 'ERR_PACKAGE_PATH_NOT_EXPORTED') {
      throw new BridgeUnavailableError(`sending as ${provider} needs its adapter: npm install --save-dev @onefn/${provider}`);
    }
    throw error;
  }
  if (!mod.devBridge || mod.devBridge.provider !== provider) throw new BridgeUnavailableError(`${name} exports no devBridge for ${provider}`);
  return mod.devBridge;
}
