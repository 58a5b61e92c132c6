import { loadOptional, MissingPackageError } from 'onefn/runtime';
import { optionalPackages } from './packages.js';

export { MissingPackageError };

/**
 * Runs `load` (an `import()` of `name`); a missing optional package becomes onefn's
 * `MissingPackageError`, naming the `npm i -D` line (the CLI shell lists every optional package of
 * the adapter that is missing). `dev`: deploy tooling; otherwise what a function loads at run time.
 */
export function loadPackage<T>(_name: string, _purpose: string, dev: boolean, load: () => Promise<T>): Promise<T> {
  return loadOptional(dev ? '@onefn/azure deploy' : '@onefn/azure outputs', optionalPackages(), load);
}
