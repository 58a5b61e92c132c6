/**
 * Dispatch for `@onefn/gcp`: a definition wrapped as a functions-framework function. HTTP definitions
 * become one routed HTTP function (`toHttpFunction`); an event definition becomes an HTTP function that
 * takes every way its event arrives (`toEventFunction`), or a CloudEvent function (`toCloudEventFunction`).
 */
import {
  type CloudEvent, DeadlineExceededError, DefinitionError, type EventDefinition, type HttpDefinition, MalformedEventError, type Message, type Native, OnefnError,
  type ScheduleEvent, type StorageEvent, UnsupportedEventError,
} from 'onefn';
import { batchError, type BatchResult, createCloudEvent, createRouter, problem, type ResponseData, type RawBody, runEvents } from 'onefn/runtime';
import { type Delivery, describeRequest, fromDelivery, fromStructured } from './from-delivery.js';
import { bodyOf, fromHttp } from './from-http.js';
import { messageFromDelivery } from './from-pubsub.js';
import { carriedCloudEvent } from './from-pubsub-cloudevent.js';
import { scheduleFromDelivery, scheduleFromHttp } from './from-scheduler.js';
import { STORAGE_TYPES, storageFromDelivery } from './from-storage.js';
import type { GcpCloudEventObject, GcpRequest, GcpResponse } from './native.js';
import { httpRequestId, invocationContext } from './context.js';
import { resolveConfig, type GcpOptions, type RuntimeConfig } from './options.js';
import { writeResponse } from './to-http.js';

/** A functions-framework HTTP function: `(req, res)`, registered with `http(name, fn)`. */
// Defined as true by the deploy build, whose generated entry passes planned, non-empty lists.
declare const __ONEFN_CHECKED__: true | undefined;

export type GcpHttpFunction = (req: GcpRequest, res: GcpResponse) => Promise<void>;

/**
 * Wraps HTTP definitions (routed together, as their deployed function does) into a functions-framework
 * HTTP function. The router is built once here; per request there is only the conversion, the
 * pipeline and the write. The pipeline never throws, and anything that fails around it answers a
 * generic 500 here, so the framework's own error answer (which sends the error's message) never runs.
 *
 * @example
 * import { http } from '@google-cloud/functions-framework'
 * import { toHttpFunction } from '@onefn/gcp'
 * import { getUser, createUser } from './api.js'
 * http('api', toHttpFunction([getUser, createUser]))
 */
export function toHttpFunction(definitions: HttpDefinition | readonly HttpDefinition[], options: GcpOptions & { name?: string } = {}): GcpHttpFunction {
  const defs = Array.isArray(definitions) ? (definitions as readonly HttpDefinition[]) : [definitions as HttpDefinition];
  if (typeof __ONEFN_CHECKED__ === 'undefined' && !defs.length) throw new DefinitionError('definitions', 'toHttpFunction needs at least one HTTP definition');
  const { name, ...rest } = options;
  const first = defs[0] as HttpDefinition;
  const timeout = defs.reduce<number | undefined>((max, d) => (d.settings.timeout === undefined ? max : Math.max(max ?? 0, d.settings.timeout)), undefined);
  const config = resolveConfig(rest, name ?? first.settings.name ?? 'function', timeout === undefined ? {} : { timeout });
  const router = createRouter(defs);

  return async (req, res) => {
    let ctx;
    try {
      const raw = bodyOf(req);
      const body = raw instanceof Promise ? await raw : raw;
      const native = { provider: 'gcp', event: req, context: res } as Native;
      const portable = fromHttp(req, body, native);
      ctx = invocationContext(config, httpRequestId(req), req, native);
      writeResponse(res, await router.handle(portable, ctx), portable.method === 'HEAD');
    } catch (error) {
      // Only a broken request stream or a failing write gets here; the details go to the logs.
      if (ctx) ctx.log.error('Request failed outside the handler', { error });
      // Before the context exists (a broken body stream), still leave a Cloud Logging line.
      else process.stderr.write(JSON.stringify({ severity: 'ERROR', message: 'Request failed outside the handler', error: String(error) }) + '\n');
      writeResponse(res, problem(500, 'The function failed. See its logs for details.'), false);
    }
  };
}

type Input = Message | StorageEvent | ScheduleEvent | CloudEvent;
const PUBSUB_PUBLISHED = 'google.cloud.pubsub.topic.v1.messagePublished';

function expected(def: EventDefinition): string {
  switch (def.kind) {
    case 'message':
      return `Pub/Sub messages of "${def.trigger.name}" (${PUBSUB_PUBLISHED}, a push envelope or a legacy event)`;
    case 'storage':
      return `Cloud Storage events (${Object.keys(STORAGE_TYPES).join(', ')})`;
    case 'schedule':
      return 'Cloud Scheduler ticks (HTTP, Pub/Sub or job.v1.executed)';
    case 'cloudevent':
      return 'CloudEvents';
  }
}

function received(d: Delivery): string {
  return `a ${d.format} CloudEvent of type "${d.type}" from "${d.source}"`;
}

/** The definition's input from one delivered event; unsupported kinds are refused before user code. */
function inputOf(def: EventDefinition, d: Delivery, native: Native): Input {
  switch (def.kind) {
    case 'message':
      if (d.type === PUBSUB_PUBLISHED) return messageFromDelivery(d, native);
      break;
    case 'storage':
      if (d.type in STORAGE_TYPES) return storageFromDelivery(d, native);
      break;
    case 'schedule': {
      const tick = scheduleFromDelivery(d, native);
      if (tick) return tick;
      break;
    }
    case 'cloudevent': {
      // A Pub/Sub message carrying a CloudEvent is that event; a definition bound to a topic
      // (`defineCloudEvent({ topic })`) takes nothing else, as on the other providers.
      const carried = d.type === PUBSUB_PUBLISHED ? carriedCloudEvent(d, native) : undefined;
      if (carried) return carried;
      if (def.trigger.topic !== undefined) throw new UnsupportedEventError(`${received(d)} without a CloudEvent in its message's ce- attributes`, `CloudEvents published on the topic "${def.trigger.topic}"`);
      return createCloudEvent({ ...d, native });
    }
  }
  throw new UnsupportedEventError(received(d), expected(def));
}

/** The answer for an event that was refused before any handler ran: 400 malformed, 422 unsupported. */
function refusal(error: unknown): ReturnType<typeof problem> | undefined {
  if (error instanceof MalformedEventError) return problem(400, error.message, { code: error.code });
  if (error instanceof UnsupportedEventError) return problem(422, error.message, { code: error.code, received: error.received });
  return undefined;
}

// Shared by every acknowledged run; writeResponse only reads it.
const ACKNOWLEDGED: ResponseData = { status: 204, headers: {}, cookies: [], body: '' };

/**
 * The answer for a run: 204 acknowledges; anything else makes Pub/Sub and Eventarc deliver again
 * (the reasons stay in the logs). 422 when every failed event was one this definition does not serve,
 * as for one refused before the run; 504 when the run was cut off at the deadline; 500 when a handler
 * failed. Each problem names the failed ids.
 */
function answerFor(result: BatchResult): ResponseData {
  const { failed } = result;
  if (!failed.length) return ACKNOWLEDGED;
  const error = batchError(result);
  if (error instanceof UnsupportedEventError) return problem(422, error.message, { code: error.code, received: error.received, failed });
  if (error instanceof DeadlineExceededError) return problem(504, error.message, { code: error.code, failed });
  return problem(500, `Not processed: ${failed.join(', ')}. See the function's logs.`, { failed });
}

interface Prepared {
  readonly items: Input[];
  readonly requestId: string;
  readonly traceparent: string | undefined;
}

function prepare(def: EventDefinition, req: GcpRequest, body: RawBody | undefined, native: Native): Prepared {
  const deliveries = fromDelivery(req, body);
  if (!deliveries) {
    // A Cloud Scheduler job with an HTTP target posts whatever body it was given, with no event shape.
    if (def.kind === 'schedule') {
      const id = httpRequestId(req);
      return { items: [scheduleFromHttp(req, id, native)], requestId: id, traceparent: undefined };
    }
    throw new UnsupportedEventError(describeRequest(req), expected(def));
  }
  if (!deliveries.length) throw new MalformedEventError('an empty CloudEvents batch');
  const first = deliveries[0] as Delivery;
  return { items: deliveries.map((d) => inputOf(def, d, native)), requestId: first.id, traceparent: first.extensions['traceparent'] };
}

/**
 * Wraps an event definition into a functions-framework HTTP function that takes every way the event
 * can arrive: CloudEvents in binary or structured mode (Eventarc), Pub/Sub push envelopes, legacy
 * background events, and, for schedules, Cloud Scheduler's plain HTTP calls.
 *
 * Why an HTTP function rather than the framework's `cloudEvent()`: that signature only lets a function
 * succeed or throw, so a malformed event becomes a 500 (which Pub/Sub retries forever) carrying the
 * thrown message; its legacy-event middleware crashes on a text body (`'data' in body` on a string)
 * and maps every storage `object.change` to `finalized`, deletions included; and it hides the
 * request, so trace headers are lost. As an HTTP function onefn answers 204 on success, 500 (redeliver)
 * when a handler fails, 504 when a handler was still running at the deadline cutoff, and a 400/422
 * problem naming what arrived when the event is malformed or not one this definition serves.
 *
 * @example
 * import { http } from '@google-cloud/functions-framework'
 * import { toEventFunction } from '@onefn/gcp'
 * import { orders } from './orders.js'
 * http('orders', toEventFunction(orders))
 */
export function toEventFunction(definition: EventDefinition, options: GcpOptions & { name?: string } = {}): GcpHttpFunction {
  const { name, ...rest } = options;
  const config = resolveConfig(rest, name ?? definition.settings.name ?? 'function', definition.settings);
  return async (req, res) => {
    const native = { provider: 'gcp', event: req, context: res } as Native;
    let prepared: Prepared;
    try {
      const raw = bodyOf(req);
      prepared = prepare(definition, req, raw instanceof Promise ? await raw : raw, native);
    } catch (error) {
      const answer = refusal(error);
      const ctx = invocationContext(config, httpRequestId(req), req, native);
      ctx.log.warn(answer ? 'Event refused' : 'Event could not be read', { error });
      writeResponse(res, answer ?? problem(500, 'The function failed. See its logs for details.'), false);
      return;
    }
    const ctx = invocationContext(config, prepared.requestId, req, native, prepared.traceparent);
    writeResponse(res, answerFor(await runEvents(definition, prepared.items, ctx)), false);
  };
}

/** A functions-framework CloudEvent function: it resolves to acknowledge, and rejects to fail. */
export type GcpCloudEventFunction = (event: GcpCloudEventObject) => Promise<void>;

/**
 * Wraps an event definition as a functions-framework CloudEvent function, for those who register
 * with `cloudEvent()` themselves. The framework parses the event (and converts push envelopes and
 * legacy events); a failure rejects with an OnefnError whose message names only the event, since the
 * framework sends that message as the response body.
 *
 * @example
 * import { cloudEvent } from '@google-cloud/functions-framework'
 * cloudEvent('orders', toCloudEventFunction(orders))
 */
export function toCloudEventFunction(definition: EventDefinition, options: GcpOptions & { name?: string } = {}): GcpCloudEventFunction {
  const { name, ...rest } = options;
  const config: RuntimeConfig = resolveConfig(rest, name ?? definition.settings.name ?? 'function', definition.settings);
  return async (event) => {
    const native = { provider: 'gcp', event, context: undefined } as Native;
    let item: Input;
    try {
      if (typeof event !== 'object' || event === null) throw new MalformedEventError('the framework passed no CloudEvent');
      const delivery = fromStructured({ specversion: '1.0', ...event, data: event.data instanceof Uint8Array ? undefined : event.data, ...(event.data instanceof Uint8Array ? { data_base64: Buffer.from(event.data).toString('base64') } : {}) });
      item = inputOf(definition, delivery, native);
    } catch (error) {
      const ctx = invocationContext(config, typeof event?.id === 'string' ? event.id : 'unknown', undefined, native);
      ctx.log.warn('Event refused', { error });
      throw error instanceof OnefnError ? new OnefnError(error.code, error.message) : new OnefnError('EVENT_FAILED', 'The event could not be read. See the logs.');
    }
    const ctx = invocationContext(config, event.id as string, undefined, native, typeof event.traceparent === 'string' ? event.traceparent : undefined);
    const result = await runEvents(definition, [item], ctx);
    if (result.failed.length) throw batchError(result) ?? new OnefnError('EVENT_FAILED', `Event ${result.failed.join(', ')} failed. See the logs.`);
  };
}
