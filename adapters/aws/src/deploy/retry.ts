import { ConfiguredRetryStrategy } from '@smithy/core/retry';
import type { RetryErrorInfo, StandardRetryToken } from '@smithy/types';

/**
 * The SDK's own retry strategy (every client of a deploy takes it as `retryStrategy`), told about two
 * answers that pass with time but that the SDK counts as client errors: ResourceConflictException (a
 * function mid-update, an alias or mapping being changed) and a role IAM has just created, which Lambda
 * (InvalidParameterValueException) and Scheduler (ValidationException) cannot assume for a few seconds.
 * Throttling (TooManyRequestsException, ThrottlingException...) the SDK retries by itself. The delay
 * doubles from `delayMs`; each retry is reported through `progress`.
 */
export class DeployRetryStrategy extends ConfiguredRetryStrategy {
  readonly #progress: (line: string) => void;
  readonly #delayMs: number;

  constructor(retries: number, delayMs: number, progress: (line: string) => void) {
    super(retries + 1, (attempt) => delayMs * 2 ** Math.max(0, attempt - 1));
    this.#progress = progress;
    this.#delayMs = delayMs;
  }

  override async refreshRetryTokenForRetry(token: StandardRetryToken, errorInfo: RetryErrorInfo): Promise<StandardRetryToken> {
    const info: RetryErrorInfo = settles(errorInfo.error) ? { ...errorInfo, errorType: 'TRANSIENT' } : errorInfo;
    // The strategy waits before it answers; the line says what it waited for.
    const next = await super.refreshRetryTokenForRetry(token, info);
    this.#progress(`  ${errorInfo.error?.name ?? errorInfo.errorType}, retrying in ${this.#delayMs * 2 ** token.getRetryCount()} ms`);
    return next;
  }
}

/** True for the answers that pass with time (see DeployRetryStrategy). */
export function settles(error: { name?: string; message?: string } | undefined): boolean {
  const name = error?.name;
  if (name === 'ResourceConflictException') return true;
  return (name === 'InvalidParameterValueException' || name === 'ValidationException') && /role.*(assume|cannot be assumed)|assume.*role/i.test(error?.message ?? '');
}
