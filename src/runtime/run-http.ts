import { type Context, DeadlineError, disposeContext } from '../onefn/context.js';
import { raceCutoff } from '../onefn/cutoff.js';
import type { HttpDefinition } from '../onefn/definition.js';
import { DeadlineExceededError, HttpError, OnefnError, ValidationError } from '../onefn/errors.js';
import { checkHeaderRecord } from '../onefn/header-syntax.js';
import type { PortableRequest } from '../onefn/http.js';
import { fromWebResponse, type HttpHandlerResult, type HttpResult, type ResponseData, toResponseData } from '../onefn/response.js';
import { problem, problemFromError } from '../onefn/problem.js';
import { BadPathError } from '../onefn/route.js';
import { dropStream, openStream, STREAM_REFUSAL, type UnopenedStream } from '../onefn/stream.js';
import { toIssue, type StandardSchemaV1, type ValidationIssue } from '../onefn/schema.js';

// ---------------------------------------------------------------------------------------------------
// HTTP

function unexpected(error: unknown, ctx: Context): ResponseData {
  // The error (with its stack) goes to the logs, which are private; the client gets a generic answer.
  ctx.log.error('Unhandled error in handler', { error });
  return problem(500, 'The function failed. See its logs for details.');
}

export function errorResponse(error: unknown, ctx: Context): ResponseData {
  if (error instanceof HttpError) {
    // Its headers go out with the problem, so they must be sendable like a result's.
    try {
      checkHeaderRecord(error.headers);
    } catch (bad) {
      return unexpected(bad, ctx);
    }
    return problemFromError(error);
  }
  if (error instanceof BadPathError) return problem(400, error.message);
  // A handler that stopped when ctx.signal fired (fetch rejects with the signal's reason) ran out of
  // time: the same 504 as one the cutoff had to stop.
  if (error instanceof DeadlineError) return problemFromError(new DeadlineExceededError());
  return unexpected(error, ctx);
}

/** At the cutoff: the handler is abandoned, and the client told why. */
function timedOut(ctx: Context): ResponseData {
  ctx.log.error('Handler missed its deadline; answered 504', { deadline: new Date(ctx.deadline).toISOString() });
  return problemFromError(new DeadlineExceededError());
}

function lateSettle(ctx: Context, outcome: unknown, rejected: boolean): void {
  if (rejected) ctx.log.error('Handler failed after its deadline (answered 504)', { error: outcome });
  else {
    ctx.log.warn('Handler finished after its deadline (answered 504)');
    if (typeof __ONEFN_STREAMS__ === 'undefined' || __ONEFN_STREAMS__) dropStream(outcome);
  }
}

function bodyInput(req: PortableRequest): unknown {
  if (!req.hasBody) return undefined;
  if (req.isJson) return req.json();
  if (req.isForm) return req.formRecord();
  const type = req.headers.get('content-type') ?? 'none';
  throw new HttpError(415, `Expected a JSON or form body, got content type ${type}`, { code: 'UNSUPPORTED_MEDIA_TYPE' });
}

type RequestPart = 'params' | 'query' | 'headers' | 'body';
type PartResult = StandardSchemaV1.Result<unknown> | Promise<StandardSchemaV1.Result<unknown>>;

/** In the order a client would fix them, which is the order of the issues in the problem. */
const PARTS: readonly RequestPart[] = ['params', 'query', 'headers', 'body'];

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

/** Applies one part's result: its value on the request, or its issues added to those found so far. */
function applyResult(req: PortableRequest, part: RequestPart, result: StandardSchemaV1.Result<unknown>, issues: ValidationIssue[] | undefined): ValidationIssue[] | undefined {
  if (result.issues) {
    const found = issues ?? [];
    for (const issue of result.issues) found.push(toIssue(part, issue));
    return found;
  }
  if (part === 'headers') req.validHeaders = result.value;
  else req[part] = result.value;
  return issues;
}

// A promise left behind when a later part throws must not become an unhandled rejection.
const ignore = (): void => undefined;

/** Waits for the validators that answered with a promise, then applies their results in part order. */
async function settleParts(req: PortableRequest, results: PartResult[], issues: ValidationIssue[] | undefined): Promise<void> {
  const settled = await Promise.all(results);
  for (let i = 0; i < PARTS.length; i++) {
    const result = settled[i];
    if (result !== undefined && results[i] instanceof Promise) issues = applyResult(req, PARTS[i] as RequestPart, result, issues);
  }
  // Synchronous parts were applied first; the (stable) sort puts every issue back in part order.
  if (issues) throw new ValidationError(issues.sort(byPart));
}

const byPart = (a: ValidationIssue, b: ValidationIssue): number => PARTS.indexOf(a.location as RequestPart) - PARTS.indexOf(b.location as RequestPart);

/**
 * Validates every schema'd part of the request and reports every part's issues in one
 * ValidationError (params, query, headers, then body), whether the validators answer synchronously or
 * not. Synchronous, and free of per-call closures, while the validators are (zod's are, without async
 * refinements). A body that cannot be read (malformed, of another type) is thrown as its own error.
 */
function validateRequest(def: HttpDefinition, req: PortableRequest): Promise<void> | undefined {
  const { schemas } = def.trigger;
  let issues: ValidationIssue[] | undefined;
  let results: PartResult[] | undefined;
  for (let i = 0; i < PARTS.length; i++) {
    const part = PARTS[i] as RequestPart;
    const schema = schemas[part];
    if (!schema) continue;
    let result: PartResult;
    try {
      result = schema['~standard'].validate(partInput(req, part));
    } catch (error) {
      if (results) for (const r of results) if (r instanceof Promise) r.then(ignore, ignore);
      throw error;
    }
    if (result instanceof Promise) (results ??= [])[i] = result;
    else issues = applyResult(req, part, result, issues);
  }
  if (results) return settleParts(req, results, issues);
  if (issues) throw new ValidationError(issues);
  return undefined;
}

function finishResult(result: HttpHandlerResult): ResponseData | Promise<ResponseData> {
  if (typeof result !== 'object' || result === null) {
    throw new OnefnError('INVALID_RESULT', `An HTTP handler must return a result object or a Response, got ${result === null ? 'null' : typeof result}`);
  }
  // Touching the global Response makes Node 20 load its fetch implementation (about 20 ms, on the
  // first call of every container): only a value that could be a Response pays for the check.
  if (typeof (result as { arrayBuffer?: unknown }).arrayBuffer === 'function' && typeof Response !== 'undefined' && result instanceof Response) {
    return fromWebResponse(result);
  }
  return toResponseData(result as HttpResult);
}

// The last invocation's request, context and answer, held until the next invocation replaces them.
// A major GC collects the hidden classes (maps) of objects nothing references any more, and V8 then
// deoptimizes every optimized function that relied on them ("weak objects"). Between two invocations
// that was nearly the whole request path: about 9 deopts per GC on the bench's request, then many
// slower calls while the code re-optimized. Holding one live instance of each keeps those classes,
// and the code built on them, alive (test/core/gc-deopts.test.ts). The cost is one request's memory
// (its event included), held until the next request replaces it.
const held: [request?: PortableRequest, context?: Context, answer?: ResponseData] = [];

function keepShapes(req: PortableRequest, ctx: Context, answer: ResponseData): ResponseData {
  held[0] = req;
  held[1] = ctx;
  held[2] = answer;
  return answer;
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
    if (req.bodyExceeds(bodyLimit)) {
      throw new HttpError(413, `The body is ${req.size} bytes; this function accepts at most ${bodyLimit}`, { code: 'BODY_TOO_LARGE' });
    }
    let pending: ResponseData | Promise<ResponseData>;
    if ((typeof __ONEFN_SCHEMAS__ === 'undefined' || __ONEFN_SCHEMAS__) && (schemas.body || schemas.query || schemas.params || schemas.headers)) {
      const validating = validateRequest(def, req);
      pending = validating ? validating.then(() => callHandler(def, req, ctx)) : callHandler(def, req, ctx);
    } else pending = callHandler(def, req, ctx);
    if (pending instanceof Promise) {
      return raceCutoff(ctx, pending, timedOut, lateSettle).then(
        (response) => {
          // A streamed body is read from here on; the stream releases the context when it ends.
          if ((typeof __ONEFN_STREAMS__ === 'undefined' || __ONEFN_STREAMS__) && (response as Partial<UnopenedStream>).source !== undefined) return streamed(def, response as UnopenedStream, ctx);
          disposeContext(ctx);
          return keepShapes(req, ctx, response);
        },
        (error: unknown) => {
          disposeContext(ctx);
          return keepShapes(req, ctx, errorResponse(error, ctx));
        },
      );
    }
    if ((typeof __ONEFN_STREAMS__ === 'undefined' || __ONEFN_STREAMS__) && (pending as Partial<UnopenedStream>).source !== undefined) return streamed(def, pending as UnopenedStream, ctx);
    disposeContext(ctx);
    return keepShapes(req, ctx, pending);
  } catch (error) {
    disposeContext(ctx);
    return keepShapes(req, ctx, errorResponse(error, ctx));
  }
}

// Defined as false by a deploy build none of whose definitions streams: toResponseData then refuses a
// streamed body itself, and the stream machinery drops out of the bundle.
declare const __ONEFN_STREAMS__: boolean | undefined;
// Defined as false by a deploy build none of whose definitions validates the request: validation drops out.
declare const __ONEFN_SCHEMAS__: boolean | undefined;

/**
 * A streamed body is read only for a definition that opted in (`stream: true`), so that the answer is
 * the same everywhere: a deployed function is set up for streaming, and bundles the stream code, only
 * when one of its definitions says so.
 */
function streamed(def: HttpDefinition, data: UnopenedStream, ctx: Context): ResponseData | Promise<ResponseData> {
  return def.trigger.stream ? openStream(data, ctx, errorResponse) : refuseStream(data, ctx);
}

function refuseStream(data: UnopenedStream, ctx: Context): ResponseData {
  dropStream(data);
  disposeContext(ctx);
  return unexpected(new OnefnError('STREAM_NOT_ENABLED', STREAM_REFUSAL), ctx);
}

function callHandler(def: HttpDefinition, req: PortableRequest, ctx: Context): ResponseData | Promise<ResponseData> {
  const result = def.handler(req, ctx);
  return result instanceof Promise ? result.then(finishResult) : finishResult(result);
}
