// Streamed response bodies: what a handler may return as `body` (a web ReadableStream, or an async
// iterable of strings or bytes), and the portable stream adapters read it through.
import { utf8Bytes, utf8Text } from './bytes.js';
import { abortContext, type Context, cutContext, cutoffDelay, disposeContext } from './context.js';
import { MAX_DELAY } from './cutoff.js';
import { DeadlineExceededError, StreamError } from './errors.js';
import { problem, problemFromError } from './problem.js';
import { isTextual, type ResponseData } from './response.js';

/** What a handler may return as a streamed `body`. Chunks are strings (sent as UTF-8) or bytes; empty ones are skipped. */
export type StreamBody = ReadableStream<string | Uint8Array | ArrayBuffer> | AsyncIterable<string | Uint8Array | ArrayBuffer>;

/**
 * A streamed response body, as adapters read it: one chunk at a time, pulled, so that a slow client
 * slows the handler instead of filling memory. Status, headers and cookies of the response it belongs
 * to are final (the pipeline read the first chunk before answering).
 */
export interface BodyStream extends AsyncIterable<Uint8Array> {
  /**
   * The next chunk (never empty), or undefined at the end. Rejects with a `StreamError` when the
   * stream cannot finish (the handler's stream failed, the deadline came): the handler's own error is
   * already logged, and the StreamError's message is generic, fit for a platform's error report.
   * Call it again only once the previous call settled.
   */
  read(): Promise<Uint8Array | undefined>;
  /**
   * The client went away: `ctx.signal` aborts (reason: a StreamError `CLIENT_CLOSED`), the handler's
   * stream is cancelled and the invocation's context released. A read waiting then resolves as the
   * end. Nothing happens after the end.
   */
  cancel(): void;
}

// Duck-typed on purpose: reading the global ReadableStream makes Node 20 load undici (see run-http).
function isReadable(value: object): value is ReadableStream<unknown> {
  return typeof (value as { getReader?: unknown }).getReader === 'function';
}

/** True when a result's body is a stream (a ReadableStream or an async iterable), never a JSON value. */
export function isStreamBody(value: unknown): value is StreamBody {
  // Node's web ReadableStream is async iterable too (onefn runs on Node on every provider).
  return typeof (value as { [Symbol.asyncIterator]?: unknown } | null)?.[Symbol.asyncIterator] === 'function';
}

/** One pull source over either kind of body. */
interface Source {
  next(): Promise<IteratorResult<unknown>>;
  cancel(reason: unknown): void;
}

// A promise given up on (a read racing a cancel) must not become an unhandled rejection.
const ignore = (): void => undefined;

function sourceOf(body: StreamBody): Source {
  if (isReadable(body)) {
    let reader: ReadableStreamDefaultReader<unknown> | undefined;
    return {
      next: () => (reader ??= body.getReader()).read() as Promise<IteratorResult<unknown>>,
      cancel: (reason) => void (reader ? reader.cancel(reason) : body.cancel(reason)).catch(ignore),
    };
  }
  let iterator: AsyncIterator<unknown> | undefined;
  return {
    next: () => (iterator ??= body[Symbol.asyncIterator]()).next(),
    cancel: () => {
      try {
        const closing = iterator?.return?.();
        if (closing instanceof Promise) closing.catch(ignore);
      } catch {
        // A return() that throws has nothing left to release.
      }
    },
  };
}

function toChunk(value: unknown): Uint8Array {
  if (typeof value === 'string') return utf8Bytes(value);
  if (value instanceof Uint8Array) return value;
  if (value instanceof ArrayBuffer) return new Uint8Array(value);
  throw new StreamError('STREAM_FAILED', `A streamed body's chunks must be strings or bytes, got ${value === null ? 'null' : typeof value}`);
}


type State = 'open' | 'ended' | 'failed' | 'cancelled';

class PipelineStream implements BodyStream {
  private state: State = 'open';
  private first: Uint8Array | undefined;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private wake: ((value: Uint8Array | undefined) => void) | undefined;
  private failure: StreamError | undefined;
  /** Whether the handler wrote its first chunk as a string: the default content type follows it. */
  firstWasText = false;

  constructor(
    private readonly source: Source,
    private readonly ctx: Context,
  ) {}

  /** Reads up to the first non-empty chunk: undefined for an empty stream. Rejects with the handler's error. */
  async open(): Promise<Uint8Array | undefined> {
    for (;;) {
      const step = await this.source.next();
      // Cancelled meanwhile (the cutoff answered 504): nothing to arm, nothing to hand over.
      if (this.state !== 'open') return undefined;
      if (step.done) {
        this.finish('ended');
        return undefined;
      }
      const chunk = toChunk(step.value);
      if (chunk.byteLength) {
        this.first = chunk;
        this.firstWasText = typeof step.value === 'string';
        this.armCutoff();
        return chunk;
      }
    }
  }

  /** Past the first chunk, the cutoff ends the stream rather than answering 504: the status is sent. */
  private armCutoff(): void {
    const delay = cutoffDelay(this.ctx);
    if (!(delay <= MAX_DELAY)) return;
    this.timer = setTimeout(() => {
      if (this.state !== 'open') return;
      this.ctx.log.error('Response stream cut at the deadline', { functionName: this.ctx.functionName, deadline: new Date(this.ctx.deadline).toISOString() });
      cutContext(this.ctx);
      this.fail(new StreamError('STREAM_DEADLINE', 'The response stream was cut at the function deadline'));
    }, Math.max(0, delay));
  }

  private finish(state: Exclude<State, 'open'>): void {
    if (this.state !== 'open') return;
    this.state = state;
    if (this.timer) clearTimeout(this.timer);
    disposeContext(this.ctx);
  }

  private fail(error: StreamError): void {
    if (this.state !== 'open') return;
    this.failure = error;
    this.finish('failed');
    this.source.cancel(error);
    this.wake?.(undefined);
  }

  async read(): Promise<Uint8Array | undefined> {
    const first = this.first;
    if (first) {
      this.first = undefined;
      return first;
    }
    for (;;) {
      if (this.state === 'failed') throw this.failure;
      if (this.state !== 'open') return undefined;
      let step: IteratorResult<unknown> | undefined;
      try {
        const pending = this.source.next();
        // A cancel or the cutoff while the source is still thinking ends the read at once.
        step = await new Promise<IteratorResult<unknown> | undefined>((resolve, reject) => {
          this.wake = () => resolve(undefined);
          pending.then(resolve, reject);
        });
        this.wake = undefined;
        if (step === undefined) continue;
        if (step.done) {
          this.finish('ended');
          return undefined;
        }
        const chunk = toChunk(step.value);
        if (chunk.byteLength) return chunk;
      } catch (error) {
        this.wake = undefined;
        if (this.state !== 'open') continue;
        // The handler's error stays in the logs; what leaves is generic.
        this.ctx.log.error('Response stream failed after its first chunk', { functionName: this.ctx.functionName, error });
        this.fail(new StreamError('STREAM_FAILED', 'The response stream failed after it started; see the function logs'));
      }
    }
  }

  cancel(): void {
    if (this.state !== 'open') return;
    const reason = new StreamError('CLIENT_CLOSED', 'The client closed the connection before the response stream ended');
    this.state = 'cancelled';
    if (this.timer) clearTimeout(this.timer);
    this.first = undefined;
    abortContext(this.ctx, reason);
    this.source.cancel(reason);
    this.wake?.(undefined);
  }

  [Symbol.asyncIterator](): AsyncIterator<Uint8Array> {
    return {
      next: async () => {
        const chunk = await this.read();
        return chunk === undefined ? { done: true, value: undefined } : { done: false, value: chunk };
      },
      return: async () => {
        // A consumer that stops early (a for-await with a break or a throw) leaves like a client.
        this.cancel();
        return { done: true, value: undefined };
      },
    };
  }
}

/** Why a streamed body from a definition without `stream: true` is refused (an OnefnError STREAM_NOT_ENABLED, logged; the client gets the generic 500). */
export const STREAM_REFUSAL = 'Needs stream: true';

/** What toResponseData makes of a result with a streamed body: the response, and the body still unread. */
export interface UnopenedStream extends ResponseData {
  readonly source: StreamBody;
  /** Whether the handler set a content type. */
  readonly typed: boolean;
}

/** A streamed result the pipeline gave up on (answered 504 before the handler returned it): cancelled, unread. */
export function dropStream(data: unknown): void {
  const source = (data as Partial<UnopenedStream> | undefined)?.source;
  if (source) sourceOf(source).cancel(new StreamError('STREAM_DEADLINE', 'The response stream was cut at the function deadline'));
}

/**
 * Starts a streamed result: reads its first chunk, so that an error (or the cutoff) before it is
 * answered like any other error (a problem document), and sets the default content type from that
 * chunk (text for a string, bytes otherwise). Never rejects. The context stays alive while the stream
 * does: the stream releases it when it ends.
 */
export function openStream(data: UnopenedStream, ctx: Context, onError: (error: unknown, ctx: Context) => ResponseData): Promise<ResponseData> {
  const { source, typed, ...response } = data;
  const stream = new PipelineStream(sourceOf(source), ctx);
  let cut = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const opening = stream.open().then(
    (first): ResponseData => {
      if (timer) clearTimeout(timer);
      if (cut) {
        stream.cancel();
        return response;
      }
      const headers = typed ? response.headers : { ...response.headers, 'content-type': stream.firstWasText ? 'text/plain; charset=utf-8' : 'application/octet-stream' };
      // An empty stream is an empty body: nothing to stream.
      if (first === undefined) return { ...response, headers, body: '' };
      return { ...response, headers, stream };
    },
    (error: unknown): ResponseData => {
      if (timer) clearTimeout(timer);
      if (cut) {
        ctx.log.error('Handler stream failed after its deadline (answered 504)', { error });
        return response;
      }
      disposeContext(ctx);
      return onError(error, ctx);
    },
  );
  const delay = cutoffDelay(ctx);
  if (!(delay <= MAX_DELAY)) return opening;
  return Promise.race([
    opening,
    new Promise<ResponseData>((resolve) => {
      timer = setTimeout(() => {
        cut = true;
        ctx.log.error('Handler stream sent nothing before its deadline; answered 504', { deadline: new Date(ctx.deadline).toISOString() });
        cutContext(ctx);
        stream.cancel();
        resolve(problemFromError(new DeadlineExceededError()));
      }, Math.max(0, delay));
    }),
  ]);
}

/**
 * Reads a response's stream to its end and returns the response with the whole body: the fallback
 * for a platform that cannot stream (API Gateway, ALB). Never rejects: nothing has been sent yet, so
 * a stream that fails is answered like a handler that threw (a generic 500 problem; a 504 when cut
 * at the deadline), its error already logged.
 */
export async function bufferResponse(response: ResponseData): Promise<ResponseData> {
  const stream = response.stream;
  if (!stream) return response;
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    for (let chunk = await stream.read(); chunk !== undefined; chunk = await stream.read()) {
      chunks.push(chunk);
      size += chunk.byteLength;
    }
  } catch (error) {
    if (error instanceof StreamError && error.code === 'STREAM_DEADLINE') return problemFromError(new DeadlineExceededError());
    return problem(500, 'The function failed. See its logs for details.');
  }
  const body = new Uint8Array(size);
  let at = 0;
  for (const chunk of chunks) {
    body.set(chunk, at);
    at += chunk.byteLength;
  }
  const { stream: _dropped, ...rest } = response;
  const type = response.headers['content-type'];
  return { ...rest, body: typeof type === 'string' && isTextual(type) ? utf8Text(body) : body };
}
