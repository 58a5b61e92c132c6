import {
  OnefnError, UnsupportedEventError, type CloudEvent, type Context, type Definition, type EventDefinition, type HttpDefinition,
  type Message, type Native, type ScheduleEvent, type StorageEvent,
} from 'onefn';
import { batchError, bufferResponse, createRequest, createRouter, runEvents, type BatchResult, type ResponseData, type Router } from 'onefn/runtime';
import {
  describeEvent, describeHttpEvent, describeShape, isAlbEvent, isCloudEventJson, isEventBridgeEvent, isHttpV1Event, isHttpV2Event, isS3Event,
  isS3EventBridgeEvent, isScheduledEvent, isSnsEvent, isSqsEvent,
} from './detect.js';
import { fromLambdaContext } from './context.js';
import { fromCloudEventJson, fromEventBridge, fromScheduledEvent } from './from-eventbridge.js';
import { fromAlb, fromHttpV1, fromHttpV2 } from './from-http.js';
import { fromSns, fromSqs, isFifoBatch } from './from-messages.js';
import { carriesCloudEvent, CLOUDEVENT_SOURCES, cloudEventsFromSns } from './from-sns-cloudevent.js';
import { fromS3, fromS3EventBridge } from './from-storage.js';
import type {
  ApiGatewayV2Event, LambdaContext, LambdaEvent, LambdaHandler, LambdaHttpResult, LambdaResponseStream, LambdaStreamHandler, LambdaV2Result, SqsBatchResponse,
} from './native.js';
import { streamify, writeStreamed } from './to-stream.js';

export type { HandlerOptions } from './options.js';
import type { LogSink } from 'onefn';
import type { ResourceDriverSource } from 'onefn/runtime';
import type { HandlerOptions } from './options.js';
import { toAlb, toHttpV1, toHttpV2 } from './to-http.js';

const nativeOf = (event: unknown, context: LambdaContext | undefined): Native => ({ provider: 'aws', event: event as LambdaEvent, context });

const HTTP_SOURCES = 'HTTP requests (API Gateway REST or HTTP API, Function URLs, ALB)';
const V2_SOURCES = 'HTTP API (payload 2.0) and Function URL requests (--http-events all adds REST APIs and ALB)';

/**
 * Answers a payload 2.0 event (HTTP APIs and Function URLs): synchronously when the router did, since
 * each promise between the handler and Lambda costs ticks on every call.
 */
function answerV2(router: Router, event: ApiGatewayV2Event, context: LambdaContext, sink: LogSink | undefined, resources: ResourceDriverSource | undefined): LambdaV2Result | Promise<LambdaV2Result> {
  const native = nativeOf(event, context);
  const request = createRequest(fromHttpV2(event, native));
  const response = router.handle(request, fromLambdaContext(native, context, sink, resources));
  return response instanceof Promise ? response.then(toV2) : toHttpV2(response);
}

// A streamed answer on a path that cannot stream (built without streaming, API Gateway, ALB) is read
// whole first: the same answer, buffered.
// The condition is written out in each, so that a build defining __ONEFN_STREAMS__ false (a function
// none of whose definitions streams) folds it away and leaves bufferResponse out.
declare const __ONEFN_STREAMS__: boolean | undefined;
const toV2 = (response: ResponseData): LambdaV2Result | Promise<LambdaV2Result> =>
  (typeof __ONEFN_STREAMS__ === 'undefined' || __ONEFN_STREAMS__) && response.stream ? bufferResponse(response).then(toHttpV2) : toHttpV2(response);
const whole = (response: ResponseData): ResponseData | Promise<ResponseData> =>
  (typeof __ONEFN_STREAMS__ === 'undefined' || __ONEFN_STREAMS__) && response.stream ? bufferResponse(response) : response;

/**
 * One routed handler for HTTP definitions, for payload 2.0 only: what a Function URL (the trigger the
 * deploy helper wires) and an HTTP API send. It carries none of the REST and ALB converters, which
 * keeps a deployed function small; any other event is an UnsupportedEventError naming it.
 */
export function httpV2Handler(definitions: readonly HttpDefinition[], options: HandlerOptions = {}): LambdaHandler<LambdaV2Result> {
  const router = createRouter(definitions);
  const sink = options.logSink;
  const resources = options.resources;
  return async (event, context) => {
    if (!isHttpV2Event(event)) throw new UnsupportedEventError(describeHttpEvent(event) ?? describeShape(event), V2_SOURCES);
    const answer = answerV2(router, event, context, sink, resources);
    return answer instanceof Promise ? await answer : answer;
  };
}

/**
 * A streaming handler for HTTP definitions, for a Function URL in RESPONSE_STREAM mode (payload 2.0
 * events): the answer goes out through the response stream with the HTTP integration prelude, a
 * streamed body chunk by chunk. Any other event is an UnsupportedEventError naming it (the runtime
 * reports it in the stream's error trailers).
 */
export function httpStreamHandler(definitions: readonly HttpDefinition[], options: HandlerOptions = {}): LambdaStreamHandler {
  const router = createRouter(definitions);
  const sink = options.logSink;
  return streamify(async (event: unknown, responseStream: LambdaResponseStream, context: LambdaContext): Promise<void> => {
    if (!isHttpV2Event(event)) throw new UnsupportedEventError(describeHttpEvent(event) ?? describeShape(event), 'Function URL requests (payload 2.0) only: a streaming function cannot answer API Gateway or ALB');
    const native = nativeOf(event, context);
    const request = createRequest(fromHttpV2(event, native));
    const pending = router.handle(request, fromLambdaContext(native, context, sink));
    await writeStreamed(responseStream, pending instanceof Promise ? await pending : pending, request.method === 'HEAD');
  });
}

/** One routed handler for HTTP definitions; the router is built once, here, not per request. */
export function httpHandler(definitions: readonly HttpDefinition[], options: HandlerOptions = {}): LambdaHandler<LambdaHttpResult> {
  const router = createRouter(definitions);
  const sink = options.logSink;
  const resources = options.resources;
  return async (event, context) => {
    // v2 first: HTTP APIs and Function URLs are the common case.
    if (isHttpV2Event(event)) {
      const answer = answerV2(router, event, context, sink, resources);
      return answer instanceof Promise ? await answer : answer;
    }
    if (isAlbEvent(event)) {
      const native = nativeOf(event, context);
      const { init, multi } = fromAlb(event, native);
      const response = router.handle(createRequest(init), fromLambdaContext(native, context, sink, resources));
      return toAlb(await whole(response instanceof Promise ? await response : response), multi);
    }
    if (isHttpV1Event(event)) {
      const native = nativeOf(event, context);
      const request = createRequest(fromHttpV1(event, native));
      const response = router.handle(request, fromLambdaContext(native, context, sink, resources));
      return toHttpV1(await whole(response instanceof Promise ? await response : response));
    }
    throw new UnsupportedEventError(describeEvent(event), HTTP_SOURCES);
  };
}

type Item = Message | StorageEvent | ScheduleEvent | CloudEvent;

/** The portable items an event definition takes from a Lambda event, or undefined if it does not serve it. */
function itemsFor(def: EventDefinition, event: unknown, native: Native): Item[] | undefined {
  switch (def.kind) {
    case 'message':
      if (isSqsEvent(event)) return fromSqs(event, native);
      if (isSnsEvent(event)) return fromSns(event, native);
      return undefined;
    case 'storage':
      if (isS3Event(event)) return fromS3(event, native);
      if (isS3EventBridgeEvent(event)) return [fromS3EventBridge(event, native)];
      return undefined;
    case 'schedule':
      return isScheduledEvent(event) ? [fromScheduledEvent(event, native)] : undefined;
    case 'cloudevent':
      if (isEventBridgeEvent(event)) return [fromEventBridge(event, native)];
      if (isCloudEventJson(event)) return [fromCloudEventJson(event, native)];
      if (isSnsEvent(event)) return cloudEventsFromSns(event, native);
      return undefined;
  }
}

const EXPECTED: Readonly<Record<EventDefinition['kind'], string>> = {
  message: 'SQS and SNS messages',
  storage: 'S3 notifications (direct or through EventBridge)',
  schedule: 'EventBridge scheduled events',
  cloudevent: CLOUDEVENT_SOURCES,
};

/** True when `definition` serves `event` (used by `onefn invoke` to pick a definition). */
export function serves(definition: Definition, event: unknown): boolean {
  if (definition.kind === 'http') return isHttpV2Event(event) || isAlbEvent(event) || isHttpV1Event(event);
  switch (definition.kind) {
    case 'message':
      return isSqsEvent(event) || isSnsEvent(event);
    case 'storage':
      return isS3Event(event) || isS3EventBridgeEvent(event);
    case 'schedule':
      return isScheduledEvent(event);
    case 'cloudevent':
      return isEventBridgeEvent(event) || isCloudEventJson(event) || (isSnsEvent(event) && carriesCloudEvent(event));
  }
}

function failure(result: BatchResult): OnefnError {
  // The handlers' errors are already in the logs (with stacks); the invocation error only names ids.
  return new OnefnError('EVENT_FAILED', `${result.failed.length} of ${result.outcomes.length} events failed: ${result.failed.join(', ')}`);
}

/**
 * A handler for one event definition. SQS answers with `batchItemFailures` so that only failed
 * messages are retried (FIFO batches stop at the first failure and report it and every later message;
 * at the deadline cutoff, every unfinished message is reported); other sources are invoked
 * asynchronously, so a failure is thrown for Lambda to retry.
 */
export function eventHandler(def: EventDefinition, options: HandlerOptions = {}): LambdaHandler<SqsBatchResponse | undefined> {
  const sink = options.logSink;
  const resources = options.resources;
  return async (event: unknown, context: LambdaContext) => {
    const native = nativeOf(event, context);
    const items = itemsFor(def, event, native);
    if (!items) throw new UnsupportedEventError(describeEvent(event), EXPECTED[def.kind]);
    const ctx: Context = fromLambdaContext(native, context, sink, resources);
    if (def.kind === 'message' && isSqsEvent(event)) {
      const ordered = def.trigger.ordered || isFifoBatch(event);
      const running = runEvents(def, items, ctx, { ordered });
      const result = running instanceof Promise ? await running : running;
      return { batchItemFailures: result.failed.map((itemIdentifier) => ({ itemIdentifier })) };
    }
    const running = runEvents(def, items, ctx);
    const result = running instanceof Promise ? await running : running;
    // An event the definition does not serve is thrown as the UnsupportedEventError, and a run cut off
    // at the deadline as a DeadlineExceededError, so that Lambda retries and then dead-letters them.
    if (result.failed.length) throw batchError(result) ?? failure(result);
    return undefined;
  };
}
