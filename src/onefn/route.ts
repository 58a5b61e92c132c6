import { DefinitionError, OnefnError } from './errors.js';
import { EMPTY_RECORD, inputRecord } from './record.js';

/**
 * The parameters named in a route pattern, as a type.
 *
 * @example
 * type P = RouteParams<'/users/:id/posts/:postId'> // { id: string; postId: string }
 */
export type RouteParams<R extends string> = string extends R
  ? Record<string, string>
  : R extends `${string}:${infer Param}/${infer Rest}`
    ? { [K in Param | keyof RouteParams<`/${Rest}`>]: string }
    : R extends `${string}:${infer Param}`
      ? { [K in Param]: string }
      : R extends `${string}*`
        ? { '*': string }
        : Record<string, never>;

type Segment = { kind: 'static'; value: string } | { kind: 'param'; name: string } | { kind: 'rest' };

/** A route pattern checked and split once, when the definition is made. */
export interface CompiledRoute {
  readonly pattern: string;
  readonly segments: readonly Segment[];
  readonly isStatic: boolean;
  readonly paramNames: readonly string[];
}

// Guards checks that deploy bundles leave out; see options.ts.
declare const __ONEFN_CHECKED__: true | undefined;

const PARAM = /^:[A-Za-z_][A-Za-z0-9_]*$/;
const STATIC = /^[A-Za-z0-9._~!$&'()+,;=@-]+$/;

function fail(why: string): never {
  throw new DefinitionError('route', why);
}

/**
 * Checks a route: it starts with "/", segments are literals, `:name` parameters or a final `*`.
 * Throws a DefinitionError naming the `route` option otherwise.
 */
export function compileRoute(pattern: string): CompiledRoute {
  if (typeof __ONEFN_CHECKED__ === 'undefined' && (typeof pattern !== 'string' || !pattern.startsWith('/'))) {
    fail(`must be a string starting with "/", got ${JSON.stringify(pattern)}`);
  }
  const parts = pattern === '/' ? [] : pattern.slice(1).replace(/\/$/, '').split('/');
  const segments: Segment[] = [];
  const names = new Set<string>();
  parts.forEach((part, i) => {
    if (part === '*') {
      if (typeof __ONEFN_CHECKED__ === 'undefined' && i !== parts.length - 1) fail(`"*" may only end a route: ${pattern}`);
      segments.push({ kind: 'rest' });
      names.add('*');
    } else if (part.startsWith(':')) {
      const name = part.slice(1);
      if (typeof __ONEFN_CHECKED__ === 'undefined') {
        if (!PARAM.test(part)) fail(`bad parameter "${part}" in ${pattern}: use :name with letters, digits and _`);
        if (names.has(name)) fail(`parameter :${name} appears twice in ${pattern}`);
      }
      names.add(name);
      segments.push({ kind: 'param', name });
    } else {
      if (typeof __ONEFN_CHECKED__ === 'undefined' && !STATIC.test(part)) fail(`bad segment "${part}" in ${pattern}`);
      segments.push({ kind: 'static', value: part });
    }
  });
  return { pattern, segments, isStatic: segments.every((s) => s.kind === 'static'), paramNames: [...names] };
}

/** Decoding a malformed escape ("%E0%A4%A") is the client's error, not ours. */
export class BadPathError extends OnefnError {
  constructor(message: string) {
    super('BAD_PATH', message);
    this.name = 'BadPathError';
  }
}

function decodeSegment(segment: string, index: number): string {
  if (segment.indexOf('%') === -1) return segment;
  try {
    return decodeURIComponent(segment);
  } catch {
    // Names the segment by position: a problem document never repeats what the client sent.
    throw new BadPathError(`Malformed percent-encoding in path segment ${index + 1}`);
  }
}

const NO_PARAMS = EMPTY_RECORD as Record<string, string>;

/**
 * Matches a path (as sent, percent-encoded) and returns decoded parameters, or undefined. Parameters
 * are a prototype-free record (see record.ts): a `:constructor` or `:__proto__` parameter is kept.
 */
export function matchRoute(route: CompiledRoute, path: string): Record<string, string> | undefined {
  // Static routes compare as strings; only an escaped path needs the segment-wise decoding below.
  if (route.isStatic && path.indexOf('%') === -1) {
    const { pattern } = route;
    if (path === pattern) return NO_PARAMS;
    if (path.length === pattern.length + 1 && path.endsWith('/') && path.startsWith(pattern)) return NO_PARAMS;
    const trimmed = pattern.length > 1 && pattern.endsWith('/') ? pattern.slice(0, -1) : undefined;
    return trimmed !== undefined && path === trimmed ? NO_PARAMS : undefined;
  }
  // The path's segments are read in place, between slashes, rather than split into an array first.
  // One trailing slash is ignored, and "/" (or "") has no segments.
  const end = path.length > 1 && path.endsWith('/') ? path.length - 1 : path.length;
  const empty = end === 0 || (end === 1 && path.charCodeAt(0) === 47);
  let pos = empty ? end + 1 : 1;
  const { segments } = route;
  const params = inputRecord<string>();
  for (let i = 0; i < segments.length; i++) {
    const seg = segments[i] as Segment;
    if (seg.kind === 'rest') {
      const parts = pos > end ? [] : path.slice(pos, end).split('/');
      let rest = '';
      for (let j = 0; j < parts.length; j++) rest += (j === 0 ? '' : '/') + decodeSegment(parts[j] as string, i + j);
      params['*'] = rest;
      return params;
    }
    if (pos > end) return undefined;
    let next = path.indexOf('/', pos);
    if (next === -1 || next > end) next = end;
    const part = path.slice(pos, next);
    pos = next + 1;
    if (seg.kind === 'static') {
      if (decodeSegment(part, i) !== seg.value) return undefined;
    } else {
      if (part === '') return undefined;
      params[seg.name] = decodeSegment(part, i);
    }
  }
  return pos > end ? params : undefined;
}

/** How specific a route is, for ordering: static segments beat parameters beat a wildcard. */
export function routeRank(route: CompiledRoute | undefined): number[] {
  if (!route) return [-1];
  return [...route.segments.map((s): number => (s.kind === 'static' ? 3 : s.kind === 'param' ? 2 : 1)), 0];
}
