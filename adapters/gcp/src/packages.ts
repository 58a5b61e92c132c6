/**
 * The Google Cloud packages `@onefn/gcp` does not install for you: optional peers, pinned to the
 * versions its tests run with (its devDependencies; test/install/dependencies.test.ts keeps the three
 * in step). A missing one gives a `MissingPackageError` with the `npm i -D` line, never
 * ERR_MODULE_NOT_FOUND.
 */
import type { OptionalPackage } from 'onefn/runtime';

/** What `onefn deploy gcp` calls Google Cloud with. */
export const DEPLOY_PACKAGES: readonly OptionalPackage[] = [
  { name: '@google-cloud/functions', version: '4.2.2' },
  { name: 'google-auth-library', version: '10.9.1' },
  { name: '@google-cloud/run', version: '3.3.0' },
  { name: '@google-cloud/scheduler', version: '5.4.0' },
  { name: '@google-cloud/logging', version: '12.1.0' },
];

/**
 * What `@onefn/gcp/resources` sends with. A deployed function that declares uses gets them in its own
 * package.json (Cloud Build installs them, at these versions); install them to run outputs locally.
 */
export const OUTPUT_PACKAGES: readonly OptionalPackage[] = [
  { name: '@google-cloud/pubsub', version: '5.3.1' },
  { name: '@google-cloud/storage', version: '8.4.0' },
];

/** Every optional package, once (what the CLI shell checks a failed command against). */
export function optionalPackages(): OptionalPackage[] {
  return [...new Map([...DEPLOY_PACKAGES, ...OUTPUT_PACKAGES].map((p) => [p.name, p])).values()];
}
