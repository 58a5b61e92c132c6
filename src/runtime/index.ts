/**
 * `onefn/runtime`: what adapters build on. Users do not need it; adapter authors turn their
 * provider's event into these portable inputs, run the pipeline, and turn its answer back.
 *
 * @example
 * const router = createRouter(definitions)
 * const response = await router.handle(createRequest({ method, path, query, headers, body }), createContext({ provider: 'aws' }))
 */
export {
  base64Bytes, bytesBase64, decodeBase64, isBase64, rawBodyBytes, rawBodySize, rawBodyText, utf8Bytes, utf8Text,
  type Base64Refusal, type RawBody,
} from '../onefn/bytes.js';
export { jsonSyntaxDetail } from '../onefn/json-syntax.js';
export { EMPTY_RECORD, inputRecord, isInputRecord } from '../onefn/record.js';
export { createContext, cutoffDelay, disposeContext, type ContextInit } from '../onefn/context.js';
export {
  cloudEventFromJson, createCloudEvent, createMessage, createScheduleEvent, createStorageEvent,
  type CloudEventInit, type MessageInit, type ScheduleEventInit, type StorageEventInit,
} from '../onefn/events.js';
export { cloudEventFromMessage, cloudEventMessage } from './carried-event.js';
export { createRequest, PortableRequest, type HttpRequestInit, type WebHeadersLike } from '../onefn/http.js';
export { fromWebResponse, isBinaryBody, isTextual, toResponseData, type ResponseData } from '../onefn/response.js';
export { bufferResponse, isStreamBody, type BodyStream } from '../onefn/stream.js';
export { sendStream } from './send-stream.js';
export { describeValue } from '../onefn/errors.js';
export { createLogger, jsonLineSink, levelFromEnv, serializeError } from '../onefn/logger.js';
export { createRouter, type Router } from './router.js';
export { batchError, runEvents, type BatchResult, type InputOf, type Outcome } from './run-events.js';
export { runHttpDefinition } from './run-http.js';
export { hasSchemas, warmSchemas } from './warm.js';
export { collectDefinitions, httpFeatures, planFunctions, planUses, type FunctionPlan, type HttpFeatures } from './plan.js';
export { checkWrapOptions, httpListOf, servedModule, wrappedDefinition } from './wrap-args.js';
export { problem, problemFromError, statusTitle } from '../onefn/problem.js';
export { parseQueryString, formatQuery } from '../onefn/query.js';
export { compileRoute, matchRoute, type CompiledRoute } from '../onefn/route.js';
export { parseSchedule, toAwsSchedule, toNcrontab, toUnixCron, type ParsedSchedule } from '../onefn/schedule.js';
export {
  onceDriver, PORTABLE_LIMITS,
  type ObjectData, type ObjectInfo, type ObjectPage, type OutgoingMessage, type ResourceDriver, type ResourceDriverSource, type ResourceLimits,
  type SendOutcome, type SignUrlRequest,
} from '../resources/driver.js';
export { keyProblem, utf8Length } from '../resources/keys.js';
export { resourceNameProblem, isGrant, isResourceHandle, type ResourceUse } from '../resources/handles.js';
export { readResourceSetting, resourceSetting } from '../resources/settings.js';
export { ProviderError, ResourceError, ResourceUnavailableError } from '../resources/errors.js';
export { loadOptional, missingPackage, MissingPackageError, type OptionalPackage } from './optional-package.js';
