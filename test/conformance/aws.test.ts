// The conformance suite on AWS: HTTP through a Function URL event (payload v2), messages as one SQS batch.
import { wrap, type LambdaV2Result, type SqsBatchResponse } from '@onefn/aws';
import { eventBridgeEvent, functionUrlEvent, lambdaContext, s3Event, scheduledEvent, sqsEvent } from '@onefn/aws/testing';
import { OnefnError } from 'onefn';
import { conformance, type EventEnd } from './suite.js';
import { awsStreamHarness } from './aws-stream.js';
import { streamConformance } from './stream-suite.js';
import { awsOutputs } from './aws-outputs.js';
import type { ResourceDriverSource } from 'onefn/runtime';
import type { HttpAnswer, HttpProbe } from './suite.js';
import type { HttpDefinition } from 'onefn';

conformance({
  provider: 'aws',
  http: (definitions, request) => http(definitions, request),
  outputs: (resources) => awsOutputs(resources, http),
  async deliver(definition, messages) {
    // Lambda's clock: the function's timeout, which the deploy helper sets from the definition's.
    const timeout = definition.settings.timeout;
    const context = lambdaContext(timeout === undefined ? {} : { timeoutMs: timeout * 1000 });
    const result = (await wrap(definition)(sqsEvent(messages.map((m) => ({ id: m.id, body: m.body }))), context)) as SqsBatchResponse;
    return { redelivered: result.batchItemFailures.map((f) => f.itemIdentifier) };
  },
  async storage(definition, change) {
    return settle(wrap(definition)(s3Event({ bucket: change.bucket, key: change.key, change: change.change, size: change.size }), lambdaContext()));
  },
  async tick(definition, at) {
    return settle(wrap(definition)(scheduledEvent({ time: at }), lambdaContext()));
  },
  // A JSON CloudEvent invoked directly; a refused event rejects the invocation with the typed error.
  async cloudEvent(definition, event) {
    try {
      await wrap(definition)(event as never, lambdaContext());
      return { outcome: 'ok' };
    } catch (error) {
      return refusedOr(error);
    }
  },
  async routedEvent(definition, event) {
    // An EventBridge rule's target: the detail-type is the CloudEvent's type.
    const native = { ...eventBridgeEvent({ source: event.source, detailType: event.type, detail: event.data }), id: event.id };
    return settle(wrap(definition)(native, lambdaContext()));
  },
});

// HTTP through a Function URL event; `resources` is the adapter's option, as `onefn build aws` wires it.
async function http(definitions: readonly HttpDefinition[], request: HttpProbe, resources?: ResourceDriverSource): Promise<HttpAnswer> {
  const headers: Record<string, string> = { ...request.headers };
  // Function URLs deliver cookies in their own array, not as a header.
  const cookies = Object.fromEntries((headers['cookie'] ?? '').split(/;\s*/).filter(Boolean).map((c) => c.split('=') as [string, string]));
  delete headers['cookie'];
  const body = typeof request.body === 'string' ? { text: request.body } : request.body ? { body: request.body } : {};
  const event = functionUrlEvent({ method: request.method, path: request.path, headers, cookies, ...body });
  const logs: string[] = [];
  const result = (await captureStdout(logs, () => wrap([...definitions], resources ? { resources } : {})(event, lambdaContext()))) as LambdaV2Result;
  const out = new Map(Object.entries(result.headers ?? {}).map(([k, v]) => [k.toLowerCase(), String(v)]));
  return {
    status: result.statusCode ?? 200,
    header: (name) => out.get(name.toLowerCase()),
    cookies: [...(result.cookies ?? [])],
    body: result.isBase64Encoded ? new Uint8Array(Buffer.from(result.body ?? '', 'base64')) : new TextEncoder().encode(result.body ?? ''),
    logs,
  };
}

function refusedOr(error: unknown): EventEnd {
  if (error instanceof OnefnError && (error.code === 'MALFORMED_EVENT' || error.code === 'UNSUPPORTED_EVENT')) return { outcome: 'refused', code: error.code, message: error.message };
  return { outcome: 'failed' };
}

// Asynchronous invocations (S3, EventBridge) report a failure by throwing, so that Lambda retries.
async function settle(invocation: unknown): Promise<{ failed: boolean }> {
  try {
    await invocation;
    return { failed: false };
  } catch {
    return { failed: true };
  }
}

// The handler logs with its default sink, Lambda's JSON lines on stdout; they are kept while it runs.
async function captureStdout<T>(into: string[], run: () => Promise<T>): Promise<T> {
  const write = process.stdout.write;
  process.stdout.write = ((chunk: string | Uint8Array) => {
    into.push(String(chunk));
    return true;
  }) as typeof process.stdout.write;
  try {
    return await run();
  } finally {
    process.stdout.write = write;
  }
}

streamConformance(awsStreamHarness);
