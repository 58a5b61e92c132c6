import { OnefnError } from 'onefn';

/** An Azure API error, with the service's message (never a token or a key). */
export class AzureDeployError extends OnefnError {
  constructor(step: string, error: unknown, hint?: string) {
    const e = error as { message?: string; statusCode?: number; code?: string };
    const said = (e?.message ?? String(error)).split('\n')[0] ?? '';
    super('AZURE_DEPLOY_FAILED', `${step} failed${e?.statusCode ? ` (${e.statusCode}${e.code ? ` ${e.code}` : ''})` : ''}: ${said}${hint ? `; ${hint}` : ''}`, { cause: error });
    this.name = 'AzureDeployError';
  }
}

/**
 * What the Kudu (SCM) site answered to a zip deploy or its status poll: an HTTP refusal (`statusCode`),
 * a deployment Kudu reports as failed, or one that did not finish in time.
 */
export class KuduError extends OnefnError {
  readonly statusCode: number | undefined;
  constructor(code: 'KUDU_REFUSED' | 'KUDU_DEPLOYMENT_FAILED' | 'KUDU_TIMEOUT', message: string, statusCode?: number) {
    super(code, message);
    this.name = 'KuduError';
    this.statusCode = statusCode;
  }
}

/** ARM answered, but without something deploy needs from it (a key, an identity's principal id). */
export class AzureResponseError extends OnefnError {
  constructor(message: string) {
    super('AZURE_UNEXPECTED_RESPONSE', message);
    this.name = 'AzureResponseError';
  }
}

/** The installed @onefn/azure is incomplete: build cannot find the runtime entry it bundles. */
export class AzurePackageError extends OnefnError {
  constructor(message: string) {
    super('AZURE_PACKAGE_INCOMPLETE', message);
    this.name = 'AzurePackageError';
  }
}
