/**
 * `@onefn/aws/testing`: typed builders for the events Lambda sends, in the shape AWS sends them, and a
 * Lambda context. Feed them to a handler from `@onefn/aws` to test the whole path.
 *
 * @example
 * import { wrap } from '@onefn/aws'
 * import { httpApiEvent, lambdaContext } from '@onefn/aws/testing'
 * const res = await wrap(hello)(httpApiEvent({ method: 'POST', path: '/hello', json: { name: 'Ada' } }), lambdaContext())
 */
import { OnefnError } from 'onefn';
import { inputRecord } from 'onefn/runtime';
import type {
  AlbEvent, ApiGatewayV1Event, ApiGatewayV2Event, EventBridgeEvent, LambdaContext, S3Event, SnsEvent, SqsEvent,
} from '../native.js';

export interface HttpEventOptions {
  method?: string;
  /** The path, optionally with a query string ("/users?limit=5", encoded as a client sends it). */
  path?: string;
  headers?: Readonly<Record<string, string>>;
  cookies?: Readonly<Record<string, string>>;
  /** A JSON body; sets content-type application/json. */
  json?: unknown;
  text?: string;
  /** Bytes, sent base64-encoded with isBase64Encoded. */
  body?: Uint8Array;
  ip?: string;
}

let sequence = 0;
const nextId = (prefix: string): string => `${prefix}-${(++sequence).toString().padStart(6, '0')}`;
const ISO = (d: Date): string => d.toISOString().replace(/\.\d{3}Z$/, 'Z');

interface Parts {
  method: string;
  path: string;
  rawQuery: string;
  headers: Record<string, string>;
  cookies: string[];
  body: string | undefined;
  base64: boolean;
  ip: string;
}

function parts(options: HttpEventOptions): Parts {
  const full = options.path ?? '/';
  const q = full.indexOf('?');
  // Names are the test's input: a prototype-free record keeps `__proto__` and the like as sent.
  const headers = Object.assign(inputRecord<string>(), { host: 'example.com', 'user-agent': 'onefn-test', 'x-forwarded-proto': 'https' });
  for (const [k, v] of Object.entries(options.headers ?? {})) headers[k.toLowerCase()] = v;
  let body: string | undefined;
  let base64 = false;
  if (options.json !== undefined) {
    body = JSON.stringify(options.json);
    headers['content-type'] ??= 'application/json';
  } else if (options.text !== undefined) {
    body = options.text;
    headers['content-type'] ??= 'text/plain; charset=utf-8';
  } else if (options.body !== undefined) {
    body = Buffer.from(options.body).toString('base64');
    base64 = true;
    headers['content-type'] ??= 'application/octet-stream';
  }
  if (body !== undefined) headers['content-length'] = String(base64 ? (options.body?.byteLength ?? 0) : Buffer.byteLength(body));
  return {
    method: (options.method ?? 'GET').toUpperCase(),
    path: q === -1 ? full : full.slice(0, q),
    rawQuery: q === -1 ? '' : full.slice(q + 1),
    headers,
    cookies: Object.entries(options.cookies ?? {}).map(([k, v]) => `${k}=${encodeURIComponent(v)}`),
    body,
    base64,
    ip: options.ip ?? '203.0.113.10',
  };
}

// Query records are prototype-free (onefn's record.ts): on `{}`, `out['__proto__'] ??= []` found
// Object.prototype and `?__proto__=1` threw "out[k].push is not a function".

/** Decoded parameters, as API Gateway gives them (repeated names: every value). */
function decodedQuery(raw: string): Record<string, string[]> {
  const out = inputRecord<string[]>();
  for (const [k, v] of new URLSearchParams(raw)) (out[k] ??= []).push(v);
  return out;
}

/** Parameters undecoded, as ALB passes them. */
function rawQuery(raw: string): Record<string, string[]> {
  const out = inputRecord<string[]>();
  for (const pair of raw ? raw.split('&') : []) {
    const eq = pair.indexOf('=');
    (out[eq === -1 ? pair : pair.slice(0, eq)] ??= []).push(eq === -1 ? '' : pair.slice(eq + 1));
  }
  return out;
}

const lastValues = (multi: Record<string, string[]>): Record<string, string> =>
  Object.fromEntries(Object.entries(multi).map(([k, vs]) => [k, vs[vs.length - 1] as string]));

function v2Event(options: HttpEventOptions, domainName: string): ApiGatewayV2Event {
  const p = parts(options);
  const now = new Date();
  const query = decodedQuery(p.rawQuery);
  const event: Record<string, unknown> = {
    version: '2.0',
    routeKey: '$default',
    rawPath: p.path,
    rawQueryString: p.rawQuery,
    headers: { ...p.headers, host: domainName },
    requestContext: {
      accountId: '123456789012',
      apiId: domainName.split('.')[0],
      domainName,
      domainPrefix: domainName.split('.')[0],
      http: { method: p.method, path: p.path, protocol: 'HTTP/1.1', sourceIp: p.ip, userAgent: 'onefn-test' },
      requestId: nextId('apigw'),
      routeKey: '$default',
      stage: '$default',
      time: now.toUTCString(),
      timeEpoch: now.getTime(),
    },
    isBase64Encoded: p.base64,
  };
  if (p.cookies.length) event['cookies'] = p.cookies;
  // Repeated names are joined with commas in the v2 payload.
  if (p.rawQuery) event['queryStringParameters'] = Object.fromEntries(Object.entries(query).map(([k, vs]) => [k, vs.join(',')]));
  if (p.body !== undefined) event['body'] = p.body;
  return event as unknown as ApiGatewayV2Event;
}

/**
 * An API Gateway HTTP API (payload 2.0) request.
 *
 * @example
 * httpApiEvent({ method: 'POST', path: '/orders?notify=1', json: { id: 1 }, cookies: { session: 'abc' } })
 */
export function httpApiEvent(options: HttpEventOptions = {}): ApiGatewayV2Event {
  return v2Event(options, 'abc123.execute-api.us-east-1.amazonaws.com');
}

/**
 * A Lambda Function URL request (payload 2.0, on a `lambda-url` domain).
 *
 * @example
 * functionUrlEvent({ path: '/hello?name=Ada' })
 */
export function functionUrlEvent(options: HttpEventOptions = {}): ApiGatewayV2Event {
  return v2Event(options, 'abcdefghijklmnop.lambda-url.us-east-1.on.aws');
}

/**
 * An API Gateway REST API (payload 1.0) proxy request, with the stage in `requestContext.path` only.
 *
 * @example
 * restApiEvent({ method: 'GET', path: '/users/7', stage: 'prod' })
 */
export function restApiEvent(options: HttpEventOptions & { stage?: string } = {}): ApiGatewayV1Event {
  const p = parts(options);
  const stage = options.stage ?? 'prod';
  const multiHeaders: Record<string, string[]> = Object.fromEntries(Object.entries(p.headers).map(([k, v]) => [k, [v]]));
  if (p.cookies.length) multiHeaders['cookie'] = [p.cookies.join('; ')];
  const query = decodedQuery(p.rawQuery);
  const hasQuery = Object.keys(query).length > 0;
  return {
    version: '1.0',
    resource: '/{proxy+}',
    path: p.path,
    httpMethod: p.method,
    headers: lastValues(multiHeaders),
    multiValueHeaders: multiHeaders,
    queryStringParameters: hasQuery ? lastValues(query) : null,
    multiValueQueryStringParameters: hasQuery ? query : null,
    pathParameters: { proxy: p.path.slice(1) },
    stageVariables: null,
    requestContext: { stage, path: `/${stage}${p.path}`, requestId: nextId('apigw'), identity: { sourceIp: p.ip } },
    body: p.body ?? null,
    isBase64Encoded: p.base64,
  };
}

/**
 * An ALB target request. With `multiValue` (the target group's multi-value headers setting) the event
 * carries only multiValueHeaders / multiValueQueryStringParameters. Query values stay encoded, as ALB
 * passes them.
 *
 * @example
 * albEvent({ path: '/search?q=caf%C3%A9', multiValue: true })
 */
export function albEvent(options: HttpEventOptions & { multiValue?: boolean } = {}): AlbEvent {
  const p = parts(options);
  const headers: Record<string, string> = { ...p.headers, 'x-forwarded-for': p.ip };
  if (p.cookies.length) headers['cookie'] = p.cookies.join('; ');
  const query = rawQuery(p.rawQuery);
  const base = {
    requestContext: { elb: { targetGroupArn: 'arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/onefn/0123456789abcdef' } },
    httpMethod: p.method,
    path: p.path,
    body: p.body ?? '',
    isBase64Encoded: p.base64,
  };
  if (options.multiValue) {
    return { ...base, multiValueHeaders: Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, [v]])), multiValueQueryStringParameters: query };
  }
  return { ...base, headers, queryStringParameters: lastValues(query) };
}

export interface SqsMessageOptions {
  id?: string;
  /** The payload, serialized as JSON (the same option as every kit's). */
  json?: unknown;
  /** The payload as sent; objects are sent as JSON. */
  body?: unknown;
  attributes?: Readonly<Record<string, string>>;
  receiveCount?: number;
  groupId?: string;
}

/** `json` serialized, else `body` (a string as is, anything else as JSON); both is a mistake. */
function messageBody(m: { json?: unknown; body?: unknown }): string {
  if (m.json !== undefined && m.body !== undefined) throw new OnefnError('INVALID_TEST_OPTION', 'give a message either json or body, not both');
  if (m.json !== undefined) return JSON.stringify(m.json);
  return typeof m.body === 'string' ? m.body : JSON.stringify(m.body ?? null);
}

/**
 * An SQS batch. `fifo` makes the queue name end in `.fifo` and gives each message a group id.
 *
 * @example
 * sqsEvent([{ body: { orderId: 1 } }, { body: 'not json' }], { queue: 'orders' })
 */
export function sqsEvent(messages: readonly SqsMessageOptions[], options: { queue?: string; fifo?: boolean; region?: string } = {}): SqsEvent {
  const region = options.region ?? 'us-east-1';
  const name = `${options.queue ?? 'test-queue'}${options.fifo && !options.queue?.endsWith('.fifo') ? '.fifo' : ''}`;
  const sent = Date.now();
  return {
    Records: messages.map((m, i) => {
      const body = messageBody(m);
      const attributes: Record<string, string> = {
        ApproximateReceiveCount: String(m.receiveCount ?? 1),
        SentTimestamp: String(sent + i),
        SenderId: 'AIDAEXAMPLE',
        ApproximateFirstReceiveTimestamp: String(sent + i + 1),
      };
      if (options.fifo) {
        attributes['MessageGroupId'] = m.groupId ?? 'group-1';
        attributes['SequenceNumber'] = String(18849496460467696128n + BigInt(i));
        attributes['MessageDeduplicationId'] = m.id ?? `dedup-${i}`;
      }
      return {
        messageId: m.id ?? nextId('msg'),
        receiptHandle: `AQEB${Buffer.from(`receipt-${i}`).toString('base64')}`,
        body,
        attributes,
        messageAttributes: Object.fromEntries(Object.entries(m.attributes ?? {}).map(([k, v]) => [k, { stringValue: v, stringListValues: [], binaryListValues: [], dataType: 'String' }])),
        md5OfBody: 'e4e68fb7bd0e697a0ae8f1bb342846b3',
        eventSource: 'aws:sqs' as const,
        eventSourceARN: `arn:aws:sqs:${region}:123456789012:${name}`,
        awsRegion: region,
      };
    }),
  };
}

/**
 * An SNS notification (Lambda gets one record per invocation).
 *
 * @example
 * snsEvent({ body: { event: 'signup' }, topic: 'users', subject: 'hello' })
 */
export function snsEvent(options: { id?: string; json?: unknown; body?: unknown; topic?: string; subject?: string; attributes?: Readonly<Record<string, string>> } = {}): SnsEvent {
  const topicArn = `arn:aws:sns:us-east-1:123456789012:${options.topic ?? 'test-topic'}`;
  return {
    Records: [
      {
        EventSource: 'aws:sns',
        EventVersion: '1.0',
        EventSubscriptionArn: `${topicArn}:2bcfbf39-05c3-41de-beaa-fcfcc21c8f55`,
        Sns: {
          Type: 'Notification',
          MessageId: options.id ?? nextId('sns'),
          TopicArn: topicArn,
          Subject: options.subject ?? null,
          Message: messageBody(options),
          Timestamp: new Date().toISOString(),
          MessageAttributes: Object.fromEntries(Object.entries(options.attributes ?? {}).map(([k, v]) => [k, { Type: 'String', Value: v }])),
        },
      },
    ],
  };
}

/** Encodes a key as S3 does in notifications: URL-encoded, with a space as "+". */
export function encodeS3Key(key: string): string {
  return encodeURIComponent(key).replace(/%20/g, '+').replace(/%2F/g, '/');
}

export interface S3EventOptions {
  bucket?: string;
  /** The key as stored (decoded); the builder encodes it as S3 does. */
  key?: string;
  change?: 'created' | 'deleted';
  size?: number;
  etag?: string;
}

/**
 * An S3 event notification.
 *
 * @example
 * s3Event({ bucket: 'uploads', key: 'images/red flower.jpg', size: 1024 }) // key sent as "images/red+flower.jpg"
 */
export function s3Event(options: S3EventOptions = {}): S3Event {
  const bucket = options.bucket ?? 'test-bucket';
  const created = (options.change ?? 'created') === 'created';
  const object: Record<string, unknown> = { key: encodeS3Key(options.key ?? 'test-object'), sequencer: '0A1B2C3D4E5F678901' };
  if (created) Object.assign(object, { size: options.size ?? 0, eTag: options.etag ?? 'd41d8cd98f00b204e9800998ecf8427e' });
  return {
    Records: [
      {
        eventVersion: '2.1',
        eventSource: 'aws:s3',
        awsRegion: 'us-east-1',
        eventTime: new Date().toISOString(),
        eventName: created ? 'ObjectCreated:Put' : 'ObjectRemoved:Delete',
        s3: { s3SchemaVersion: '1.0', configurationId: 'onefn', bucket: { name: bucket, arn: `arn:aws:s3:::${bucket}` }, object },
      } as unknown as S3Event['Records'][number],
    ],
  };
}

/**
 * Any EventBridge event.
 *
 * @example
 * eventBridgeEvent({ source: 'com.example.orders', detailType: 'Order Placed', detail: { id: 1 } })
 */
export function eventBridgeEvent<D = unknown>(options: { source?: string; detailType?: string; detail?: D; resources?: string[]; time?: Date } = {}): EventBridgeEvent<D> {
  return {
    version: '0',
    id: nextId('evb'),
    'detail-type': options.detailType ?? 'Test Event',
    source: options.source ?? 'com.example.test',
    account: '123456789012',
    time: ISO(options.time ?? new Date()),
    region: 'us-east-1',
    resources: options.resources ?? [],
    detail: (options.detail ?? {}) as D,
  };
}

/**
 * An S3 event delivered through EventBridge ("Object Created" / "Object Deleted"); the key is sent as is.
 *
 * @example
 * s3EventBridgeEvent({ bucket: 'uploads', key: 'a.txt', change: 'deleted' })
 */
export function s3EventBridgeEvent(options: S3EventOptions = {}): EventBridgeEvent {
  const bucket = options.bucket ?? 'test-bucket';
  const created = (options.change ?? 'created') === 'created';
  const object: Record<string, unknown> = { key: options.key ?? 'test-object', sequencer: '0A1B2C3D4E5F678901' };
  if (created) Object.assign(object, { size: options.size ?? 0, etag: options.etag ?? 'd41d8cd98f00b204e9800998ecf8427e' });
  return eventBridgeEvent({
    source: 'aws.s3',
    detailType: created ? 'Object Created' : 'Object Deleted',
    resources: [`arn:aws:s3:::${bucket}`],
    detail: { version: '0', bucket: { name: bucket }, object, 'request-id': 'N4N7GDK58NMKJ12R', requester: '123456789012', reason: created ? 'PutObject' : 'DeleteObject' },
  });
}

/**
 * An EventBridge scheduled event, as a rule on a schedule sends it.
 *
 * @example
 * scheduledEvent({ rule: 'nightly', time: new Date('2026-01-01T02:30:00Z') })
 */
export function scheduledEvent(options: { rule?: string; time?: Date } = {}): EventBridgeEvent<Record<string, never>> {
  return eventBridgeEvent({
    source: 'aws.events',
    detailType: 'Scheduled Event',
    resources: [`arn:aws:events:us-east-1:123456789012:rule/${options.rule ?? 'test-rule'}`],
    detail: {},
    ...(options.time ? { time: options.time } : {}),
  });
}

/**
 * A Lambda context whose remaining time counts down from `timeoutMs`.
 *
 * @example
 * lambdaContext({ functionName: 'orders', timeoutMs: 3000 })
 */
export function lambdaContext(options: { requestId?: string; functionName?: string; timeoutMs?: number } = {}): LambdaContext {
  const functionName = options.functionName ?? 'test-function';
  const deadline = Date.now() + (options.timeoutMs ?? 30_000);
  return {
    awsRequestId: options.requestId ?? nextId('req'),
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:us-east-1:123456789012:function:${functionName}`,
    memoryLimitInMB: '128',
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: '2026/01/01/[$LATEST]0123456789abcdef',
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    callbackWaitsForEmptyEventLoop: true,
  };
}
