import type { BodyStream, ResponseData } from 'onefn/runtime';
import type { GcpResponse } from './native.js';

declare const __ONEFN_STREAMS__: boolean | undefined;

/**
 * Writes a portable response through Node's ServerResponse (what Express's `res` is). Express's own
 * `res.send` is skipped on purpose: it would re-guess the content type and add an ETag; the core has
 * already decided both. Every Set-Cookie value goes out as its own header line.
 */
export function writeResponse(res: GcpResponse, response: ResponseData, head: boolean): void {
  if (res.headersSent) return;
  res.statusCode = response.status;
  const { headers, cookies, body } = response;
  for (const name in headers) {
    const value = headers[name];
    if (value !== undefined) res.setHeader(name, value as string | string[]);
  }
  if (cookies.length) {
    const existing = res.getHeader('set-cookie');
    const before = existing === undefined ? [] : Array.isArray(existing) ? existing : [String(existing)];
    res.setHeader('set-cookie', [...before, ...cookies]);
  }
  // A build without streaming definitions defines __ONEFN_STREAMS__ false, which drops sendStream.
  // The stream is sent on its own: sendStream never rejects, and the response ends when it does.
  if ((typeof __ONEFN_STREAMS__ === 'undefined' || __ONEFN_STREAMS__) && response.stream) return void sendStream(res, response.stream, head || response.status === 204 || response.status === 304);
  const chunk = typeof body === 'string' ? body : Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  const length = typeof chunk === 'string' ? Buffer.byteLength(chunk) : chunk.byteLength;
  // 204 and 304 carry no body by definition; HEAD answers with GET's headers and no body.
  const noBody = response.status === 204 || response.status === 304;
  if (!noBody) res.setHeader('content-length', length);
  res.end(head || noBody ? undefined : chunk);
}

/** Resolves when the socket takes more, or when the response closed (then the caller stops). */
function drained(res: GcpResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      res.off('drain', done);
      res.off('close', done);
      resolve();
    };
    res.on('drain', done);
    res.on('close', done);
  });
}

/**
 * Sends a streamed body chunked (no content-length), one chunk as it comes, waiting for the socket
 * to drain so that a slow client slows the handler instead of filling memory. A client that goes
 * away cancels the stream (the handler's ctx.signal aborts). A stream that fails after it started
 * destroys the response: the client sees the chunked body end without its last chunk, an incomplete
 * answer, and the handler's error stays in the logs.
 */
async function sendStream(res: GcpResponse, stream: BodyStream, noBody: boolean): Promise<void> {
  if (noBody) {
    stream.cancel();
    res.end();
    return;
  }
  let gone = false;
  const onClose = (): void => {
    if (res.writableFinished) return;
    gone = true;
    stream.cancel();
  };
  res.on('close', onClose);
  // Settles once the last chunk written has left: cutting the connection before would drop it.
  let flushed = Promise.resolve();
  try {
    for (let chunk = await stream.read(); chunk !== undefined && !gone; chunk = await stream.read()) {
      let ok = true;
      flushed = new Promise((resolve) => (ok = res.write(chunk, () => resolve())));
      if (!ok) await drained(res);
    }
    if (!gone) res.end();
  } catch {
    await flushed;
    res.destroy();
  } finally {
    res.off('close', onClose);
  }
}
