import type { AlbEvent, ApiGatewayV1Event, ApiGatewayV2Event, EventBridgeEvent, S3Event, SnsEvent, SqsEvent } from './native.js';

/**
 * Named, null-safe type guards for Lambda's event kinds. Each checks the one field that decides (the
 * comment says why); the from-* converters then check every field they read.
 */

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

function requestContext(event: Obj): Obj | undefined {
  const rc = event['requestContext'];
  return isObj(rc) ? rc : undefined;
}

/** Payload 2.0 says so in `version`, and only it has `requestContext.http`. */
export function isHttpV2Event(event: unknown): event is ApiGatewayV2Event {
  return isObj(event) && event['version'] === '2.0' && isObj(requestContext(event)?.['http']);
}

/** A Function URL is a v2 payload whose domain is `<id>.lambda-url.<region>.on.aws`. */
export function isFunctionUrlEvent(event: unknown): event is ApiGatewayV2Event {
  const domain = isHttpV2Event(event) ? event.requestContext.domainName : undefined;
  return typeof domain === 'string' && domain.includes('.lambda-url.');
}

/** Only ALB puts `requestContext.elb`. */
export function isAlbEvent(event: unknown): event is AlbEvent {
  return isObj(event) && isObj(requestContext(event)?.['elb']) && typeof event['httpMethod'] === 'string';
}

/** REST APIs send `httpMethod` and `resource` (the matched resource path); ALB has no `resource`. */
export function isHttpV1Event(event: unknown): event is ApiGatewayV1Event {
  return isObj(event) && typeof event['httpMethod'] === 'string' && typeof event['resource'] === 'string' && !isAlbEvent(event);
}

function firstRecord(event: unknown): Obj | undefined {
  if (!isObj(event)) return undefined;
  const records = event['Records'];
  if (!Array.isArray(records) || records.length === 0) return undefined;
  const first: unknown = records[0];
  return isObj(first) ? first : undefined;
}

/** Records say where they came from in `eventSource` (SNS spells it `EventSource`). */
export function recordSource(event: unknown): string | undefined {
  const first = firstRecord(event);
  const source = first?.['eventSource'] ?? first?.['EventSource'];
  return typeof source === 'string' ? source : undefined;
}

export const isSqsEvent = (event: unknown): event is SqsEvent => recordSource(event) === 'aws:sqs';
export const isSnsEvent = (event: unknown): event is SnsEvent => recordSource(event) === 'aws:sns';
export const isS3Event = (event: unknown): event is S3Event => recordSource(event) === 'aws:s3';

/** EventBridge envelopes always carry `detail-type`, `source` and `detail`. */
export function isEventBridgeEvent(event: unknown): event is EventBridgeEvent {
  return isObj(event) && typeof event['detail-type'] === 'string' && typeof event['source'] === 'string' && 'detail' in event;
}

/**
 * Rules on a schedule send source `aws.events` with detail-type "Scheduled Event"; the EventBridge
 * Scheduler schedules onefn deploys for a time zone send the same shape with source `aws.scheduler`
 * (deploy/scheduler.ts sets that payload).
 */
export function isScheduledEvent(event: unknown): event is EventBridgeEvent {
  return isEventBridgeEvent(event) && (event.source === 'aws.events' || event.source === 'aws.scheduler') && event['detail-type'] === 'Scheduled Event';
}

/** S3 with EventBridge notifications on: source `aws.s3`, detail-type "Object Created"/"Object Deleted". */
export function isS3EventBridgeEvent(event: unknown): event is EventBridgeEvent {
  return isEventBridgeEvent(event) && event.source === 'aws.s3' && (event['detail-type'] === 'Object Created' || event['detail-type'] === 'Object Deleted');
}

/** A CloudEvent in JSON (structured mode) names its `specversion`. */
export function isCloudEventJson(event: unknown): event is Obj {
  return isObj(event) && typeof event['specversion'] === 'string' && typeof event['type'] === 'string';
}

const SOURCES: Readonly<Record<string, string>> = {
  'aws:dynamodb': 'a DynamoDB stream event',
  'aws:kinesis': 'a Kinesis stream event',
  'aws:sqs': 'an SQS event',
  'aws:sns': 'an SNS event',
  'aws:s3': 'an S3 notification',
  'aws:kafka': 'an MSK (Kafka) event',
  'aws:SelfManagedKafka': 'a Kafka event',
  'aws:mq': 'an Amazon MQ event',
};

/** Names what arrived, in a few words, for an UnsupportedEventError. Never throws. */
export function describeEvent(event: unknown): string {
  const http = describeHttpEvent(event);
  if (http !== undefined || typeof event !== 'object' || event === null) return http ?? describeShape(event);
  const source = recordSource(event);
  if (source) return SOURCES[source] ?? `records from ${JSON.stringify(source).slice(0, 60)}`;
  if (isS3EventBridgeEvent(event)) return `an S3 "${event['detail-type']}" event from EventBridge`;
  if (isScheduledEvent(event)) return 'an EventBridge scheduled event';
  if (isEventBridgeEvent(event)) return `an EventBridge event ("${event['detail-type'].slice(0, 60)}" from ${event.source.slice(0, 60)})`;
  if (isCloudEventJson(event)) return 'a CloudEvent';
  return describeShape(event);
}

/**
 * Names an HTTP event's source, or undefined for anything else. The payload 2.0 handler refuses
 * with this and `describeShape` alone: a deployed HTTP function then carries none of the event
 * sources' names, which an HTTP-only Function URL never receives.
 */
export function describeHttpEvent(event: unknown): string | undefined {
  if (isFunctionUrlEvent(event)) return 'a Function URL request';
  if (isHttpV2Event(event)) return 'an API Gateway HTTP API (v2) request';
  if (isAlbEvent(event)) return 'an ALB request';
  if (isHttpV1Event(event)) return 'an API Gateway REST API (v1) request';
  return undefined;
}

/** Names any value by its shape: its type, length, or first keys. */
export function describeShape(event: unknown): string {
  if (event === null) return 'null';
  if (event === undefined) return 'no event (undefined)';
  if (Array.isArray(event)) return `a JSON array of ${event.length}`;
  if (typeof event === 'string') return `a string (${event.length} characters)`;
  if (typeof event !== 'object') return `a ${typeof event}`;
  const keys = Object.keys(event).slice(0, 5).map((k) => k.slice(0, 30));
  return keys.length ? `an unknown event with keys ${keys.join(', ')}` : 'an empty object';
}
