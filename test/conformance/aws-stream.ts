// The streaming harness on AWS, in-process: the built handler (lambdaHttpStreamHandler, marked as
// aws-lambda-ric's streamifyResponse marks it) writes to a response stream that stands in for the
// runtime's, and the test reads the HTTP integration prelude and the body from it as a Function URL
// does. The same handler under the real runtime is adapters/aws/test/real-runtime-stream.test.ts.
import { PassThrough } from 'node:stream';
import { wrap, type LambdaResponseStream, type LambdaStreamPrelude } from '@onefn/aws';
import { functionUrlEvent, lambdaContext } from '@onefn/aws/testing';
import type { StreamAnswer, StreamHarness } from './stream-suite.js';

class ResponseStream extends PassThrough implements LambdaResponseStream {
  contentType = 'application/octet-stream';
  setContentType(type: string): void {
    this.contentType = type;
  }
}

export const awsStreamHarness: StreamHarness = {
  provider: 'aws',
  seesDisconnect: true,
  async stream(definitions, request) {
    const headers: Record<string, string> = { ...request.headers };
    const event = functionUrlEvent({ method: request.method ?? 'GET', path: request.path, headers });
    const logs: string[] = [];
    const out = new ResponseStream();
    const handler = wrap([...definitions], { stream: true });
    const running = withStdout(logs, () => handler(event, out, lambdaContext()));
    const end = running.then(
      () => ({ how: 'complete' as const }),
      (error: unknown) => {
        // What the runtime does with a handler's rejection: the error in the trailers, then the end.
        out.end();
        return { how: 'aborted' as const, errorType: (error as Error).name };
      },
    );
    const reader = out[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
    // The prelude: JSON, then 8 NUL bytes, then the body.
    let head = Buffer.alloc(0);
    let nul = -1;
    while (nul === -1) {
      const step = await reader.next();
      if (step.done) throw new Error('the stream ended before its prelude');
      head = Buffer.concat([head, step.value]);
      nul = head.indexOf(0);
    }
    if (out.contentType !== 'application/vnd.awslambda.http-integration-response') throw new Error(`content type ${out.contentType}`);
    const prelude = JSON.parse(head.subarray(0, nul).toString('utf8')) as LambdaStreamPrelude;
    let rest: Buffer | undefined = head.subarray(nul + 8);
    const chunks: AsyncIterator<Uint8Array> = {
      next: async () => {
        if (rest?.byteLength) {
          const value = new Uint8Array(rest);
          rest = undefined;
          return { done: false, value };
        }
        const step = await reader.next();
        return step.done ? { done: true, value: undefined } : { done: false, value: new Uint8Array(step.value) };
      },
    };
    const values = new Map(Object.entries(prelude.headers).map(([k, v]) => [k.toLowerCase(), v]));
    const answer: StreamAnswer = {
      status: prelude.statusCode,
      header: (name) => values.get(name.toLowerCase()),
      cookies: prelude.cookies,
      chunks,
      close: () => out.destroy(),
      end,
      logs: () => logs,
    };
    return answer;
  },
};

// The handler logs Lambda JSON lines on stdout; kept while it runs, and while its stream does.
let capturing = 0;
const lines: string[][] = [];
const write = process.stdout.write.bind(process.stdout);
function withStdout<T>(into: string[], run: () => Promise<T>): Promise<T> {
  lines.push(into);
  if (capturing++ === 0) {
    process.stdout.write = ((chunk: string | Uint8Array) => {
      for (const sink of lines) sink.push(String(chunk));
      return true;
    }) as typeof process.stdout.write;
  }
  return run().finally(() => {
    lines.splice(lines.indexOf(into), 1);
    if (--capturing === 0) process.stdout.write = write;
  });
}
