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

/** True when an HTTP definition validates any part of the request (the builds warm only those). */
export function hasSchemas(def: HttpDefinition): boolean {
  const { body, query, params, headers } = def.trigger.schemas;
  return !!(body || query || params || headers);
}

/**
 * Runs each schema of the HTTP definitions once, on an empty input (an empty object for the body, an
 * empty input record for the query, params and headers). The entries that `onefn build` generates
 * call it at a container's start, after wrapping, for functions that have schemas, so that it is not
 * done in the first request. Validators that prepare themselves on first use do it then: zod 4
 * compiles each object schema into a function the first time it parses one, which was about 2 ms of a
 * Lambda function's first invocation. The answers are thrown away. A schema's own code (a default, a
 * transform, a refinement) can run here as it would on any input, so it must not have side effects
 * beyond what validating a request may do.
 */
export function warmSchemas(definitions: readonly HttpDefinition[]): void {
  for (const def of definitions) {
    const { body, query, params, headers } = def.trigger.schemas;
    tryOnce(body, {});
    tryOnce(query, inputRecord());
    tryOnce(params, inputRecord());
    tryOnce(headers, inputRecord());
  }
}
