import { OnefnError } from 'onefn';

/**
 * A package that @onefn/azure loads lazily is not installed. The Azure SDKs that only deploy, or only
 * one output driver, uses are optional peers, so that the runtime install stays small; the message
 * names the install command (`npm i -D` for deploy tooling, `npm i` for what the function runs).
 */
export class MissingPackageError extends OnefnError {
  readonly packageName: string;
  constructor(packageName: string, purpose: string, dev: boolean, cause: unknown) {
    super('MISSING_PACKAGE', `${purpose} needs ${packageName}, which is not installed; install it with: npm i ${dev ? '-D ' : ''}${packageName}`, { cause });
    this.name = 'MissingPackageError';
    this.packageName = packageName;
  }
}

/** Runs `load` (an `import()` of `name`); a missing `name` becomes a MissingPackageError. */
export async function loadPackage<T>(name: string, purpose: string, dev: boolean, load: () => Promise<T>): Promise<T> {
  try {
    return await load();
  } catch (error) {
    const code = (error as { code?: unknown } | null)?.code;
    if ((code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') && String((error as Error).message).includes(name)) {
      throw new MissingPackageError(name, purpose, dev, error);
    }
    throw error;
  }
}
