import { StreamError } from 'onefn';
import type { ResponseData } from 'onefn/runtime';
import type { LambdaResponseStream, LambdaStreamPrelude } from './native.js';
import { allCookies } from './to-http.js';

// What aws-lambda-ric (and so Lambda's Node.js runtimes) defines on globalThis for streaming handlers.
interface AwsLambdaGlobal {
  streamifyResponse?: <H>(handler: H) => H;
  HttpResponseStream?: { from(stream: LambdaResponseStream, prelude: LambdaStreamPrelude): LambdaResponseStream };
}
const lambdaGlobal = (): AwsLambdaGlobal | undefined => (globalThis as { awslambda?: AwsLambdaGlobal }).awslambda;

// The mark aws-lambda-ric's streamifyResponse sets and its runtime reads (index.mjs, HANDLER_STREAMING).
const STREAMING = Symbol.for('aws.lambda.runtime.handler.streaming');
const PRELUDE_TYPE = 'application/vnd.awslambda.http-integration-response';

/**
 * Marks a handler as streaming with the runtime's own `awslambda.streamifyResponse`; where that global
 * is absent (a test calling the handler directly), with the same mark it sets.
 */
export function streamify<H extends object>(handler: H): H {
  const own = lambdaGlobal()?.streamifyResponse;
  if (own) return own(handler);
  (handler as Record<symbol, unknown>)[STREAMING] = 'response';
  return handler;
}

const isSetCookie = (name: string): boolean => name.length === 10 && name.toLowerCase() === 'set-cookie';

/** The HTTP integration prelude: status, single-string headers, and every Set-Cookie apart in `cookies`. */
export function preludeOf(res: ResponseData): LambdaStreamPrelude {
  const headers: Record<string, string> = {};
  for (const name in res.headers) {
    if (isSetCookie(name)) continue;
    const value = res.headers[name] as string | readonly string[];
    headers[name] = typeof value === 'string' ? value : value.join(', ');
  }
  return { statusCode: res.status, headers, cookies: allCookies(res) };
}

/**
 * The response stream with the prelude in front (`awslambda.HttpResponseStream.from`, which writes it
 * on the first write only). Without the runtime's global, the same bytes are written here: the
 * prelude content type, the JSON prelude and 8 NUL bytes.
 */
function withPrelude(stream: LambdaResponseStream, prelude: LambdaStreamPrelude): LambdaResponseStream {
  const from = lambdaGlobal()?.HttpResponseStream?.from;
  if (from) return from(stream, prelude);
  stream.setContentType(PRELUDE_TYPE);
  stream.write(JSON.stringify(prelude));
  stream.write(new Uint8Array(8));
  return stream;
}

function drained(stream: LambdaResponseStream): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      stream.off('drain', done);
      stream.off('close', done);
      stream.off('error', done);
      resolve();
    };
    stream.on('drain', done);
    stream.on('close', done);
    stream.on('error', done);
  });
}

function ended(stream: LambdaResponseStream): Promise<void> {
  return new Promise((resolve) => stream.end(resolve));
}

/**
 * Writes a portable response to Lambda's response stream: the prelude, then the body, buffered or
 * streamed chunk by chunk (waiting for the stream to drain). A response stream that closes early (the
 * client went away) cancels the handler's stream. A stream that fails after it started rejects with
 * its StreamError, which the runtime reports in the Lambda-Runtime-Function-Error-Type/-Body trailers;
 * the client sees the body end short, and the handler's own error stays in the logs.
 */
export async function writeStreamed(out: LambdaResponseStream, res: ResponseData, head: boolean): Promise<void> {
  const stream = withPrelude(out, preludeOf(res));
  const source = res.stream;
  const noBody = head || res.status === 204 || res.status === 205 || res.status === 304;
  if (!source || noBody) {
    source?.cancel();
    const body = res.body;
    // The first write() is what sends the prelude: an empty body still makes one.
    stream.write(noBody ? '' : body);
    return ended(stream);
  }
  let gone = false;
  const onClose = (): void => {
    if (stream.writableFinished || stream.writableEnded) return;
    gone = true;
    source.cancel();
  };
  stream.on('close', onClose);
  stream.on('error', onClose);
  try {
    for (let chunk = await source.read(); chunk !== undefined && !gone; chunk = await source.read()) {
      if (!stream.write(chunk)) await drained(stream);
    }
    if (!gone) await ended(stream);
  } catch (error) {
    throw error instanceof StreamError ? error : new StreamError('STREAM_FAILED', 'The response stream failed after it started; see the function logs', { cause: error });
  } finally {
    stream.off('close', onClose);
    stream.off('error', onClose);
  }
}
