import { OnefnError } from 'onefn';

/**
 * A deploy, destroy or logs call that AWS could not complete, or that onefn refuses (a function it did
 * not create). `code` says which: `DEPLOY_FAILED`, `DEPLOY_TIMEOUT`, `NOT_OWNED`, `NOT_FOUND`,
 * `MISSING_PACKAGE`.
 *
 * @example
 * try { await destroy({ function: 'api' }) } catch (e) { if (e instanceof AwsDeployError && e.code === 'NOT_OWNED') ... }
 */
export class AwsDeployError extends OnefnError {
  constructor(code: 'DEPLOY_FAILED' | 'DEPLOY_TIMEOUT' | 'NOT_OWNED' | 'NOT_FOUND' | 'MISSING_PACKAGE', message: string, options?: { cause?: unknown }) {
    super(code, message, options);
    this.name = 'AwsDeployError';
  }
}

/**
 * Loads an SDK that is an optional peer of @onefn/aws (installed by whoever deploys, as a dev
 * dependency); a missing one is a typed error naming the install command, not ERR_MODULE_NOT_FOUND.
 */
export async function optionalSdk<T>(pkg: string, load: () => Promise<T>): Promise<T> {
  try {
    return await load();
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    if ((code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') && String((error as Error).message).includes(pkg)) {
      throw new AwsDeployError('MISSING_PACKAGE', `${pkg} is not installed; it is needed here: npm i -D ${pkg}`, { cause: error });
    }
    throw error;
  }
}
