/**
 * `@onefn/aws/deploy`: build Lambda zips from a onefn module and deploy them with the AWS SDK (build
 * time only; the runtime entry never imports this).
 *
 * @example
 * import { deploy, rollback } from '@onefn/aws/deploy'
 * await deploy({ entry: 'src/api.ts', region: 'eu-west-1', createRole: true, onProgress: console.log })
 * await rollback({ function: 'api', region: 'eu-west-1' })
 * await destroy({ function: 'api', region: 'eu-west-1', dryRun: true })
 * const { lines } = await logs({ function: 'api', region: 'eu-west-1', since: '15m' })
 */
export { buildFunction, handlerModule, HTTP_EVENTS, LAMBDA_RUNTIMES, type BuildOptions, type HttpEvents, type LambdaArtifact, type LambdaRuntime } from './deploy/build.js';
export { deploy, rollback, type DeployedFunction, type DeployOptions, type DeployResult, type RollbackOptions } from './deploy/deploy.js';
export { DeployOptionError, ENV_BYTES, MEMORY_MB, TIMEOUT_S } from './deploy/options.js';
export type { Pacing } from './deploy/lambda-ops.js';
export { destroy, type DestroyOptions, type DestroyResult } from './deploy/destroy.js';
export { durationMs, logs, LOG_LIMIT, type LogsOptions, type LogsResult } from './deploy/logs.js';
export { parseLambdaLog, terminalSafe, type LogEventInput } from './deploy/log-lines.js';
export { AwsDeployError } from './deploy/errors.js';
export { schedulerInput } from './deploy/scheduler.js';
