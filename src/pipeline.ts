import { type Context, disposeContext } from './context.js';
import type {
  CloudEventDefinition, CorsOptions, Definition, EventDefinition, HttpDefinition, MessageDefinition,
  ScheduleDefinition, StorageDefinition,
} from './define.js';
import { HttpError, OnefnError, ValidationError } from './errors.js';
import type { CloudEvent, Message, ScheduleEvent, StorageEvent } from './events.js';
import { fromWebResponse, type HttpHandlerResult, type HttpResult, type PortableRequest, type ResponseData, toResponseData } from './http.js';
import { problem, problemFromError } from './problem.js';
import { BadPathError, matchRoute, routeRank } from './route.js';
import { toIssue, validate, type IssueLocation, type StandardSchemaV1, type Validated } from './schema.js';

// ---------------------------------------------------------------------------------------------------
// HTTP

function unexpected(error: unknown, ctx: Context): ResponseData {
  // The error (with its stack) goes to the logs, which are private; the client gets a generic answer.
  ctx.log.error('Unhandled error in handler', { error });
  return problem(500, 'The function failed. See its logs for details.');
}

function errorResponse(error: unknown, ctx: Context): ResponseData {
  if (error instanceof HttpError) return problemFromError(error);
  if (error instanceof BadPathError) return problem(400, error.message);
  return unexpected(error, ctx);
}

function runValidation<T>(
  schema: StandardSchemaV1<unknown, T>,
  location: IssueLocation,
  value: unknown,
  assign: (value: T) => void,
): Promise<void> | undefined {
  const result = validate(schema, location, value);
  const settle = (r: Validated<T>): void => {
    if (!r.ok) throw new ValidationError(r.issues);
    assign(r.value);
  };
  if (result instanceof Promise) return result.then(settle);
  settle(result);
  return undefined;
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
 * error mapping. Never throws or rejects; always answers.
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
      return pending.then(
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

function methodMatches(def: HttpDefinition, method: string): boolean {
  const { methods } = def.trigger;
  if (methods === 'ANY') return true;
  for (const m of methods) if (m === method || (method === 'HEAD' && m === 'GET')) return true;
  return false;
}

function allowedMethods(defs: readonly HttpDefinition[]): string {
  const set = new Set<string>();
  for (const def of defs) {
    const { methods } = def.trigger;
    if (methods === 'ANY') return 'GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS';
    for (const m of methods) set.add(m);
    if (set.has('GET')) set.add('HEAD');
  }
  return [...set].join(', ');
}

function corsOrigin(cors: CorsOptions, origin: string | undefined): string | undefined {
  if (!origin) return undefined;
  if (cors.origins === '*') return '*';
  return cors.origins.includes(origin) ? origin : undefined;
}

function addCors(response: ResponseData, cors: CorsOptions, origin: string | undefined): ResponseData {
  const allow = corsOrigin(cors, origin);
  if (!allow) return response;
  const headers: Record<string, string | readonly string[]> = { ...response.headers, 'access-control-allow-origin': allow };
  if (allow !== '*') headers['vary'] = 'Origin';
  if (cors.credentials) headers['access-control-allow-credentials'] = 'true';
  if (cors.exposeHeaders?.length) headers['access-control-expose-headers'] = cors.exposeHeaders.join(', ');
  return { ...response, headers };
}

function preflight(cors: CorsOptions, req: PortableRequest, allow: string): ResponseData {
  const origin = req.headers.get('origin');
  const allowOrigin = corsOrigin(cors, origin);
  if (!allowOrigin) return problem(403, `Origin ${origin ?? '(none)'} is not allowed`);
  const headers: Record<string, string> = {
    'access-control-allow-origin': allowOrigin,
    'access-control-allow-methods': cors.methods?.join(', ') ?? allow,
  };
  const requested = req.headers.get('access-control-request-headers');
  const allowHeaders = cors.allowHeaders?.join(', ') ?? requested;
  if (allowHeaders) headers['access-control-allow-headers'] = allowHeaders;
  if (cors.credentials) headers['access-control-allow-credentials'] = 'true';
  if (cors.maxAge !== undefined) headers['access-control-max-age'] = String(cors.maxAge);
  if (allowOrigin !== '*') headers['vary'] = 'Origin';
  return { status: 204, headers, cookies: [], body: '' };
}

/** Dispatches requests among HTTP definitions by method and path. */
export interface Router {
  readonly definitions: readonly HttpDefinition[];
  /**
   * Routes, validates, runs the handler and maps errors. Never throws or rejects; always answers,
   * synchronously when nothing on the way was asynchronous (`await` reads either form).
   */
  handle(req: PortableRequest, ctx: Context): ResponseData | Promise<ResponseData>;
}

/**
 * One routed function from several HTTP definitions: the most specific route wins, a path with no
 * route is a 404, a path whose routes serve other methods a 405 with `Allow`, and CORS preflights
 * are answered for definitions that set `cors`.
 *
 * @example
 * const router = createRouter([getUser, createUser])
 * const response = await router.handle(createRequest({ method: 'GET', path: '/users/1' }), createContext())
 */
export function createRouter(definitions: readonly HttpDefinition[]): Router {
  const defs = [...definitions].sort((a, b) => {
    const ra = routeRank(a.trigger.route);
    const rb = routeRank(b.trigger.route);
    for (let i = 0; i < Math.max(ra.length, rb.length); i++) {
      const d = (rb[i] ?? -2) - (ra[i] ?? -2);
      if (d !== 0) return d;
    }
    return 0;
  });
  // A single definition without a route serves every path: nothing to match.
  const only = defs.length === 1 && !defs[0]?.trigger.route ? defs[0] : undefined;

  function run(def: HttpDefinition, req: PortableRequest, ctx: Context): ResponseData | Promise<ResponseData> {
    const pending = runHttpDefinition(def, req, ctx);
    const cors = def.trigger.cors;
    if (!cors) return pending;
    const decorate = (response: ResponseData): ResponseData => addCors(response, cors, req.headers.get('origin'));
    return pending instanceof Promise ? pending.then(decorate) : decorate(pending);
  }

  function handle(req: PortableRequest, ctx: Context): ResponseData | Promise<ResponseData> {
    if (only) return methodMatches(only, req.method) ? run(only, req, ctx) : miss([only], req, ctx);
    let pathMatches: HttpDefinition[] | undefined;
    try {
      for (const def of defs) {
        const route = def.trigger.route;
        const params = route ? matchRoute(route, req.path) : {};
        if (!params) continue;
        if (methodMatches(def, req.method)) {
          req.params = params;
          return run(def, req, ctx);
        }
        (pathMatches ??= []).push(def);
      }
    } catch (error) {
      disposeContext(ctx);
      return errorResponse(error, ctx);
    }
    if (!pathMatches) {
      disposeContext(ctx);
      return problem(404, `No route for ${req.method} ${req.path}`);
    }
    return miss(pathMatches, req, ctx);
  }

  function miss(matches: HttpDefinition[], req: PortableRequest, ctx: Context): ResponseData {
    disposeContext(ctx);
    const allow = allowedMethods(matches);
    const cors = matches.find((d) => d.trigger.cors)?.trigger.cors;
    if (req.method === 'OPTIONS' && cors && req.headers.has('access-control-request-method')) return preflight(cors, req, allow);
    return problem(405, `${req.method} is not allowed on ${req.path}; allowed: ${allow}`, {}, { allow });
  }

  return { definitions: defs, handle };
}

// ---------------------------------------------------------------------------------------------------
// Events

/** How one event (message, object change, tick, CloudEvent) ended. */
export type Outcome =
  | { readonly id: string; readonly status: 'ok' }
  | { readonly id: string; readonly status: 'skipped'; readonly reason: string }
  | { readonly id: string; readonly status: 'failed'; readonly error: unknown };

/** Every item's outcome, and the ids of the failed ones (what adapters hand back for retry). */
export interface BatchResult {
  readonly outcomes: readonly Outcome[];
  readonly failed: readonly string[];
}

/** The portable input a definition's handler takes. */
export type InputOf<D extends Definition> = D extends MessageDefinition
  ? Message
  : D extends StorageDefinition
    ? StorageEvent
    : D extends ScheduleDefinition
      ? ScheduleEvent
      : D extends CloudEventDefinition
        ? CloudEvent
        : D extends HttpDefinition
          ? PortableRequest
          : never;

function skipReason(def: EventDefinition, item: Message | StorageEvent | ScheduleEvent | CloudEvent): string | undefined {
  if (def.kind === 'storage') {
    const e = item as StorageEvent;
    const t = def.trigger;
    if (!t.changes.includes(e.change)) return `change "${e.change}" is not one of ${t.changes.join(', ')}`;
    if (t.prefix && !e.key.startsWith(t.prefix)) return `key does not start with "${t.prefix}"`;
    if (t.suffix && !e.key.endsWith(t.suffix)) return `key does not end with "${t.suffix}"`;
  }
  if (def.kind === 'cloudevent') {
    const e = item as CloudEvent;
    const t = def.trigger;
    if (t.types.length && !t.types.includes(e.type)) return `type "${e.type}" is not one of ${t.types.join(', ')}`;
    if (t.source && e.source !== t.source) return `source "${e.source}" is not "${t.source}"`;
  }
  return undefined;
}

/** Runs one item; a promise only when the validator or the handler is asynchronous. */
function runOne(def: EventDefinition, item: Message | StorageEvent | ScheduleEvent | CloudEvent, ctx: Context): void | Promise<void> {
  if (def.kind === 'message') {
    const msg = item as Message;
    const schema = def.trigger.schema;
    if (!schema) return def.handler(msg, ctx);
    const validating = runValidation(schema, 'message', msg.json(), (v) => ((msg as { body: unknown }).body = v));
    return validating ? validating.then(() => def.handler(msg, ctx)) : def.handler(msg, ctx);
  }
  if (def.kind === 'cloudevent') {
    const schema = def.trigger.schema;
    let event = item as CloudEvent;
    if (!schema) return def.handler(event, ctx);
    let data: unknown = event.data;
    // Structured events carry JSON; binary-mode and base64 data arrive as bytes or text.
    if (data instanceof Uint8Array || typeof data === 'string') {
      const text = typeof data === 'string' ? data : new TextDecoder().decode(data);
      try {
        data = JSON.parse(text);
      } catch {
        data = text;
      }
    }
    const validating = runValidation(schema, 'data', data, (v) => (event = { ...event, data: v }));
    return validating ? validating.then(() => def.handler(event, ctx)) : def.handler(event, ctx);
  }
  if (def.kind === 'storage') return def.handler(item as StorageEvent, ctx);
  return def.handler(item as ScheduleEvent, ctx);
}

/**
 * Runs an event definition on a batch, one item at a time, and reports each item's outcome. Items
 * outside the definition's filters are skipped. With `ordered` (FIFO queues) the first failure fails
 * every later item unrun, so that order is kept on retry. Never throws or rejects.
 *
 * Answers synchronously when every handler did (and with a promise otherwise; `await` reads both):
 * a promise tick per message is measurable on a batch of ten.
 *
 * @example
 * const { failed } = await runEvents(def, messages, ctx)
 * return { batchItemFailures: failed.map((itemIdentifier) => ({ itemIdentifier })) }
 */
export function runEvents(
  def: EventDefinition,
  items: ReadonlyArray<Message | StorageEvent | ScheduleEvent | CloudEvent>,
  ctx: Context,
  options: { ordered?: boolean } = {},
): BatchResult | Promise<BatchResult> {
  const outcomes: Outcome[] = [];
  const failed: string[] = [];
  const ordered = options.ordered ?? (def.kind === 'message' && def.trigger.ordered);
  let stopped: string | undefined;

  const fail = (id: string, error: unknown): void => {
    ctx.log.error(error instanceof ValidationError ? 'Event failed validation' : 'Event handler failed', {
      id,
      error,
      ...(error instanceof ValidationError ? { issues: error.issues } : {}),
    });
    outcomes.push({ id, status: 'failed', error });
    failed.push(id);
    if (ordered) stopped = id;
  };

  const loop = (start: number): BatchResult | Promise<BatchResult> => {
    for (let i = start; i < items.length; i++) {
      const item = items[i] as Message | StorageEvent | ScheduleEvent | CloudEvent;
      const id = item.id;
      if (stopped !== undefined) {
        const error = new OnefnError('ORDERED_BATCH_STOPPED', `Not run: message ${stopped} before it failed in an ordered batch`);
        outcomes.push({ id, status: 'failed', error });
        failed.push(id);
        continue;
      }
      const reason = skipReason(def, item);
      if (reason) {
        ctx.log.debug('Event skipped', { id, reason });
        outcomes.push({ id, status: 'skipped', reason });
        continue;
      }
      let running: void | Promise<void>;
      try {
        running = runOne(def, item, ctx);
      } catch (error) {
        fail(id, error);
        continue;
      }
      if (running instanceof Promise) {
        return running.then(
          () => void outcomes.push({ id, status: 'ok' }),
          (error: unknown) => fail(id, error),
        ).then(() => loop(i + 1));
      }
      outcomes.push({ id, status: 'ok' });
    }
    disposeContext(ctx);
    return { outcomes, failed };
  };

  try {
    const result = loop(0);
    return result instanceof Promise ? result.catch((error: unknown) => settleBroken(error)) : result;
  } catch (error) {
    return settleBroken(error);
  }

  // Only a failing logger can get here; every item not yet reported is failed rather than dropped.
  function settleBroken(error: unknown): BatchResult {
    disposeContext(ctx);
    for (const item of items) {
      if (!outcomes.some((o) => o.id === item.id)) {
        outcomes.push({ id: item.id, status: 'failed', error });
        failed.push(item.id);
      }
    }
    return { outcomes, failed };
  }
}
