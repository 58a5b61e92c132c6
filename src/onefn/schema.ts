/**
 * Standard Schema v1 (https://standardschema.dev), inlined as the spec recommends so that the core has
 * no runtime dependency: zod v4, valibot, arktype and any other implementer plug in unchanged.
 */
export interface StandardSchemaV1<Input = unknown, Output = Input> {
  readonly '~standard': StandardSchemaV1.Props<Input, Output>;
}

// eslint-disable-next-line @typescript-eslint/no-namespace
export declare namespace StandardSchemaV1 {
  interface Props<Input = unknown, Output = Input> {
    readonly version: 1;
    readonly vendor: string;
    readonly validate: (value: unknown) => Result<Output> | Promise<Result<Output>>;
    readonly types?: Types<Input, Output> | undefined;
  }
  type Result<Output> = SuccessResult<Output> | FailureResult;
  interface SuccessResult<Output> {
    readonly value: Output;
    readonly issues?: undefined;
  }
  interface FailureResult {
    readonly issues: ReadonlyArray<Issue>;
  }
  interface Issue {
    readonly message: string;
    readonly path?: ReadonlyArray<PropertyKey | PathSegment> | undefined;
  }
  interface PathSegment {
    readonly key: PropertyKey;
  }
  interface Types<Input = unknown, Output = Input> {
    readonly input: Input;
    readonly output: Output;
  }
  type InferInput<Schema extends StandardSchemaV1> = NonNullable<Schema['~standard']['types']>['input'];
  type InferOutput<Schema extends StandardSchemaV1> = NonNullable<Schema['~standard']['types']>['output'];
}

/** Any Standard Schema validator (zod v4, valibot, arktype, ...). */
export type Schema<Output = unknown> = StandardSchemaV1<unknown, Output>;

/** The output type of a schema, or `Fallback` when no schema was given. */
export type OutputOf<S, Fallback> = S extends StandardSchemaV1 ? StandardSchemaV1.InferOutput<S> : Fallback;

/** Where a validated value came from. */
export type IssueLocation = 'body' | 'query' | 'params' | 'headers' | 'message' | 'data';

/** One validation problem, with the path inside the value where it sat. */
export interface ValidationIssue {
  readonly location: IssueLocation;
  readonly path: ReadonlyArray<string | number>;
  readonly message: string;
}

/**
 * True for any value with valid Standard Schema v1 props: an object (zod, valibot) or a function
 * (an ArkType type is callable), whose `~standard` has version 1 and a `validate` function.
 */
export function isSchema(value: unknown): value is StandardSchemaV1 {
  if ((typeof value !== 'object' && typeof value !== 'function') || value === null) return false;
  const props: unknown = (value as { '~standard'?: unknown })['~standard'];
  if (typeof props !== 'object' || props === null) return false;
  const { version, validate } = props as { version?: unknown; validate?: unknown };
  return version === 1 && typeof validate === 'function';
}

/** A Standard Schema issue with the location it came from and a plain path. */
export function toIssue(location: IssueLocation, issue: StandardSchemaV1.Issue): ValidationIssue {
  const path: Array<string | number> = [];
  for (const seg of issue.path ?? []) {
    const key = typeof seg === 'object' && seg !== null ? seg.key : seg;
    path.push(typeof key === 'number' ? key : String(key));
  }
  return { location, path, message: issue.message };
}

export type Validated<T> = { ok: true; value: T } | { ok: false; issues: ValidationIssue[] };

function settle<T>(location: IssueLocation, result: StandardSchemaV1.Result<T>): Validated<T> {
  if (result.issues) return { ok: false, issues: result.issues.map((i) => toIssue(location, i)) };
  return { ok: true, value: result.value };
}

/**
 * Validates `value` with a Standard Schema. Stays synchronous when the schema answers synchronously
 * (zod does for schemas without async refinements), so the hot path awaits nothing it does not need to.
 */
export function validate<T>(
  schema: StandardSchemaV1<unknown, T>,
  location: IssueLocation,
  value: unknown,
): Validated<T> | Promise<Validated<T>> {
  const result = schema['~standard'].validate(value);
  if (result instanceof Promise) return result.then((r) => settle(location, r));
  return settle(location, result);
}
