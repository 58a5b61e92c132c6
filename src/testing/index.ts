/**
 * `onefn/testing`: build portable inputs, run definitions through the full pipeline, and assert on
 * results and logs, with no cloud and no server.
 *
 * @example
 * import { invoke, httpRequest } from 'onefn/testing'
 * const res = await invoke(hello, httpRequest({ method: 'POST', path: '/hello', json: { name: 'Ada' } }))
 * expect(res.status).toBe(200)
 * expect(res.json()).toEqual({ message: 'Hello, Ada!' })
 */
import { OnefnError } from '../onefn/errors.js';
import { utf8Bytes, utf8Text } from '../onefn/bytes.js';
import { type Context, type ContextInit, createContext as createBaseContext } from '../onefn/context.js';
import type { Definition, EventDefinition, HttpDefinition } from '../onefn/definition.js';
import {
  type CloudEvent, type CloudEventInit, createCloudEvent, createMessage, createScheduleEvent, createStorageEvent,
  type Message, type MessageInit, type ScheduleEvent, type ScheduleEventInit, type StorageEvent, type StorageEventInit,
} from '../onefn/events.js';
import { createRequest, type HeadersInit, type PortableRequest } from '../onefn/http.js';
import type { ResponseData } from '../onefn/response.js';
import type { LogEntry, LogLevel } from '../onefn/logger.js';
import { createRouter } from '../runtime/router.js';
import { runEvents, type BatchResult } from '../runtime/run-events.js';
import type { ResourceDriverSource } from '../resources/driver.js';
import type { MemoryResources } from './resources.js';

export {
  memoryResources, type DeliverOptions, type Delivery, type DeliveryReport, type MemoryResources, type MemoryResourcesOptions, type ObjectChange,
  type Refusal, type SentMessage,
} from './resources.js';
export { PORTABLE_LIMITS, type ResourceLimits } from '../resources/driver.js';

export interface HttpRequestOptions {
  method?: string;
  /** The path, optionally with a query string ("/users?limit=5"). */
  path?: string;
  query?: Readonly<Record<string, string | readonly string[]>>;
  headers?: HeadersInit;
  cookies?: Readonly<Record<string, string>>;
  /** A JSON body; sets content-type application/json. */
  json?: unknown;
  /** A text body; sets content-type text/plain unless headers say otherwise. */
  text?: string;
  /** Raw bytes. */
  body?: Uint8Array;
  /** A form body; sets content-type application/x-www-form-urlencoded. */
  form?: Readonly<Record<string, string>>;
  ip?: string;
}

/**
 * A portable HTTP request.
 *
 * @example
 * httpRequest({ method: 'POST', path: '/users?notify=1', json: { name: 'Ada' }, headers: { 'x-tenant': 'a' } })
 */
export function httpRequest(options: HttpRequestOptions = {}): PortableRequest {
  const rawPath = options.path ?? '/';
  const q = rawPath.indexOf('?');
  const path = q === -1 ? rawPath : rawPath.slice(0, q);
  const headers: Record<string, string | readonly string[] | undefined> = { ...options.headers };
  const has = (name: string): boolean => Object.keys(headers).some((h) => h.toLowerCase() === name);
  let data: string | Uint8Array | undefined;
  let type: string | undefined;
  if (options.json !== undefined) [data, type] = [JSON.stringify(options.json), 'application/json'];
  else if (options.text !== undefined) [data, type] = [options.text, 'text/plain; charset=utf-8'];
  else if (options.form !== undefined) [data, type] = [new URLSearchParams({ ...options.form }).toString(), 'application/x-www-form-urlencoded'];
  else if (options.body !== undefined) [data, type] = [options.body, 'application/octet-stream'];
  if (type && !has('content-type')) headers['content-type'] = type;
  if (!has('host')) headers['host'] = 'localhost';
  const cookies = options.cookies ? Object.entries(options.cookies).map(([k, v]) => `${k}=${encodeURIComponent(v)}`) : undefined;
  let query: string | Readonly<Record<string, string | readonly string[]>> | undefined = q === -1 ? undefined : rawPath.slice(q + 1);
  if (options.query) {
    const merged = new URLSearchParams(typeof query === 'string' ? query : '');
    for (const [k, v] of Object.entries(options.query)) for (const one of typeof v === 'string' ? [v] : v) merged.append(k, one);
    query = merged.toString();
  }
  return createRequest({
    method: options.method ?? 'GET',
    path,
    query,
    headers,
    cookies,
    body: data === undefined ? undefined : { data },
    ip: options.ip ?? '127.0.0.1',
  });
}

export interface MessageOptions extends Omit<Partial<MessageInit>, 'body'> {
  /** The payload: objects are sent as JSON, strings and bytes as they are. */
  body?: unknown;
}

let sequence = 0;
const nextId = (prefix: string): string => `${prefix}-${++sequence}`;

/**
 * A portable queue or topic message.
 *
 * @example
 * message({ body: { orderId: 'o-1' }, attributes: { tenant: 'acme' } })
 */
export function message(options: MessageOptions = {}): Message {
  const { body, ...rest } = options;
  const data = body instanceof Uint8Array || typeof body === 'string' ? body : JSON.stringify(body ?? null);
  return createMessage({ id: nextId('msg'), source: 'test-queue', publishedAt: new Date(), ...rest, body: { data } });
}

/**
 * A portable storage event.
 *
 * @example
 * storageEvent({ bucket: 'uploads', key: 'images/cat.png', size: 1024 })
 */
export function storageEvent(options: Partial<StorageEventInit> = {}): StorageEvent {
  return createStorageEvent({ bucket: 'test-bucket', key: 'test-object', change: 'created', ...options });
}

/**
 * A schedule tick.
 *
 * @example
 * scheduleTick({ scheduledTime: '2026-01-01T09:00:00Z', name: 'nightly' })
 */
export function scheduleTick(options: ScheduleEventInit = {}): ScheduleEvent {
  return createScheduleEvent(options);
}

/**
 * A CloudEvent.
 *
 * @example
 * cloudEvent({ type: 'com.example.order.created', data: { orderId: 'o-1' } })
 */
export function cloudEvent(options: Partial<CloudEventInit> = {}): CloudEvent {
  return createCloudEvent({ id: nextId('evt'), source: '/test', type: 'com.example.test', time: new Date().toISOString(), ...options });
}

/** Log entries captured during an invocation. */
export interface CapturedLogs {
  readonly entries: readonly LogEntry[];
  /** The messages logged at a level (or every level). */
  messages(level?: LogLevel): string[];
}

function captureLogs(): { logs: CapturedLogs; sink: (entry: LogEntry) => void } {
  const entries: LogEntry[] = [];
  return {
    sink: (entry) => void entries.push(entry),
    logs: { entries, messages: (level) => entries.filter((e) => !level || e.level === level).map((e) => e.message) },
  };
}

/**
 * A context with every field defaulted, whose logs go nowhere unless `logSink` or `log` is given.
 *
 * @example
 * const ctx = createContext({ functionName: 'orders', timeoutMs: 100 })
 */
export function createContext(overrides: ContextInit = {}): Context {
  return createBaseContext({ logSink: () => {}, env: {}, ...overrides });
}

/** The result of invoking an HTTP definition. */
export interface HttpInvocation extends ResponseData {
  /** The body as text. A streamed body must be read first: use `chunks()` or `readText()`. */
  text(): string;
  /**
   * The body's chunks as the handler produces them: one per chunk for a streamed body (`stream` is
   * set), the whole body once otherwise. Breaking out of the loop cancels the stream as a client
   * that goes away does (`ctx.signal` aborts).
   */
  chunks(): AsyncIterable<Uint8Array>;
  /** The whole body as text, reading a streamed body to its end (rejects with its StreamError). */
  readText(): Promise<string>;
  /** The body parsed as JSON. */
  json(): unknown;
  /** A header, looked up case-insensitively. */
  header(name: string): string | undefined;
  readonly logs: CapturedLogs;
}

/** The result of invoking an event definition. */
export interface EventInvocation extends BatchResult {
  /** True when no item failed. */
  readonly ok: boolean;
  readonly logs: CapturedLogs;
}

export interface InvokeOptions {
  context?: Omit<ContextInit, 'logSink' | 'log'>;
  /** Where handlers that declare `uses` reach their resources: `memoryResources()`, or any driver source. */
  resources?: MemoryResources | ResourceDriverSource;
}

type EventInput = Message | StorageEvent | ScheduleEvent | CloudEvent;

/**
 * Runs definitions through the full pipeline (routing, validation, error mapping, per-item outcomes)
 * and returns the portable result with the logs captured. Pass several HTTP definitions to route
 * among them as their deployed function does.
 *
 * @example
 * const res = await invoke([getUser, createUser], httpRequest({ path: '/users/7' }))
 * const batch = await invoke(orders, [message({ body: { id: 1 } }), message({ body: 'oops' })])
 * expect(batch.failed).toHaveLength(1)
 */
export function invoke(definition: HttpDefinition | readonly HttpDefinition[], request: PortableRequest, options?: InvokeOptions): Promise<HttpInvocation>;
export function invoke(definition: EventDefinition, input: EventInput | readonly EventInput[], options?: InvokeOptions): Promise<EventInvocation>;
export async function invoke(
  definition: Definition | readonly HttpDefinition[],
  input: PortableRequest | EventInput | readonly EventInput[],
  options: InvokeOptions = {},
): Promise<HttpInvocation | EventInvocation> {
  const { logs, sink } = captureLogs();
  const resources = typeof options.resources === 'function' ? options.resources : options.resources?.source ?? options.context?.resources;
  const ctx = createBaseContext({ env: {}, ...options.context, logSink: sink, ...(resources ? { resources } : {}) });
  if (Array.isArray(definition) || (definition as Definition).kind === 'http') {
    const defs = (Array.isArray(definition) ? definition : [definition]) as HttpDefinition[];
    const response = await createRouter(defs).handle(input as PortableRequest, ctx);
    const asText = (): string => {
      if (response.stream) throw new OnefnError('STREAMED_RESPONSE', 'This response is streamed: read it with chunks() or readText()');
      return typeof response.body === 'string' ? response.body : utf8Text(response.body);
    };
    const stream = response.stream;
    async function* whole(): AsyncGenerator<Uint8Array> {
      const body = response.body;
      if (body.length) yield typeof body === 'string' ? utf8Bytes(body) : body;
    }
    return {
      ...response,
      logs,
      text: asText,
      chunks: () => stream ?? whole(),
      readText: async () => {
        if (!stream) return asText();
        let text = '';
        for (let chunk = await stream.read(); chunk !== undefined; chunk = await stream.read()) text += utf8Text(chunk);
        return text;
      },
      json: () => JSON.parse(asText()) as unknown,
      header: (name) => {
        const lower = name.toLowerCase();
        for (const [k, v] of Object.entries(response.headers)) if (k.toLowerCase() === lower) return typeof v === 'string' ? v : v.join(', ');
        return undefined;
      },
    };
  }
  const items = Array.isArray(input) ? (input as EventInput[]) : [input as EventInput];
  const result = await runEvents(definition as EventDefinition, items, ctx);
  return { ...result, ok: result.failed.length === 0, logs };
}
