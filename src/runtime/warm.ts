import type { HttpDefinition } from '../onefn/definition.js';
import { inputRecord } from '../onefn/record.js';
import type { StandardSchemaV1 } from '../onefn/schema.js';

const ignore = (): void => undefined;

/** Runs one validator on `input` and forgets the answer, whatever it is. */
function tryOnce(schema: StandardSchemaV1 | undefined, input: unknown): void {
  if (!schema) return;
  try {
    const result = schema['~standard'].validate(input);
    // An asynchronous validator's answer (or failure) must not become an unhandled rejection.
    if (result instanceof Promise) result.then(ignore, ignore);
  } catch {
    // A validator that throws on an empty input meets the request's input later, and answers then.
  }
}

type Issues = ReadonlyArray<StandardSchemaV1.Issue> | undefined;

/** The issues of a synchronous answer; undefined for a valid, asynchronous or throwing one. */
function issuesOf(schema: StandardSchemaV1, input: unknown): Issues {
  try {
    const result = schema['~standard'].validate(input);
    if (result instanceof Promise) {
      result.then(ignore, ignore);
      return undefined;
    }
    return result.issues;
  } catch {
    return undefined;
  }
}

// Rounds of probing, and how deep a probe goes: enough for any request body; each round is one
// validation of a small value.
const ROUNDS = 8;
const MAX_DEPTH = 8;

const isEmptyObject = (value: unknown): boolean => typeof value === 'object' && value !== null && !Array.isArray(value) && Object.keys(value).length === 0;

/** A value of each scalar type a validator may name as expected: any value of the type makes it run its checks. */
const SCALARS: Readonly<Record<string, string | number | boolean>> = { string: '', number: 0, int: 0, integer: 0, boolean: false };

/**
 * What an issue says it expected, where the validator tells (zod, valibot and ArkType put an
 * `expected` text on type issues; Standard Schema does not require it): 'array', 'object', a scalar
 * value of the type it names (a string, a number or a boolean), 'other', or undefined when it does
 * not say.
 */
function expectedOf(issue: StandardSchemaV1.Issue): 'array' | 'object' | 'other' | { readonly scalar: string | number | boolean } | undefined {
  const expected: unknown = (issue as { expected?: unknown }).expected;
  if (typeof expected !== 'string') return undefined;
  const text = expected.toLowerCase();
  if (text.includes('array')) return 'array';
  if (text.includes('object')) return 'object';
  const name = text.replace(/^["'`]|["'`]$/g, '').replace(/^an? /, '');
  return Object.hasOwn(SCALARS, name) ? { scalar: SCALARS[name] as string | number | boolean } : 'other';
}

/**
 * Fills in the probe where an issue points: with what the issue expected when it says (an object, an
 * array of one object, or a string, number or boolean where one is absent; nothing for other
 * scalars), else by trial: an absent key becomes an object, and an object refused where it stands
 * becomes an array of one object. True when the probe changed.
 */
function fill(probe: Record<string, unknown>, issue: StandardSchemaV1.Issue): boolean {
  const path = issue.path;
  if (!path || !path.length || path.length > MAX_DEPTH) return false;
  const expected = expectedOf(issue);
  if (expected === 'other') return false;
  let at: Record<string, unknown> = probe;
  for (let i = 0; i < path.length; i++) {
    const segment = path[i];
    const key = typeof segment === 'object' && segment !== null ? segment.key : segment;
    // Only plain keys; __proto__ would set a prototype rather than add a key.
    if ((typeof key !== 'string' && typeof key !== 'number') || key === '__proto__') return false;
    const value = at[key];
    if (i < path.length - 1) {
      if (typeof value !== 'object' || value === null) return false;
      at = value as Record<string, unknown>;
    } else if (expected === 'array') {
      if (Array.isArray(value)) return false;
      at[key] = [{}];
    } else if (typeof expected === 'object') {
      // A scalar is filled in only where nothing is: a value already there was refused for another reason.
      if (value !== undefined) return false;
      at[key] = expected.scalar;
    } else if (value === undefined) at[key] = {};
    else if (expected === undefined && isEmptyObject(value)) at[key] = [{}];
    else return false;
  }
  return true;
}

/**
 * Validates a body schema on values that reach its nested objects and arrays: first `{}`, then, round
 * after round, the same value filled in where the issues point (see `fill`). A validator that compiles
 * each object schema the first time it parses an object for it (zod 4) thus compiles the nested ones
 * too, which an empty object never reaches; and a field given a value of its type runs its checks
 * (`.int()`, `.positive()`, `.length(3)`), whose code V8 would otherwise compile in the first request. The issues' paths (the Standard Schema interface) are
 * enough; their `expected` text, where a validator gives one, saves the rounds that guess. The
 * answers are thrown away.
 */
function warmBody(schema: StandardSchemaV1): void {
  const probe: Record<string, unknown> = {};
  for (let round = 0; round < ROUNDS; round++) {
    const issues = issuesOf(schema, probe);
    if (!issues) return;
    let changed = false;
    for (const issue of issues) if (fill(probe, issue)) changed = true;
    if (!changed) return;
  }
}

/** True when an HTTP definition validates any part of the request (the builds warm only those). */
export function hasSchemas(def: HttpDefinition): boolean {
  const { body, query, params, headers } = def.trigger.schemas;
  return !!(body || query || params || headers);
}

/**
 * Runs each schema of the HTTP definitions at a container's start: the query, params and headers
 * schemas once on an empty input record, the body schema on `{}` and then on values that reach its
 * nested objects and arrays (see `warmBody`). The entries that `onefn build` generates call it after
 * wrapping, for functions that have schemas, so that it is not done in the first request. Validators
 * that prepare themselves on first use do it then: zod 4 compiles each object schema into a function
 * the first time it parses an object for it, nested ones included, which was about 2 ms of a Lambda
 * function's first invocation (an empty object reaches only the outer one). The answers are thrown
 * away. A schema's own code (a default, a transform, a refinement) can run here as it would on any
 * input, so it must not have side effects beyond what validating a request may do.
 */
export function warmSchemas(definitions: readonly HttpDefinition[]): void {
  for (const def of definitions) {
    const { body, query, params, headers } = def.trigger.schemas;
    if (body) warmBody(body);
    tryOnce(query, inputRecord());
    tryOnce(params, inputRecord());
    tryOnce(headers, inputRecord());
  }
}
