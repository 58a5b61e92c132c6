import type { ServerResponse } from 'node:http';
import type { BodyStream } from '../onefn/stream.js';

/**
 * Sends a streamed body on a Node HTTP response (functions-framework's on GCP, the dev server's):
 * chunked, one chunk as it comes, waiting for the socket to drain so that a slow client slows the
 * handler instead of filling memory. A client that goes away cancels the stream (the handler's
 * ctx.signal aborts); a stream that fails after it started cuts the connection, so the client sees
 * the body end short. Never rejects.
 */
export async function sendStream(res: ServerResponse, stream: BodyStream, noBody: boolean): Promise<void> {
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

function drained(res: ServerResponse): Promise<void> {
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
