/**
 * onefn: write a serverless function once, run it on AWS Lambda, Google Cloud Functions and Azure
 * Functions. This entry holds what handlers are written with; adapters live in `@onefn/aws`,
 * `@onefn/gcp` and `@onefn/azure`, test helpers in `onefn/testing`.
 *
 * @example
 * import { defineHttp, json } from 'onefn'
 * export const hello = defineHttp({ method: 'GET', route: '/hello', handler: () => json({ message: 'Hello!' }) })
 */
export {
  defineCloudEvent, defineHttp, defineQueue, defineSchedule, defineStorage, defineTopic, DEFAULT_BODY_LIMIT,
  type CloudEventOptions, type HttpOptions, type QueueOptions, type RequestOf, type ScheduleOptions, type StorageOptions,
  type TopicOptions, type UsesOption,
} from './define.js';
export {
  isDefinition, DEFINITION_KINDS,
  type CloudEventDefinition, type CloudEventTrigger, type CorsOptions, type Definition, type DefinitionKind,
  type EventDefinition, type FunctionSettings, type HttpDefinition, type HttpTrigger, type MessageDefinition,
  type MessageTrigger, type ScheduleDefinition, type ScheduleTrigger, type StorageDefinition, type StorageTrigger,
} from './definition.js';
export { PROVIDERS, DeadlineError, type Context, type Native, type NativeRegistry, type Provider } from './context.js';
export {
  DeadlineExceededError, DefinitionError, HttpError, MalformedEventError, OnefnError, UnsupportedEventError, ValidationError,
} from './errors.js';
export { CookieError, HeaderError, SseError, StatusError, StreamError } from './errors.js';
export {
  STORAGE_CHANGES,
  type CloudEvent, type Message, type ScheduleEvent, type StorageChange, type StorageEvent,
} from './events.js';
export { HTTP_METHODS, HttpHeaders, type HttpMethod, type HttpRequest, type QueryRecord } from './http.js';
export { setCookie, type CookieOptions } from './cookies.js';
export {
  bytes, html, json, noContent, redirect, status, stream, text,
  type HttpHandlerResult, type HttpResult, type JsonValue, type ResponseData, type ResultHeaders,
} from './response.js';
export { formatEvent, sse, type SseEvent, type SseOptions } from './sse.js';
export type { BodyStream, StreamBody } from './stream.js';
export { LOG_LEVELS, type LogEntry, type LogFields, type Logger, type LogLevel, type LogSink } from './logger.js';
export type { RouteParams } from './route.js';
export type { IssueLocation, OutputOf, Schema, StandardSchemaV1, ValidationIssue } from './schema.js';
export type { BatchResult, Outcome } from '../runtime/run-events.js';
export {
  bucket, queue, topic, BUCKET_ACTIONS, RESOURCE_KINDS,
  type BodyOf, type BucketAction, type BucketGrant, type BucketHandle, type ClientOf, type ClientsOf, type ContextWith, type Grant,
  type QueueGrant, type QueueHandle, type ResourceAction, type ResourceKind, type ResourceUse, type TopicGrant, type TopicHandle, type Uses,
} from '../resources/handles.js';
export type { OutgoingCloudEvent, PublishOptions, QueueClient, SendOptions, TopicClient } from '../resources/clients.js';
export type { BucketClient, BucketDeleter, BucketReader, BucketWriter, StoredObject, UrlOptions } from '../resources/bucket-client.js';
export type { ObjectInfo } from '../resources/driver.js';
export {
  InvalidKeyError, InvalidOutputOptionError, MessageTooLargeError, OutputValidationError, PartialBatchError, ProviderError, ResourceError,
  ResourceUnavailableError, UndeclaredResourceError,
} from '../resources/errors.js';
