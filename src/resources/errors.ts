import { OnefnError } from '../onefn/errors.js';
import type { ValidationIssue } from '../onefn/schema.js';

/**
 * The base of every error a resource (queue, topic, bucket) raises: `resource` names it as
 * `kind:name` (`queue:orders`), so a log line says which one failed. None of them is an `HttpError`:
 * a handler's failed output is the function's fault, never the client's, so over HTTP it is the
 * generic 500 and the error stays in the logs.
 */
export class ResourceError extends OnefnError {
  readonly resource: string;
  constructor(code: string, resource: string, message: string, options?: { cause?: unknown }) {
    super(code, `${resource}: ${message}`, options);
    this.name = 'ResourceError';
    this.resource = resource;
  }
}

/**
 * A handler reached for a resource its definition does not declare in `uses` (TypeScript refuses
 * this at compile time; this is the run-time answer to a cast or plain JavaScript).
 *
 * @example
 * ctx.resources.audit.send(x) // without uses: { audit: ... }: UndeclaredResourceError (UNDECLARED_RESOURCE)
 */
export class UndeclaredResourceError extends ResourceError {
  constructor(name: string, declared: readonly string[]) {
    const known = declared.length ? `declared: ${declared.join(', ')}` : 'the definition declares none';
    // Escaped and cut short: the name comes from code that bypassed the types, and may hold anything.
    super('UNDECLARED_RESOURCE', `resource:${JSON.stringify(String(name).slice(0, 80))}`, `not declared in the definition's uses (${known})`);
    this.name = 'UndeclaredResourceError';
  }
}

/**
 * The function has no way to reach its resources: it was wrapped without a resource driver, or the
 * setting that names the resource (written by deploy) is missing.
 */
export class ResourceUnavailableError extends ResourceError {
  constructor(resource: string, message: string, options?: { cause?: unknown }) {
    super('RESOURCE_UNAVAILABLE', resource, message, options);
    this.name = 'ResourceUnavailableError';
  }
}

/** A body failed the resource's schema; raised before any call to the provider. */
export class OutputValidationError extends ResourceError {
  readonly issues: readonly ValidationIssue[];
  constructor(resource: string, issues: readonly ValidationIssue[]) {
    const first = issues[0];
    const where = first && first.path.length ? ` at ${first.path.join('.')}` : '';
    super('INVALID_OUTPUT', resource, `the body fails the schema${where}: ${first?.message ?? 'validation failed'}`);
    this.name = 'OutputValidationError';
    this.issues = issues;
  }
}

/**
 * A message (body and attributes) larger than the provider the function runs on accepts; raised
 * before any call. `size` and `limit` are bytes.
 */
export class MessageTooLargeError extends ResourceError {
  readonly size: number;
  readonly limit: number;
  constructor(resource: string, size: number, limit: number, index?: number) {
    const which = index === undefined ? 'the message' : `message ${index} of the batch`;
    super('MESSAGE_TOO_LARGE', resource, `${which} is ${size} bytes; this provider accepts at most ${limit}`);
    this.name = 'MessageTooLargeError';
    this.size = size;
    this.limit = limit;
  }
}

/** An object key that is not valid on every provider; raised before any call. The key is not repeated. */
export class InvalidKeyError extends ResourceError {
  constructor(resource: string, rule: string) {
    super('INVALID_KEY', resource, `invalid object key: ${rule}`);
    this.name = 'InvalidKeyError';
  }
}

/**
 * An option the call cannot honour on this provider or at all (a delay Pub/Sub cannot make, an
 * expiry out of range, an attribute name a provider would refuse); raised before any call.
 */
export class InvalidOutputOptionError extends ResourceError {
  readonly option: string;
  constructor(resource: string, option: string, message: string) {
    super('INVALID_OUTPUT_OPTION', resource, `option "${option}": ${message}`);
    this.name = 'InvalidOutputOptionError';
    this.option = option;
  }
}

/**
 * The provider refused the call. `providerCode` and `providerMessage` are the provider's own
 * (`AccessDenied`, `QueueDoesNotExist`, `403`...); `status` its HTTP status when it gave one.
 * Throttling never gets here before the provider's SDK has retried it with its own strategy.
 */
export class ProviderError extends ResourceError {
  readonly providerCode: string;
  readonly providerMessage: string;
  readonly status: number | undefined;
  constructor(resource: string, providerCode: string, providerMessage: string, options?: { status?: number; cause?: unknown }) {
    super('PROVIDER_REFUSED', resource, `the provider refused the call: ${providerCode}: ${providerMessage}`, options);
    this.name = 'ProviderError';
    this.providerCode = providerCode;
    this.providerMessage = providerMessage;
    this.status = options?.status;
  }
}

/** Part of a batch was refused; `sent` holds the ids of those that were sent, by index, so none is lost silently. */
export class PartialBatchError extends ResourceError {
  readonly sent: ReadonlyArray<{ readonly index: number; readonly id: string }>;
  readonly failed: ReadonlyArray<{ readonly index: number; readonly error: ResourceError }>;
  constructor(
    resource: string,
    sent: ReadonlyArray<{ readonly index: number; readonly id: string }>,
    failed: ReadonlyArray<{ readonly index: number; readonly error: ResourceError }>,
  ) {
    const first = failed[0];
    super('PARTIAL_BATCH', resource, `${failed.length} of ${sent.length + failed.length} messages were not sent (first: message ${first?.index}: ${first?.error.message})`);
    this.name = 'PartialBatchError';
    this.sent = sent;
    this.failed = failed;
  }
}
