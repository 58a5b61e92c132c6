/**
 * `@onefn/aws/dev`: the bridge `onefn dev --provider aws` and the dashboard use to send a local
 * request through this adapter as Lambda would deliver it: an HTTP request as a Function URL event
 * (payload 2.0, what `onefn deploy aws` wires), queue messages as one SQS batch, topic messages as SNS
 * notifications, object changes as S3 notifications, schedule ticks and CloudEvents as EventBridge
 * events. Each goes through the same handler a deployed function runs. Never part of a deployed bundle.
 *
 * @example
 * onefn dev src/api.ts --provider aws
 */
import type { CloudEvent, EventDefinition, HttpDefinition, Message, ScheduleEvent, StorageEvent } from 'onefn';
import type { BridgeDelivery, BridgeHttpRequest, BridgeOptions, DevBridge } from 'onefn/cli';
import { cloudEventMessage } from 'onefn/runtime';
import { eventHandler, httpHandler } from './handler.js';
import type { ApiGatewayV2Event, LambdaV2Result, SqsBatchResponse } from './native.js';
import { eventBridgeEvent, lambdaContext, s3Event, scheduledEvent, snsEvent, sqsEvent } from './testing/index.js';

const DOMAIN = 'abcdefghijklmnop.lambda-url.us-east-1.on.aws';
let sequence = 0;

/** A Function URL request (payload 2.0) as AWS builds it: cookies apart, repeated headers comma-joined. */
export function functionUrlRequest(request: BridgeHttpRequest): ApiGatewayV2Event {
  const headers: Record<string, string> = {};
  const cookies: string[] = [];
  for (const [name, value] of Object.entries(request.headers)) {
    const values = typeof value === 'string' ? [value] : [...value];
    if (name === 'cookie') cookies.push(...values.flatMap((v) => v.split(/;\s*/)).filter(Boolean));
    else headers[name] = values.join(',');
  }
  headers['host'] = DOMAIN;
  const now = new Date();
  const query: Record<string, string> = {};
  for (const [k, v] of new URLSearchParams(request.rawQuery)) query[k] = k in query ? `${query[k]},${v}` : v;
  const event: Record<string, unknown> = {
    version: '2.0',
    routeKey: '$default',
    rawPath: request.path,
    rawQueryString: request.rawQuery,
    headers,
    requestContext: {
      accountId: 'anonymous',
      apiId: DOMAIN.split('.')[0],
      domainName: DOMAIN,
      domainPrefix: DOMAIN.split('.')[0],
      http: { method: request.method, path: request.path, protocol: 'HTTP/1.1', sourceIp: request.ip ?? '127.0.0.1', userAgent: headers['user-agent'] ?? '' },
      requestId: `dev-${++sequence}`,
      routeKey: '$default',
      stage: '$default',
      time: now.toUTCString(),
      timeEpoch: now.getTime(),
    },
    isBase64Encoded: request.body !== undefined,
  };
  if (cookies.length) event['cookies'] = cookies;
  if (request.rawQuery) event['queryStringParameters'] = query;
  if (request.body !== undefined) event['body'] = Buffer.from(request.body).toString('base64');
  return event as unknown as ApiGatewayV2Event;
}

/** What Lambda records for a failed asynchronous invocation. */
const lambdaError = (error: unknown): { errorType: string; errorMessage: string } => ({
  errorType: (error as { code?: string })?.code ?? (error as Error)?.name ?? 'Error',
  errorMessage: (error as Error)?.message ?? String(error),
});

type Handler = ReturnType<typeof eventHandler>;

/** One asynchronous invocation: it succeeds, or every item it carried fails (and Lambda retries it). */
async function deliver(handler: Handler, event: unknown, ids: string[], options: BridgeOptions): Promise<BridgeDelivery> {
  try {
    const result = await handler(event, lambdaContext({ functionName: options.functionName, timeoutMs: options.timeoutMs }));
    return { nativeEvent: event, nativeResult: result ?? null, ids, failed: [] };
  } catch (error) {
    return { nativeEvent: event, nativeResult: lambdaError(error), ids, failed: ids };
  }
}

export const devBridge: DevBridge = {
  provider: 'aws',
  async http(definitions: readonly HttpDefinition[], request, options) {
    const event = functionUrlRequest(request);
    const result = (await httpHandler(definitions, { logSink: options.logSink, ...(options.resources ? { resources: options.resources } : {}) })(event, lambdaContext({ functionName: options.functionName, timeoutMs: options.timeoutMs }))) as LambdaV2Result;
    const body = typeof result.body === 'string' ? Buffer.from(result.body, result.isBase64Encoded ? 'base64' : 'utf8') : new Uint8Array(0);
    return { nativeEvent: event, nativeResult: result, response: { status: result.statusCode ?? 200, headers: { ...result.headers }, cookies: result.cookies ?? [], body } };
  },
  async events(definition: EventDefinition, items, options) {
    const handler = eventHandler(definition, { logSink: options.logSink, ...(options.resources ? { resources: options.resources } : {}) });
    if (definition.kind === 'message' && definition.trigger.type === 'queue') {
      const messages = items as readonly Message[];
      const event = sqsEvent(
        messages.map((m) => ({ id: m.id, body: m.text(), attributes: m.attributes, receiveCount: m.attempt })),
        { queue: definition.trigger.name, fifo: definition.trigger.ordered },
      );
      const ids = messages.map((m) => m.id);
      try {
        const result = (await handler(event, lambdaContext({ functionName: options.functionName, timeoutMs: options.timeoutMs }))) as SqsBatchResponse;
        return { deliveries: [{ nativeEvent: event, nativeResult: result, ids, failed: result.batchItemFailures.map((f) => f.itemIdentifier) }], onFailure: ON_FAILURE.sqs };
      } catch (error) {
        // A thrown error fails the whole batch.
        return { deliveries: [{ nativeEvent: event, nativeResult: lambdaError(error), ids, failed: ids }], onFailure: ON_FAILURE.sqs };
      }
    }
    const deliveries: BridgeDelivery[] = [];
    for (const item of items) {
      let event: unknown;
      switch (definition.kind) {
        case 'message': {
          const m = item as Message;
          event = snsEvent({ id: m.id, body: m.text(), topic: definition.trigger.name, attributes: m.attributes });
          break;
        }
        case 'storage': {
          const s = item as StorageEvent;
          event = s3Event({ bucket: s.bucket, key: s.key, change: s.change, size: s.size, etag: s.etag });
          break;
        }
        case 'schedule':
          event = scheduledEvent({ rule: options.functionName, time: (item as ScheduleEvent).scheduledTime });
          break;
        case 'cloudevent': {
          const c = item as CloudEvent;
          // Bound to a topic: the SNS notification, carrying the event in its ce- message attributes.
          if (definition.trigger.topic !== undefined) {
            const carried = cloudEventMessage(c);
            event = snsEvent({ id: c.id, body: carried.body, topic: definition.trigger.topic, attributes: carried.attributes });
            break;
          }
          event = { ...eventBridgeEvent({ source: c.source, detailType: c.type, detail: c.data, resources: c.subject ? [c.subject] : [], ...(c.time ? { time: c.time } : {}) }), id: c.id };
          break;
        }
      }
      deliveries.push(await deliver(handler, event, [item.id], options));
    }
    return { deliveries, onFailure: ON_FAILURE.async };
  },
};

const ON_FAILURE = {
  sqs: 'SQS: the messages in batchItemFailures are received again after their visibility timeout, and moved to the dead-letter queue after maxReceiveCount; a thrown error fails the whole batch',
  async: 'Lambda retries a failed asynchronous invocation twice, then sends the event to the on-failure destination or dead-letter queue',
};
