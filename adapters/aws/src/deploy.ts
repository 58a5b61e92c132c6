/**
 * `@onefn/aws/deploy`: build Lambda zips from a onefn module and deploy them (build time only; the
 * runtime entry never imports this).
 *
 * @example
 * import { buildFunction } from '@onefn/aws/deploy'
 */
export { buildFunction, handlerModule, LAMBDA_RUNTIMES, type BuildOptions, type LambdaArtifact, type LambdaRuntime } from './deploy/build.js';
