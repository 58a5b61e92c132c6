import { OnefnError } from 'onefn';

/**
 * A Google API call in a deploy failed, or the deploy could not go on; `message` is the API's own
 * message (never a token), `status` its HTTP status or RPC code when it gave one.
 *
 * @example
 * try { await deploy(options) } catch (e) { if (e instanceof DeployError) console.error(e.code, e.status, e.message) }
 */
export class DeployError extends OnefnError {
  readonly status: number | string | undefined;
  constructor(message: string, status?: number | string, options?: { cause?: unknown; code?: string }) {
    super(options?.code ?? 'GCP_DEPLOY_FAILED', message, options);
    this.name = 'DeployError';
    this.status = status;
  }
}

/** One API call answered with an error (`GCP_API_FAILED`): which call, the status, the API's message. */
export class ApiError extends DeployError {
  constructor(message: string, status: number | string | undefined, options?: { cause?: unknown }) {
    super(message, status, { ...options, code: 'GCP_API_FAILED' });
    this.name = 'ApiError';
  }
}

/**
 * A deploy needs a Google client package that is not installed (they are optional peers of
 * `@onefn/gcp`, so the runtime install stays small): names the package and the install command.
 */
export class MissingClientError extends DeployError {
  readonly packageName: string;
  constructor(packageName: string, version: string, cause: unknown) {
    super(`${packageName} is not installed; onefn deploy gcp needs it. Install it with: npm i -D ${packageName}@${version}`, undefined, { cause, code: 'MISSING_PACKAGE' });
    this.name = 'MissingClientError';
    this.packageName = packageName;
  }
}
