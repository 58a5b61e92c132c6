/**
 * The Azure SDK packages `@onefn/azure` does not install for you: optional peers, pinned to the
 * versions its tests run with (its devDependencies; test/install/dependencies.test.ts keeps the three
 * in step). A missing one gives a `MissingPackageError` with the `npm i -D` line, never
 * ERR_MODULE_NOT_FOUND.
 */
import { loadOptional, MissingPackageError, type OptionalPackage } from 'onefn/runtime';

/** What `onefn deploy azure` calls Azure with. */
export const DEPLOY_PACKAGES: readonly OptionalPackage[] = [
  { name: '@azure/arm-appservice', version: '19.0.0' },
  { name: '@azure/arm-resources', version: '7.0.0' },
  { name: '@azure/arm-storage', version: '20.0.0' },
  { name: '@azure/identity', version: '4.13.1' },
  { name: '@azure/arm-servicebus', version: '6.1.0' },
  { name: '@azure/arm-authorization', version: '9.0.0' },
  { name: '@azure/arm-eventgrid', version: '14.1.0' },
  { name: '@azure/monitor-query-logs', version: '1.0.0' },
];

/**
 * What `@onefn/azure/resources` sends with. `onefn build azure` bundles them into the zip of a function
 * that declares uses, so they must be installed where it builds (and to run outputs locally).
 */
export const OUTPUT_PACKAGES: readonly OptionalPackage[] = [
  { name: '@azure/storage-blob', version: '12.34.0' },
  { name: '@azure/storage-queue', version: '12.32.0' },
  { name: '@azure/service-bus', version: '7.9.5' },
];

/** Every optional package, once (what the CLI shell checks a failed command against). */
export function optionalPackages(): OptionalPackage[] {
  return [...new Map([...DEPLOY_PACKAGES, ...OUTPUT_PACKAGES].map((p) => [p.name, p])).values()];
}

export { MissingPackageError };

/**
 * Runs `load` (an `import()` of `name`); a missing optional package becomes onefn's
 * `MissingPackageError`, naming the `npm i -D` line (the CLI shell lists every optional package of
 * the adapter that is missing). `dev`: deploy tooling; otherwise what a function loads at run time.
 */
export function loadPackage<T>(_name: string, _purpose: string, dev: boolean, load: () => Promise<T>): Promise<T> {
  return loadOptional(dev ? '@onefn/azure deploy' : '@onefn/azure outputs', optionalPackages(), load);
}
