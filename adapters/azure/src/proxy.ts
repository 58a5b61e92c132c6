import { subscribe } from 'node:diagnostics_channel';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { BodyStream } from 'onefn/runtime';

// With HTTP streams on, the host forwards each HTTP request to @azure/functions' own HTTP server, with
// the invocation id in this header; the library keeps that request and its response in module-private
// maps (src/http/httpProxy.ts, `requests` / `responses`), hands the function a web Request rebuilt from
// its URL and headers (with no signal, and for GET no body: HttpRequest.ts, createStreamRequest), and
// writes the function's body with `proxyRes.write(chunk)` in a loop that neither waits for 'drain' nor
// stops when the connection closes (httpProxy.ts, sendProxyResponse). So the function could neither
// see its client leave nor be slowed by a slow one.
const INVOCATION_HEADER = 'x-ms-invocation-id';
const CHANNEL = 'http.server.request.start';

/** Proxied responses by invocation id, from their request's arrival until the invocation takes them or they close. */
const waiting = new Map<string, ServerResponse>();
let watching = false;

function onRequest(message: unknown): void {
  const { request, response } = message as { request: IncomingMessage; response: ServerResponse };
  const id = request.headers[INVOCATION_HEADER];
  if (typeof id !== 'string') return;
  waiting.set(id, response);
  // A request whose invocation never comes (another worker's function, a host retry) must not stay.
  response.once('close', () => {
    if (waiting.get(id) === response) waiting.delete(id);
  });
}

/**
 * Starts following the proxy's connections, through Node's public `http.server.request.start`
 * diagnostics channel, which the HTTP server publishes (with the request and its response) before it
 * emits 'request' to the library's listener: so by the time the library has the request and runs the
 * function, the response that the function's body will leave by is known here. Once per process,
 * before the first request: `register` calls it when it turns HTTP streams on.
 */
export function watchProxy(): void {
  if (watching) return;
  watching = true;
  subscribe(CHANNEL, onRequest);
}

/** The proxy's response for an invocation (once: the invocation takes it), or undefined without HTTP streams. */
export function takeProxied(invocationId: string): ServerResponse | undefined {
  const response = waiting.get(invocationId);
  waiting.delete(invocationId);
  return response;
}

/**
 * The body stream, tied to the proxy's connection: the next chunk is read only once the response has
 * drained what the library wrote (so a slow client slows the handler, and a 100 MB body holds a chunk
 * or two, not what the socket could not take), and a connection closing before the body's end cancels
 * the stream (`ctx.signal` aborts with CLIENT_CLOSED; a read waiting resolves as the end, which the
 * library's loop takes as the end of the body).
 */
export function followConnection(stream: BodyStream, out: ServerResponse): BodyStream {
  const onClose = (): void => {
    if (!out.writableFinished) stream.cancel();
  };
  out.on('close', onClose);
  const release = (): void => void out.off('close', onClose);
  const followed: BodyStream = {
    async read() {
      if (out.writableNeedDrain && !out.destroyed) await drained(out);
      // Closed while the library still held a chunk: the client is gone.
      if (out.destroyed) stream.cancel();
      try {
        const chunk = await stream.read();
        if (chunk === undefined) release();
        return chunk;
      } catch (error) {
        release();
        throw error;
      }
    },
    cancel() {
      release();
      stream.cancel();
    },
    [Symbol.asyncIterator]: () => ({
      next: async () => {
        const chunk = await followed.read();
        return chunk === undefined ? { done: true, value: undefined } : { done: false, value: chunk };
      },
      return: async () => {
        followed.cancel();
        return { done: true, value: undefined };
      },
    }),
  };
  return followed;
}

function drained(out: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      out.off('drain', done);
      out.off('close', done);
      resolve();
    };
    out.on('drain', done);
    out.on('close', done);
  });
}
