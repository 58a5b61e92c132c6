// Server-Sent Events (https://html.spec.whatwg.org/multipage/server-sent-events.html): events as text
// frames on a streamed body, with keep-alive comments so that proxies keep an idle stream open.
import { SseError } from './errors.js';
import type { HttpResult, ResultHeaders } from './response.js';

/** One event. `data` is sent as it is when a string, as JSON otherwise. */
export interface SseEvent<T = unknown> {
  /** The event type a browser's `addEventListener(type)` listens for; default `message`. */
  event?: string;
  data: T;
  /** Becomes the client's Last-Event-ID, sent back when it reconnects. */
  id?: string;
  /** Milliseconds the client waits before reconnecting. */
  retry?: number;
}

export interface SseOptions {
  /** Milliseconds without an event after which a comment line is sent, so that idle proxies keep the stream. Default 15 000; 0 turns it off. */
  keepAlive?: number;
  /** Sent first, as the stream's reconnection delay in milliseconds. */
  retry?: number;
  status?: number;
  headers?: ResultHeaders;
  cookies?: readonly string[];
}

// CR, LF or NUL would end the field and start another (or be dropped by the client).
const LINE_BREAK = /[\r\n\0]/;

function checkRetry(retry: unknown, field: string): number {
  if (typeof retry !== 'number' || !Number.isInteger(retry) || retry < 0) throw new SseError(field, `${field} must be a non-negative integer of milliseconds`);
  return retry;
}

/**
 * One event as its text frame. Multi-line data goes out as one `data:` line per line, which the
 * client joins back with "\n". Throws an SseError for a field that cannot be sent.
 *
 * @example
 * formatEvent({ event: 'tick', id: '7', data: { now: 1 } }) // 'event: tick\nid: 7\ndata: {"now":1}\n\n'
 */
export function formatEvent(event: SseEvent): string {
  if (typeof event !== 'object' || event === null) throw new SseError('event', `an SSE event must be an object, got ${event === null ? 'null' : typeof event}`);
  let frame = '';
  if (event.event !== undefined) {
    if (typeof event.event !== 'string' || LINE_BREAK.test(event.event)) throw new SseError('event', 'an SSE event type must be a string without CR, LF or NUL');
    frame += `event: ${event.event}\n`;
  }
  if (event.id !== undefined) {
    if (typeof event.id !== 'string' || LINE_BREAK.test(event.id)) throw new SseError('id', 'an SSE event id must be a string without CR, LF or NUL');
    frame += `id: ${event.id}\n`;
  }
  if (event.retry !== undefined) frame += `retry: ${checkRetry(event.retry, 'retry')}\n`;
  const data = typeof event.data === 'string' ? event.data : (JSON.stringify(event.data) ?? 'null');
  for (const line of data.split(/\r\n|\r|\n/)) frame += `data: ${line}\n`;
  return frame + '\n';
}

const KEEP_ALIVE = Symbol('keep-alive');

/** The frames of an event source, with a comment whenever the source is quiet for `keepAlive` ms. */
class SseFrames implements AsyncIterableIterator<string> {
  private iterator: AsyncIterator<SseEvent> | undefined;
  private pending: Promise<IteratorResult<SseEvent>> | undefined;
  private prelude: string | undefined;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private closed = false;

  constructor(
    private readonly source: AsyncIterable<SseEvent>,
    private readonly keepAlive: number,
    retry: number | undefined,
  ) {
    // Sent at once: it is also the first chunk, so the client has its headers without waiting for an event.
    this.prelude = retry === undefined ? ': stream open\n\n' : `retry: ${retry}\n\n`;
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  async next(): Promise<IteratorResult<string>> {
    if (this.closed) return { done: true, value: undefined };
    const prelude = this.prelude;
    if (prelude !== undefined) {
      this.prelude = undefined;
      return { done: false, value: prelude };
    }
    this.iterator ??= this.source[Symbol.asyncIterator]();
    const pending = (this.pending ??= this.iterator.next());
    const step = this.keepAlive > 0 ? await Promise.race([pending, this.tick()]) : await pending;
    if (this.timer) clearTimeout(this.timer);
    if (step === KEEP_ALIVE) return { done: false, value: ': keep-alive\n\n' };
    this.pending = undefined;
    if (step.done) {
      this.closed = true;
      return { done: true, value: undefined };
    }
    return { done: false, value: formatEvent(step.value) };
  }

  private tick(): Promise<typeof KEEP_ALIVE> {
    return new Promise((resolve) => {
      this.timer = setTimeout(resolve, this.keepAlive, KEEP_ALIVE);
    });
  }

  async return(): Promise<IteratorResult<string>> {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    // A next() still pending on the source settles later: its outcome is no one's.
    this.pending?.catch(() => undefined);
    await this.iterator?.return?.();
    return { done: true, value: undefined };
  }
}

/**
 * A Server-Sent Events answer (`text/event-stream`): each event of `events` becomes a frame as it
 * comes; a comment goes out when the source is quiet for `keepAlive` ms. Pass `ctx.signal` to your
 * source so that it stops when the client goes away. An event with an `event` or `id` holding CR, LF
 * or NUL, or a bad `retry`, fails the stream with an SseError (logged; the client sees the stream end).
 *
 * @example
 * handler: (req, ctx) => sse(ticks(ctx.signal), { retry: 2000 })
 * async function* ticks(signal: AbortSignal) {
 *   for (let i = 0; !signal.aborted; i++) {
 *     yield { event: 'tick', id: String(i), data: { now: new Date().toISOString() } }
 *     await new Promise((r) => setTimeout(r, 1000))
 *   }
 * }
 */
export function sse(events: AsyncIterable<SseEvent>, options: SseOptions = {}): HttpResult {
  const keepAlive = options.keepAlive === undefined ? 15_000 : checkRetry(options.keepAlive, 'keepAlive');
  const retry = options.retry === undefined ? undefined : checkRetry(options.retry, 'retry');
  if (typeof (events as { [Symbol.asyncIterator]?: unknown } | null)?.[Symbol.asyncIterator] !== 'function') {
    throw new SseError('events', 'sse() needs an async iterable of events');
  }
  return {
    status: options.status,
    cookies: options.cookies,
    headers: { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', ...options.headers },
    body: new SseFrames(events, keepAlive, retry),
  };
}
