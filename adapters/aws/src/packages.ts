/**
 * The AWS SDK packages `@onefn/aws` does not install for you: optional peers, pinned to the versions
 * its tests run with (its devDependencies; test/install/dependencies.test.ts keeps the three in step).
 * A missing one gives a `MissingPackageError` with the `npm i -D` line, never ERR_MODULE_NOT_FOUND.
 */
import type { OptionalPackage } from 'onefn/runtime';

/** What `onefn deploy aws` (and rollback, destroy, logs) call AWS with. */
export const DEPLOY_PACKAGES: readonly OptionalPackage[] = [
  { name: '@aws-sdk/client-eventbridge', version: '3.1162.0' },
  { name: '@aws-sdk/client-iam', version: '3.1162.0' },
  { name: '@aws-sdk/client-lambda', version: '3.1162.0' },
  { name: '@aws-sdk/client-s3', version: '3.1162.0' },
  { name: '@aws-sdk/client-sns', version: '3.1162.0' },
  { name: '@aws-sdk/client-sqs', version: '3.1162.0' },
  { name: '@aws-sdk/client-scheduler', version: '3.1162.0' },
  { name: '@aws-sdk/client-cloudwatch-logs', version: '3.1162.0' },
  { name: '@smithy/core', version: '3.41.0' },
];

/**
 * What `@onefn/aws/resources` sends with. Bundles leave them as imports, which the Lambda Node.js
 * runtime satisfies with the SDK v3 it ships; install them to run outputs locally (tests, `onefn dev`).
 */
export const OUTPUT_PACKAGES: readonly OptionalPackage[] = [
  { name: '@aws-sdk/client-sqs', version: '3.1162.0' },
  { name: '@aws-sdk/client-sns', version: '3.1162.0' },
  { name: '@aws-sdk/client-s3', version: '3.1162.0' },
  { name: '@aws-sdk/s3-request-presigner', version: '3.1162.0' },
];

/** Every optional package, once (what the CLI shell checks a failed command against). */
export function optionalPackages(): OptionalPackage[] {
  return [...new Map([...DEPLOY_PACKAGES, ...OUTPUT_PACKAGES].map((p) => [p.name, p])).values()];
}
