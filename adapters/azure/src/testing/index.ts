/**
 * `@onefn/azure/testing`: a stand-in for the Functions host that captures `app.*` registrations and
 * invokes them through @azure/functions' own invocation pipeline, RPC builders for every trigger, and
 * builders for the library's HttpRequest, InvocationContext and trigger payloads.
 *
 * Import this module before anything registers functions: it installs `@azure/functions-core`, which
 * the library looks up once, at its first registration.
 *
 * @example
 * import { azureHost, httpResult, rpcHttp } from '@onefn/azure/testing'
 * import { serve } from '@onefn/azure'
 * const host = azureHost()
 * serve(await import('./api.js'))
 * const res = httpResult(await host.invoke('http', rpcHttp({ url: '/api/hello?name=Ada' })))
 */
import * as azureFunctions from '@azure/functions';
import type { HttpRequest as AzureHttpRequest, InvocationContext, LogLevel, TriggerMetadata } from '@azure/functions';
import { azureHost } from './host.js';

export { azureHost } from './host.js';
export type { AzureTestHost, FunctionMetadata, HostInvocation, HostLog, ProxiedInvocation, Registration, RpcHttpCookie, RpcHttpData, RpcInvocationResponse, RpcTypedData } from './host.js';
export {
  httpResult, rpcBlob, rpcEventGrid, rpcFromHostPayload, rpcHttp, rpcQueueMessage, rpcServiceBusMessage, rpcTimer, toTypedData,
  type RpcBlobOptions, type RpcHttpOptions, type RpcHttpResult, type RpcQueueOptions, type RpcServiceBusOptions, type RpcTrigger,
} from './rpc.js';
export { blobEvent, cloudEventSchemaEvent, eventGridEvent, timerInfo, type BlobEventOptions, type CloudEventSchemaEvent } from './payloads.js';

// Installed on import, so that a test registering right after importing this module is covered.
azureHost();

type Lib = typeof azureFunctions;
const lib = ((azureFunctions as unknown as { default?: Lib }).default ?? azureFunctions) as Lib;

export interface HttpRequestOptions {
  method?: string;
  /** A full URL, or a path on http://localhost:7071. */
  url?: string;
  headers?: Readonly<Record<string, string>>;
  body?: string | Uint8Array;
  params?: Readonly<Record<string, string>>;
}

/**
 * The library's HttpRequest, as a handler receives it.
 *
 * @example
 * httpRequest({ method: 'POST', url: '/api/users', headers: { 'content-type': 'application/json' }, body: '{"name":"Ada"}' })
 */
export function httpRequest(options: HttpRequestOptions = {}): AzureHttpRequest {
  const url = new URL(options.url ?? '/', 'http://localhost:7071').href;
  const body = options.body === undefined ? undefined : { string: typeof options.body === 'string' ? options.body : undefined, bytes: options.body instanceof Uint8Array ? options.body : undefined };
  return new lib.HttpRequest({ method: (options.method ?? 'GET').toUpperCase() as 'GET', url, headers: { ...options.headers }, params: { ...options.params }, body });
}

/** A log line written through an invocation context. */
export interface ContextLog {
  readonly level: LogLevel;
  readonly args: readonly unknown[];
}

/**
 * The library's InvocationContext with every field defaulted, capturing what is logged through it.
 *
 * @example
 * const { context, logs } = invocationContext({ functionName: 'orders', triggerMetadata: { id: 'm-1', dequeueCount: 1 } })
 */
export function invocationContext(options: { invocationId?: string; functionName?: string; triggerMetadata?: TriggerMetadata } = {}): { context: InvocationContext; logs: ContextLog[] } {
  const logs: ContextLog[] = [];
  const context = new lib.InvocationContext({
    invocationId: options.invocationId ?? 'test-invocation',
    functionName: options.functionName ?? 'test',
    triggerMetadata: options.triggerMetadata,
    logHandler: (level, ...args) => void logs.push({ level, args }),
  });
  return { context, logs };
}
