/**
 * Minimal structural types for what Lambda hands a function. Copied (as Hono does) rather than taken
 * from @types/aws-lambda, so users install nothing; every field the adapter reads is optional or
 * `unknown`, because an event is only trusted after a type guard has looked at it.
 */

/** The Lambda invocation context (the fields onefn reads; the runtime passes more). */
export interface LambdaContext {
  readonly awsRequestId: string;
  readonly functionName: string;
  readonly functionVersion?: string;
  readonly invokedFunctionArn?: string;
  readonly memoryLimitInMB?: string;
  readonly logGroupName?: string;
  readonly logStreamName?: string;
  getRemainingTimeInMillis(): number;
  callbackWaitsForEmptyEventLoop?: boolean;
}

type Headers = Readonly<Record<string, string | undefined>>;
type MultiHeaders = Readonly<Record<string, readonly string[] | undefined>>;

/** API Gateway REST API (payload format 1.0). */
export interface ApiGatewayV1Event {
  readonly version?: '1.0';
  readonly resource: string;
  readonly path: string;
  readonly httpMethod: string;
  readonly headers?: Headers | null;
  readonly multiValueHeaders?: MultiHeaders | null;
  readonly queryStringParameters?: Headers | null;
  readonly multiValueQueryStringParameters?: MultiHeaders | null;
  readonly pathParameters?: Headers | null;
  readonly stageVariables?: Headers | null;
  readonly requestContext: { readonly stage?: string; readonly path?: string; readonly requestId?: string; readonly identity?: { readonly sourceIp?: string } };
  readonly body?: string | null;
  readonly isBase64Encoded?: boolean;
}

/** API Gateway HTTP API (payload format 2.0) and Lambda Function URLs share this shape. */
export interface ApiGatewayV2Event {
  readonly version: '2.0';
  readonly routeKey?: string;
  readonly rawPath: string;
  readonly rawQueryString?: string;
  readonly cookies?: readonly string[];
  readonly headers?: Headers;
  readonly queryStringParameters?: Headers;
  readonly pathParameters?: Headers;
  readonly requestContext: {
    readonly domainName?: string;
    readonly requestId?: string;
    readonly stage?: string;
    readonly http: { readonly method: string; readonly path?: string; readonly sourceIp?: string };
  };
  readonly body?: string | null;
  readonly isBase64Encoded?: boolean;
}

/** Application Load Balancer target request (single- or multi-value mode). */
export interface AlbEvent {
  readonly requestContext: { readonly elb: { readonly targetGroupArn: string } };
  readonly httpMethod: string;
  readonly path: string;
  readonly headers?: Headers;
  readonly multiValueHeaders?: MultiHeaders;
  readonly queryStringParameters?: Headers | null;
  readonly multiValueQueryStringParameters?: MultiHeaders | null;
  readonly body?: string | null;
  readonly isBase64Encoded?: boolean;
}

export interface SqsRecord {
  readonly messageId: string;
  readonly receiptHandle?: string;
  readonly body: string;
  readonly attributes?: Readonly<Record<string, string | undefined>>;
  readonly messageAttributes?: Readonly<Record<string, { readonly stringValue?: string; readonly binaryValue?: string; readonly dataType?: string }>>;
  readonly md5OfBody?: string;
  readonly eventSource: 'aws:sqs';
  readonly eventSourceARN: string;
  readonly awsRegion?: string;
}
export interface SqsEvent {
  readonly Records: readonly SqsRecord[];
}

export interface SnsRecord {
  readonly EventSource: 'aws:sns';
  readonly EventVersion?: string;
  readonly EventSubscriptionArn?: string;
  readonly Sns: {
    readonly MessageId: string;
    readonly TopicArn: string;
    readonly Message: string;
    readonly Subject?: string | null;
    readonly Timestamp?: string;
    readonly Type?: string;
    readonly MessageAttributes?: Readonly<Record<string, { readonly Type?: string; readonly Value?: string }>>;
  };
}
export interface SnsEvent {
  readonly Records: readonly SnsRecord[];
}

export interface S3Record {
  readonly eventSource: 'aws:s3';
  readonly eventName: string;
  readonly eventTime?: string;
  readonly awsRegion?: string;
  readonly s3: {
    readonly bucket: { readonly name: string; readonly arn?: string };
    readonly object: { readonly key: string; readonly size?: number; readonly eTag?: string; readonly versionId?: string; readonly sequencer?: string };
  };
}
export interface S3Event {
  readonly Records: readonly S3Record[];
}

/** Any EventBridge event (the S3 and scheduled events are EventBridge events too). */
export interface EventBridgeEvent<Detail = unknown> {
  readonly version: string;
  readonly id: string;
  readonly 'detail-type': string;
  readonly source: string;
  readonly account?: string;
  readonly time?: string;
  readonly region?: string;
  readonly resources?: readonly string[];
  readonly detail: Detail;
}

/** The native events onefn serves on Lambda; `ctx.native.event` when `ctx.native.provider === 'aws'`. */
export type LambdaEvent = ApiGatewayV1Event | ApiGatewayV2Event | AlbEvent | SqsEvent | SnsEvent | S3Event | EventBridgeEvent;

/** API Gateway v1 and ALB answer in this shape (ALB adds `statusDescription`). */
export interface LambdaV1Result {
  statusCode: number;
  statusDescription?: string;
  headers?: Record<string, string>;
  multiValueHeaders?: Record<string, string[]>;
  body: string;
  isBase64Encoded: boolean;
}

/** API Gateway v2 and Function URLs answer in this shape. */
export interface LambdaV2Result {
  statusCode: number;
  headers: Record<string, string>;
  cookies?: string[];
  body: string;
  isBase64Encoded: boolean;
}

/** What an SQS-triggered function answers with ReportBatchItemFailures on. */
export interface SqsBatchResponse {
  batchItemFailures: Array<{ itemIdentifier: string }>;
}

/** What an HTTP function answers, in the shape of the event that came in. */
export type LambdaHttpResult = LambdaV1Result | LambdaV2Result;

/** What any onefn Lambda handler answers: HTTP results, an SQS batch response, or nothing. */
export type LambdaResult = LambdaHttpResult | SqsBatchResponse | undefined;

/** A Lambda handler as the Node.js runtime calls it. */
export type LambdaHandler<R = unknown> = (event: unknown, context: LambdaContext) => Promise<R>;

declare module 'onefn' {
  interface NativeRegistry {
    /** On Lambda, `ctx.native` and `req.native` carry the untouched event and context. */
    aws: { readonly event: LambdaEvent; readonly context: LambdaContext | undefined };
  }
}

/**
 * The response stream Lambda hands a streaming handler (aws-lambda-ric's ResponseStream: a Writable
 * over the Runtime API's chunked POST). Only what onefn uses.
 */
export interface LambdaResponseStream {
  write(chunk: string | Uint8Array): boolean;
  end(callback?: () => void): void;
  setContentType(type: string): void;
  on(event: 'drain' | 'close' | 'error', listener: (...args: unknown[]) => void): unknown;
  off(event: 'drain' | 'close' | 'error', listener: (...args: unknown[]) => void): unknown;
  readonly writableFinished?: boolean;
  readonly writableEnded?: boolean;
}

/** A streaming Lambda handler: the runtime passes the response stream, and ignores the return value. */
export type LambdaStreamHandler = (event: unknown, responseStream: LambdaResponseStream, context: LambdaContext) => Promise<void>;

/** The JSON prelude a Function URL reads from a streamed answer before its body. */
export interface LambdaStreamPrelude {
  statusCode: number;
  headers: Record<string, string>;
  cookies: string[];
}
