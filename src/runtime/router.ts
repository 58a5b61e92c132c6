import { type Context, disposeContext } from '../onefn/context.js';
import type { CorsOptions, HttpDefinition } from '../onefn/definition.js';
import { HTTP_METHODS, type PortableRequest } from '../onefn/http.js';
import { OnefnError } from '../onefn/errors.js';
import type { ResponseData } from '../onefn/response.js';
import { problem } from '../onefn/problem.js';
import { EMPTY_RECORD } from '../onefn/record.js';
import { matchRoute, routeRank } from '../onefn/route.js';
import { errorResponse, runHttpDefinition } from './run-http.js';
import { hasSchemas } from './warm.js';

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
    if (methods === 'ANY') return HTTP_METHODS.join(', ');
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

const HEADER_LIST = /^[\t ]*[!#$%&'*+\-.^_`|~0-9A-Za-z]+(?:[\t ]*,[\t ]*[!#$%&'*+\-.^_`|~0-9A-Za-z]+)*[\t ]*$/;

function preflight(cors: CorsOptions, req: PortableRequest, allow: string): ResponseData {
  const origin = req.headers.get('origin');
  const allowOrigin = corsOrigin(cors, origin);
  if (!allowOrigin) return problem(403, `Origin ${origin ?? '(none)'} is not allowed`);
  const headers: Record<string, string> = {
    'access-control-allow-origin': allowOrigin,
    'access-control-allow-methods': cors.methods?.join(', ') ?? allow,
  };
  const requested = req.headers.get('access-control-request-headers');
  // Echoed back only when it is what a browser sends, a list of header names: anything else (CR/LF
  // from a crafted event, say) must not reach a response header.
  const allowHeaders = cors.allowHeaders?.join(', ') ?? (requested !== undefined && HEADER_LIST.test(requested) ? requested : undefined);
  if (allowHeaders) headers['access-control-allow-headers'] = allowHeaders;
  if (cors.credentials) headers['access-control-allow-credentials'] = 'true';
  if (cors.maxAge !== undefined) headers['access-control-max-age'] = String(cors.maxAge);
  if (allowOrigin !== '*') headers['vary'] = 'Origin';
  return { status: 204, headers, cookies: [], body: '' };
}

/**
 * A deploy build leaves out the CORS, validation and stream code when no definition it planned uses
 * them. A definition that uses one only at run time (`cors: process.env.WEB ? ... : undefined`, with
 * WEB unset where it was built) would then lose it without a word: it stops the function at start-up
 * instead, naming the option.
 */
function checkBuiltFor(defs: readonly HttpDefinition[]): void {
  for (const def of defs) {
    const { trigger } = def;
    const absent =
      (typeof __ONEFN_CORS__ !== 'undefined' && !__ONEFN_CORS__ && trigger.cors && 'cors') ||
      (typeof __ONEFN_SCHEMAS__ !== 'undefined' && !__ONEFN_SCHEMAS__ && hasSchemas(def) && 'a request schema') ||
      (typeof __ONEFN_STREAMS__ !== 'undefined' && !__ONEFN_STREAMS__ && trigger.stream && 'stream');
    // An OnefnError, as DefinitionError's class would weigh on every such bundle.
    if (absent) throw new OnefnError('INVALID_DEFINITION', `A definition sets ${absent} at run time but not at build time, which left its code out`);
  }
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
  if (typeof __ONEFN_CORS__ !== 'undefined' || typeof __ONEFN_SCHEMAS__ !== 'undefined' || typeof __ONEFN_STREAMS__ !== 'undefined') checkBuiltFor(definitions);
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
    // (Inside the guard, so that a build without CORS drops addCors, which it could not see unused otherwise.)
    if (typeof __ONEFN_CORS__ === 'undefined' || __ONEFN_CORS__) {
      const cors = def.trigger.cors;
      if (cors) {
        const decorate = (response: ResponseData): ResponseData => addCors(response, cors, req.headers.get('origin'));
        return pending instanceof Promise ? pending.then(decorate) : decorate(pending);
      }
    }
    return pending;
  }

  function handle(req: PortableRequest, ctx: Context): ResponseData | Promise<ResponseData> {
    if (only) return methodMatches(only, req.method) ? run(only, req, ctx) : miss([only], req, ctx);
    let pathMatches: HttpDefinition[] | undefined;
    try {
      for (const def of defs) {
        const route = def.trigger.route;
        const params = route ? matchRoute(route, req.path) : EMPTY_RECORD;
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
    if (typeof __ONEFN_CORS__ === 'undefined' || __ONEFN_CORS__) {
      const cors = matches.find((d) => d.trigger.cors)?.trigger.cors;
      if (req.method === 'OPTIONS' && cors && req.headers.has('access-control-request-method')) return preflight(cors, req, allow);
    }
    return problem(405, `${req.method} is not allowed on ${req.path}; allowed: ${allow}`, {}, { allow });
  }

  return { definitions: defs, handle };
}

// Defined as false by a deploy build none of whose definitions sets `cors` (`bundle({ cors: false })`):
// the CORS headers and the preflight answer drop out of the bundle.
declare const __ONEFN_CORS__: boolean | undefined;
declare const __ONEFN_SCHEMAS__: boolean | undefined;
declare const __ONEFN_STREAMS__: boolean | undefined;
