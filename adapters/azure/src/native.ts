/**
 * The provider's own types that `@onefn/azure` speaks: what a registered handler is, and what
 * `ctx.native` holds on Azure.
 */
import type { HttpRequest as AzureHttpRequest, InvocationContext } from '@azure/functions';

/** What `ctx.native` holds on Azure. `event` is the trigger's input as the library gave it (an HttpRequest, a Timer, a queue payload, an Event Grid event). */
export interface AzureNative {
  event: AzureHttpRequest | unknown;
  context: InvocationContext;
}

/** What an Azure handler is: the trigger's input and the invocation context in, a result out. */
export type AzureHandler = (input: unknown, context: InvocationContext) => Promise<unknown>;

/** The answer to Event Grid's subscription-validation handshake. */
export interface ValidationResponse {
  validationResponse: string;
}
