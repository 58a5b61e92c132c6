/**
 * `@onefn/azure/dev`: the bridge `onefn dev --provider azure` and the dashboard use to send a local
 * request through this adapter as the Functions host would deliver it: the handler `register` gives
 * the host for the module's planned function, called with the library's own HttpRequest and
 * InvocationContext. Queue messages arrive one per invocation with their trigger metadata (id,
 * dequeueCount), object changes as Event Grid BlobCreated/BlobDeleted events, schedule ticks as timer
 * payloads, CloudEvents as Event Grid events in the CloudEvents schema. Never part of a deployed bundle.
 *
 * @example
 * onefn dev src/api.ts --provider azure
 */
import * as azureFunctions from '@azure/functions';
import type { Cookie, HttpResponseInit, InvocationContext, LogLevel } from '@azure/functions';
import { OnefnError, type CloudEvent, type EventDefinition, type HttpDefinition, type LogEntry, type LogLevel as OnefnLevel, type Message, type ScheduleEvent, type StorageEvent } from 'onefn';
import type { BridgeDelivery, BridgeOptions, DevBridge } from 'onefn/cli';
import { cloudEventMessage, type FunctionPlan } from 'onefn/runtime';
import { functionSpecs } from './bindings.js';
import { handlerFor } from './handler.js';
import { resolveOptions, runtimeOptions } from './options.js';
import { blobEvent, cloudEventSchemaEvent, timerInfo } from './testing/payloads.js';

type Lib = typeof azureFunctions;
const lib = ((azureFunctions as unknown as { default?: Lib }).default ?? azureFunctions) as Lib;

const LEVELS: Record<LogLevel, OnefnLevel> = { trace: 'debug', debug: 'debug', information: 'info', warning: 'warn', error: 'error', critical: 'error', none: 'info' };
let sequence = 0;

/** The library's context, whose log lines (onefn writes one JSON text each) go back to the feed as entries. */
function invocationContext(functionName: string, options: BridgeOptions, triggerMetadata: Record<string, unknown>): InvocationContext {
  return new lib.InvocationContext({
    invocationId: `dev-${Date.now().toString(36)}-${++sequence}`,
    functionName,
    triggerMetadata,
    logHandler: (level, ...args) => {
      const text = String(args[0] ?? '');
      let fields: Record<string, unknown> = {};
      let message = text;
      try {
        const parsed = JSON.parse(text) as Record<string, unknown>;
        ({ message: message = text, ...fields } = parsed as { message?: string });
      } catch {
        // A plain line: the message as is.
      }
      const entry: LogEntry = { level: LEVELS[level] ?? 'info', message: String(message), time: Date.now(), fields };
      options.logSink(entry);
    },
  });
}

/** A Cookie object back as the Set-Cookie line the host would send. */
function setCookie(c: Cookie): string {
  let line = `${c.name}=${c.value}`;
  if (c.path) line += `; Path=${c.path}`;
  if (c.domain) line += `; Domain=${c.domain}`;
  if (c.maxAge !== undefined) line += `; Max-Age=${c.maxAge}`;
  if (c.expires) line += `; Expires=${new Date(c.expires).toUTCString()}`;
  if (c.secure) line += '; Secure';
  if (c.httpOnly) line += '; HttpOnly';
  if (c.sameSite) line += `; SameSite=${c.sameSite}`;
  return line;
}

function specFor(plan: FunctionPlan, options: BridgeOptions) {
  const resolved = resolveOptions({ functionTimeout: Math.max(1, Math.round(options.timeoutMs / 1000)), routedName: options.functionName, ...(options.resources ? { resources: options.resources } : {}) });
  const [spec] = functionSpecs([plan], resolved);
  if (!spec) throw new OnefnError('NOT_REGISTERED', `${plan.name}: nothing to register`);
  return { spec, runtime: runtimeOptions(resolved) };
}

function failureOf(error: unknown): { error: string; message: string } {
  return { error: (error as { code?: string })?.code ?? (error as Error)?.name ?? 'Error', message: (error as Error)?.message ?? String(error) };
}


/** The answer's body whole: text, bytes, or (an app with HTTP streams on) a stream read to its end. */
async function bodyBytes(body: HttpResponseInit['body']): Promise<Buffer> {
  if (body === undefined || body === null) return Buffer.alloc(0);
  if (typeof body === 'string') return Buffer.from(body);
  if (body instanceof Uint8Array) return Buffer.from(body);
  if (body instanceof ArrayBuffer) return Buffer.from(body);
  if (typeof (body as ReadableStream).getReader === 'function' || Symbol.asyncIterator in (body as object)) {
    const chunks: Buffer[] = [];
    for await (const chunk of body as AsyncIterable<Uint8Array | string>) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : Buffer.from(chunk));
    return Buffer.concat(chunks);
  }
  return Buffer.from(await new Response(body as BodyInit).arrayBuffer());
}

export const devBridge: DevBridge = {
  provider: 'azure',
  async http(definitions: readonly HttpDefinition[], request, options) {
    // Locally every HTTP definition is routed together, as the host routes among an app's functions,
    // under the `api` prefix.
    const plan: FunctionPlan = { kind: 'http', name: options.functionName, exportNames: definitions.map((_, i) => `d${i}`), definitions, settings: {}, public: true };
    const { spec, runtime } = specFor(plan, options);
    const url = `http://localhost:7071/${runtime.routePrefix ? `${runtime.routePrefix}` : ''}${request.path}${request.rawQuery ? `?${request.rawQuery}` : ''}`;
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(request.headers)) headers[name] = typeof value === 'string' ? value : value.join(', ');
    const req = new lib.HttpRequest({ method: request.method as 'GET', url, headers, params: {}, ...(request.body ? { body: { bytes: request.body } } : {}) });
    const answer = (await handlerFor(spec, runtime)(req, invocationContext(spec.name, options, {}))) as HttpResponseInit;
    const responseHeaders: Record<string, string | string[]> = {};
    for (const [name, value] of (answer.headers ?? []) as [string, string][]) {
      const prior = responseHeaders[name];
      responseHeaders[name] = prior === undefined ? value : [...(Array.isArray(prior) ? prior : [prior]), value];
    }
    const body = await bodyBytes(answer.body);
    return {
      nativeEvent: { method: request.method, url, headers, body: request.body ? Buffer.from(request.body).toString('utf8') : undefined },
      nativeResult: { ...answer, body: body.toString('utf8') },
      response: { status: answer.status ?? 200, headers: responseHeaders, cookies: (answer.cookies ?? []).map(setCookie), body },
    };
  },
  async events(definition: EventDefinition, items, options) {
    const plan = { kind: definition.kind, name: options.functionName, exportNames: [options.functionName], definition, settings: definition.settings } as FunctionPlan;
    const { spec, runtime } = specFor(plan, options);
    const handler = handlerFor(spec, runtime);
    const deliveries: BridgeDelivery[] = [];
    // The host invokes a queue-triggered function once per message; a failed invocation is retried.
    for (const item of items) {
      let input: unknown;
      let metadata: Record<string, unknown> = {};
      switch (definition.kind) {
        case 'message': {
          const m = item as Message;
          const text = m.text();
          input = (() => {
            try {
              return JSON.parse(text) as unknown;
            } catch {
              return text;
            }
          })();
          metadata = spec.trigger.kind === 'storageQueue'
            ? { id: m.id, dequeueCount: m.attempt, insertionTime: new Date().toISOString(), queueTrigger: text }
            : { messageId: m.id, deliveryCount: m.attempt, enqueuedTimeUtc: new Date().toISOString(), applicationProperties: m.attributes };
          break;
        }
        case 'storage': {
          const s = item as StorageEvent;
          input = blobEvent({ container: s.bucket, name: s.key, change: s.change, size: s.size, contentType: s.contentType });
          break;
        }
        case 'schedule': {
          const tick = item as ScheduleEvent;
          input = timerInfo({ isPastDue: tick.pastDue, next: tick.scheduledTime.toISOString() });
          break;
        }
        case 'cloudevent': {
          const c = item as CloudEvent;
          // Bound to a topic: the Service Bus message, carrying the event in its ce- application properties.
          if (spec.trigger.kind === 'serviceBusTopic') {
            const carried = cloudEventMessage(c);
            input = carried.body;
            metadata = { messageId: c.id, deliveryCount: 1, enqueuedTimeUtc: new Date().toISOString(), applicationProperties: carried.attributes, contentType: carried.attributes['ce-datacontenttype'] };
            break;
          }
          input = cloudEventSchemaEvent({ id: c.id, source: c.source, type: c.type, ...(c.subject ? { subject: c.subject } : {}), ...(c.time ? { time: c.time.toISOString() } : {}), data: c.data });
          break;
        }
      }
      let nativeResult: unknown;
      let failed: string[] = [];
      try {
        nativeResult = (await handler(input, invocationContext(spec.name, options, metadata))) ?? { status: 'succeeded' };
      } catch (error) {
        nativeResult = { status: 'failed', ...failureOf(error) };
        failed = [item.id];
      }
      deliveries.push({ nativeEvent: { trigger: spec.trigger, input, triggerMetadata: metadata }, nativeResult, ids: [item.id], failed });
    }
    const onFailure = spec.trigger.kind === 'storageQueue'
      ? `Storage queue: a failed invocation is retried, and after 5 dequeues (host.json maxDequeueCount) the message moves to ${spec.trigger.queueName}-poison`
      : spec.trigger.kind === 'serviceBusQueue' || spec.trigger.kind === 'serviceBusTopic'
        ? 'Service Bus: the message is abandoned and delivered again, and dead-lettered after MaxDeliveryCount'
        : spec.trigger.kind === 'timer'
          ? 'Timer: a failed run is not retried; the next tick runs on schedule'
          : 'Event Grid: the event is delivered again by the subscription\'s retry policy, then dead-lettered if a destination is set';
    return { deliveries, onFailure };
  },
};
