import type { HttpRequest as AzureHttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import { type CloudEvent, type Context, type EventDefinition, type HttpDefinition, OnefnError, type StorageEvent, UnsupportedEventError } from 'onefn';
import type { ServerResponse } from 'node:http';
import { batchError, type BatchResult, type BodyStream, createRequest, createRouter, describeValue, problem, type ResponseData, runEvents } from 'onefn/runtime';
import type { AzureFunctionSpec, AzureTriggerOptions } from './bindings.js';
import { contextFor } from './context.js';
import { eventList, toCloudEvent, toStorageEvent, validationCode } from './from-eventgrid.js';
import { fromBlob } from './from-blob.js';
import { isAzureHttpRequest, requestInit } from './from-http.js';
import { fromServiceBus, fromStorageQueue } from './from-messages.js';
import { cloudEventFromServiceBus } from './from-service-bus-cloudevent.js';
import { fromTimer } from './from-timer.js';
import type { RuntimeOptions } from './options.js';
import { followConnection, takeProxied } from './proxy.js';
import type { AzureHandler, ValidationResponse } from './native.js';
import { toHttpResponse } from './to-http.js';

/**
 * A failed item fails the invocation: the host then retries it (a Storage queue message is dequeued
 * again, up to host.json `maxDequeueCount`, 5 by default, and then moved to `<queue>-poison`; Service
 * Bus abandons it until `MaxDeliveryCount` and then dead-letters it; Event Grid redelivers by its retry
 * policy). Nothing is dropped silently.
 */
function throwIfFailed(result: BatchResult, name: string): void {
  if (!result.failed.length) return;
  // An event this function does not serve, or a run cut off at the deadline: the typed error itself,
  // naming what arrived or the unfinished ids.
  const own = batchError(result);
  if (own) throw own;
  // As on AWS and GCP, the outcome names only the ids: each handler's error is already in the
  // function's own log lines (runEvents logs it, stack included), not in text the host records
  // as the invocation's failure.
  throw new OnefnError('EVENT_FAILED', `${name}: ${result.failed.length} of ${result.outcomes.length} event(s) failed: ${result.failed.join(', ')}`);
}

// A build without streaming definitions defines __ONEFN_STREAMS__ false, which drops the proxy's follower.
declare const __ONEFN_STREAMS__: boolean | undefined;

/**
 * A streamed answer: tied to the proxy's connection where HTTP streams give one (`out`); for HEAD,
 * GET's headers and no body, the stream released rather than read to its end.
 */
function streamed(response: ResponseData, body: BodyStream, head: boolean, out: ServerResponse | undefined, ctx: Context): HttpResponseInit {
  if (head) {
    body.cancel();
    const { stream: _unread, ...rest } = response;
    return toHttpResponse({ ...rest, body: '' }, ctx);
  }
  return toHttpResponse(out ? { ...response, stream: followConnection(body, out) } : response, ctx);
}

/** The handler of a function that routes HTTP definitions; the router is built once, here. */
export function httpHandler(definitions: readonly HttpDefinition[], options: RuntimeOptions): AzureHandler {
  const router = createRouter(definitions);
  const prefix = options.routePrefix;
  const timeout = options.functionTimeout;
  const resources = options.resources;
  return async (input, context): Promise<HttpResponseInit> => {
    if (!isAzureHttpRequest(input)) throw new UnsupportedEventError(describeValue(input), 'HTTP requests');
    const request = input as AzureHttpRequest;
    // With HTTP streams on, the connection a streamed body leaves by (see proxy.ts).
    const out = typeof __ONEFN_STREAMS__ === 'undefined' || __ONEFN_STREAMS__ ? takeProxied(context.invocationId) : undefined;
    let init;
    try {
      init = await requestInit(request, context, prefix);
    } catch (error) {
      return toHttpResponse(problem(400, error instanceof Error ? error.message : 'Unreadable request'));
    }
    const ctx = contextFor(context, request, timeout, resources);
    const response = await router.handle(createRequest(init), ctx);
    if ((typeof __ONEFN_STREAMS__ === 'undefined' || __ONEFN_STREAMS__) && response.stream) return streamed(response, response.stream, request.method === 'HEAD', out, ctx);
    return toHttpResponse(response, ctx);
  };
}

function eventGridItems(input: unknown, context: InvocationContext, storage: boolean): { validation?: string; items: Array<CloudEvent | StorageEvent> } {
  const events = eventList(input);
  const items: Array<CloudEvent | StorageEvent> = [];
  for (const event of events) {
    const code = validationCode(event);
    if (code !== undefined) return { validation: code, items: [] };
    items.push(storage ? toStorageEvent(event, context) : toCloudEvent(event, context));
  }
  return { items };
}

/** The handler of an event definition's function, for the trigger it is registered with. */
export function eventHandler(name: string, trigger: AzureTriggerOptions, def: EventDefinition, options: RuntimeOptions): AzureHandler {
  const timeout = options.functionTimeout;
  const resources = options.resources;
  return async (input, context): Promise<ValidationResponse | undefined> => {
    // Conversion errors are typed (MalformedEventError, UnsupportedEventError) and thrown before any
    // user code runs; the invocation fails, so the input is retried and then dead-lettered, not lost.
    let items: ReadonlyArray<Parameters<typeof runEvents>[1][number]>;
    switch (trigger.kind) {
      case 'storageQueue':
        items = [fromStorageQueue(input, context, trigger.queueName)];
        break;
      case 'serviceBusQueue':
        items = [fromServiceBus(input, context, trigger.queueName)];
        break;
      case 'serviceBusTopic':
        items = [def.kind === 'cloudevent' ? cloudEventFromServiceBus(input, context, trigger.topicName) : fromServiceBus(input, context, trigger.topicName)];
        break;
      case 'timer':
        items = [fromTimer(input, context, name)];
        break;
      case 'storageBlob':
        items = [fromBlob(input, context)];
        break;
      case 'eventGrid': {
        const { validation, items: events } = eventGridItems(input, context, def.kind === 'storage');
        if (validation !== undefined) return { validationResponse: validation };
        // A blob event of another container is not filtered out here: the subscription selects the
        // container (subjectBeginsWith), so such an event was misrouted, and the pipeline refuses it.
        items = events;
        break;
      }
      default:
        throw new UnsupportedEventError(`a ${trigger.kind} trigger`, `the ${def.kind} triggers`);
    }
    const ctx = contextFor(context, input, timeout, resources);
    throwIfFailed(await runEvents(def, items, ctx), name);
    return undefined;
  };
}

/** The function the library calls for a spec's trigger, built once at registration. */
export function handlerFor(spec: AzureFunctionSpec, options: RuntimeOptions): AzureHandler {
  const plan = spec.plan;
  if (plan.kind === 'http') return httpHandler(plan.definitions, options);
  return eventHandler(spec.name, spec.trigger, plan.definition, options);
}
