// A case process for AWS Lambda: imports a bundled `index.handler` and calls it as the runtime does,
// with the event parsed afresh from its JSON text and a fresh context on every invocation.
import { readFileSync } from 'node:fs';
import { checkHttp, checkResult } from './check.js';
import { coldSample, serve, type Runner } from './loop.js';
import type { Expectation } from './protocol.js';

export interface AwsSpec {
  readonly mode: 'serve' | 'cold';
  /** The bundled module exporting `handler`. */
  readonly module: string;
  /** A file holding the event's JSON text. */
  readonly event: string;
  readonly expect: Expectation;
}

type Handler = (event: unknown, context: unknown) => unknown;

let invocations = 0;
// What aws-lambda-ric builds for each invocation (its attachEnvironmentData + _headerData).
function context(): Record<string, unknown> {
  const deadline = Date.now() + 30_000;
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionVersion: '$LATEST',
    functionName: 'bench',
    memoryLimitInMB: '1024',
    logGroupName: '/aws/lambda/bench',
    logStreamName: '2026/01/01/[$LATEST]0123456789abcdef',
    clientContext: undefined,
    identity: undefined,
    invokedFunctionArn: 'arn:aws:lambda:us-east-1:123456789012:function:bench',
    awsRequestId: `8f5c2b1e-0000-4000-8000-${String(++invocations).padStart(12, '0')}`,
    tenantId: undefined,
    getRemainingTimeInMillis: () => deadline - Date.now(),
  };
}

function answerOf(result: unknown): Parameters<typeof checkHttp>[0] {
  const r = (result ?? {}) as { statusCode?: number; body?: string; headers?: Record<string, string>; cookies?: string[]; multiValueHeaders?: Record<string, string[]> };
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(r.headers ?? {})) headers[k.toLowerCase()] = v;
  const setCookies = r.cookies ?? r.multiValueHeaders?.['set-cookie'] ?? (headers['set-cookie'] ? [headers['set-cookie']] : []);
  return { status: r.statusCode ?? 0, body: r.body ?? '', headers, setCookies };
}

const spec = JSON.parse(process.argv[2] as string) as AwsSpec;
const text = readFileSync(spec.event, 'utf8');
const verdict = (result: unknown): string | undefined => (spec.expect.status !== undefined ? checkHttp(answerOf(result), spec.expect) : checkResult(result, spec.expect));
let handler: Handler | undefined;
const load = async (): Promise<void> => {
  handler = ((await import(`file://${spec.module}`)) as { handler: Handler }).handler;
};
const runner = (): Runner => {
  const h = handler as Handler;
  return { run: () => h(JSON.parse(text), context()), verdict };
};

if (spec.mode === 'cold') await coldSample(load, async () => runner(), spec.expect);
else {
  await load();
  serve(runner(), spec.expect);
}
