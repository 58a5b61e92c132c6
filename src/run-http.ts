import { type Context, DeadlineError, disposeContext } from './context.js';
import { raceCutoff } from './cutoff.js';
import type { HttpDefinition } from './definition.js';
import { DeadlineExceededError, HttpError, ValidationError } from './errors.js';
import type { PortableRequest } from './http.js';
import { fromWebResponse, type HttpHandlerResult, type HttpResult, type ResponseData, toResponseData } from './response.js';
import { problem, problemFromError } from './problem.js';
import { BadPathError } from './route.js';
import { toIssue, type StandardSchemaV1 } from './schema.js';

// ---------------------------------------------------------------------------------------------------
// HTTP

function unexpected(error: unknown, ctx: Context): ResponseData {
  // The error (with its stack) goes to the logs, which are private; the client gets a generic answer.
  ctx.log.error('Unhandled error in handler', { error });
  return problem(500, 'The function failed. See its logs for details.');
}

export function errorResponse(error: unknown, ctx: Context): ResponseData {
  if (error instanceof HttpError) return problemFromError(error);
  if (error instanceof BadPathError) return problem(400, error.message);
  // A handler that stopped when ctx.signal fired (fetch rejects with the signal's reason) ran out of
  // time: the same 504 as one the cutoff had to stop.
  if (error instanceof DeadlineError) return problemFromError(new DeadlineExceededError());
  return unexpected(error, ctx);
}

/** At the cutoff: the handler is abandoned, and the client told why. */
function timedOut(ctx: Context): ResponseData {
  ctx.log.error('Handler did not finish before the deadline; answered 504', { deadline: new Date(ctx.deadline).toISOString() });
  return problemFromError(new DeadlineExceededError());
}

function lateSettle(ctx: Context, outcome: unknown, rejected: boolean): void {
  if (rejected) ctx.log.error('Handler failed after its deadline; the client already had a 504', { error: outcome });
  else ctx.log.warn('Handler finished after its deadline; its answer was dropped (the client already had a 504)');
}

function bodyInput(req: PortableRequest): unknown {
  if (!req.hasBody) return undefined;
  if (req.isJson) return req.json();
  if (req.isForm) return Object.fromEntries(req.form());
  const type = req.headers.get('content-type') ?? 'none';
  throw new HttpError(415, `Expected a JSON or form body, got content type ${type}`, { code: 'UNSUPPORTED_MEDIA_TYPE' });
}

type RequestPart = 'params' | 'query' | 'headers' | 'body';

function partInput(req: PortableRequest, part: RequestPart): unknown {
  switch (part) {
    case 'params':
      return req.params;
    case 'query':
      return req.query;
    case 'headers':
      return req.headers.toObject();
    case 'body':
      return bodyInput(req);
  }
}

function applyResult(req: PortableRequest, part: RequestPart, result: StandardSchemaV1.Result<unknown>): void {
  if (result.issues) throw new ValidationError(result.issues.map((issue) => toIssue(part, issue)));
  if (part === 'headers') req.validHeaders = result.value;
  else req[part] = result.value;
}

/** Validates one part; a promise only when the validator answers with one (or an earlier one did). */
function validatePart(before: Promise<void> | undefined, schema: StandardSchemaV1, req: PortableRequest, part: RequestPart): Promise<void> | undefined {
  if (before) return before.then(() => validatePart(undefined, schema, req, part));
  const result = schema['~standard'].validate(partInput(req, part));
  if (result instanceof Promise) return result.then((r) => applyResult(req, part, r));
  applyResult(req, part, result);
  return undefined;
}

/**
 * Validates every schema'd part of the request, in the order a client would fix them. Synchronous
 * (and free of per-call closures) while the validators are; zod's are, without async refinements.
 */
function validateRequest(def: HttpDefinition, req: PortableRequest): Promise<void> | undefined {
  const { schemas, bodyLimit } = def.trigger;
  if (req.bodyExceeds(bodyLimit)) {
    throw new HttpError(413, `The body is ${req.size} bytes; this function accepts at most ${bodyLimit}`, { code: 'BODY_TOO_LARGE' });
  }
  let pending: Promise<void> | undefined;
  if (schemas.params) pending = validatePart(pending, schemas.params, req, 'params');
  if (schemas.query) pending = validatePart(pending, schemas.query, req, 'query');
  if (schemas.headers) pending = validatePart(pending, schemas.headers, req, 'headers');
  if (schemas.body) pending = validatePart(pending, schemas.body, req, 'body');
  return pending;
}

function finishResult(result: HttpHandlerResult): ResponseData | Promise<ResponseData> {
  if (typeof result !== 'object' || result === null) {
    throw new TypeError(`An HTTP handler must return a result object or a Response, got ${result === null ? 'null' : typeof result}`);
  }
  if (typeof Response !== 'undefined' && result instanceof Response) return fromWebResponse(result);
  return toResponseData(result as HttpResult);
}

/**
 * Runs one HTTP definition on a request whose route already matched: validation, the handler, and
 * error mapping. Never throws or rejects; always answers, at the latest at the context's cutoff
 * (a 504 problem then, with the handler abandoned).
 *
 * The answer is a promise only when something on the way was asynchronous (an async handler, an async
 * validator, a web Response). A synchronous handler is answered synchronously: promise ticks are most
 * of what a wrapper costs per call, and `await` reads either form.
 */
export function runHttpDefinition(def: HttpDefinition, req: PortableRequest, ctx: Context): ResponseData | Promise<ResponseData> {
  try {
    const { schemas, bodyLimit } = def.trigger;
    let pending: ResponseData | Promise<ResponseData>;
    if (schemas.body || schemas.query || schemas.params || schemas.headers || req.bodyExceeds(bodyLimit)) {
      const validating = validateRequest(def, req);
      pending = validating ? validating.then(() => callHandler(def, req, ctx)) : callHandler(def, req, ctx);
    } else pending = callHandler(def, req, ctx);
    if (pending instanceof Promise) {
      return raceCutoff(ctx, pending, timedOut, lateSettle).then(
        (response) => {
          disposeContext(ctx);
          return response;
        },
        (error: unknown) => {
          disposeContext(ctx);
          return errorResponse(error, ctx);
        },
      );
    }
    disposeContext(ctx);
    return pending;
  } catch (error) {
    disposeContext(ctx);
    return errorResponse(error, ctx);
  }
}

function callHandler(def: HttpDefinition, req: PortableRequest, ctx: Context): ResponseData | Promise<ResponseData> {
  const result = def.handler(req, ctx);
  return result instanceof Promise ? result.then(finishResult) : finishResult(result);
}
