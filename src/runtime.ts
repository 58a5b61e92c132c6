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
} from './bytes.js';
export { jsonSyntaxDetail } from './json-syntax.js';
export { EMPTY_RECORD, inputRecord } from './record.js';
export { createContext, cutoffDelay, disposeContext, type ContextInit } from './context.js';
export {
  cloudEventFromJson, createCloudEvent, createMessage, createScheduleEvent, createStorageEvent,
  type CloudEventInit, type MessageInit, type ScheduleEventInit, type StorageEventInit,
} from './events.js';
export { createRequest, PortableRequest, type HttpRequestInit } from './http.js';
export { fromWebResponse, isBinaryBody, isTextual, toResponseData, type ResponseData } from './response.js';
export { bufferResponse, isStreamBody, type BodyStream } from './stream.js';
export { describeValue } from './errors.js';
export { createLogger, jsonLineSink, levelFromEnv, serializeError } from './logger.js';
export { createRouter, type Router } from './router.js';
export { batchError, runEvents, type BatchResult, type InputOf, type Outcome } from './run-events.js';
export { runHttpDefinition } from './run-http.js';
export { collectDefinitions, planFunctions, type FunctionPlan } from './plan.js';
export { problem, problemFromError, statusTitle } from './problem.js';
export { parseQueryString, formatQuery } from './query.js';
export { compileRoute, matchRoute, type CompiledRoute } from './route.js';
export { parseSchedule, toAwsSchedule, toNcrontab, toUnixCron, type ParsedSchedule } from './schedule.js';
