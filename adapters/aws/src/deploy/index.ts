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
export { buildFunction, handlerModule, HTTP_EVENTS, LAMBDA_RUNTIMES, type BuildOptions, type HttpEvents, type LambdaArtifact, type LambdaRuntime } from './build.js';
export { deploy, rollback, type DeployedFunction, type DeployOptions, type DeployResult, type RollbackOptions } from './deploy.js';
export { DeployOptionError, ENV_BYTES, MEMORY_MB, TIMEOUT_S } from './options.js';
export type { Pacing } from './lambda-ops.js';
export { destroy, type DestroyOptions, type DestroyResult } from './destroy.js';
export { durationMs, logs, LOG_LIMIT, type LogsOptions, type LogsResult } from './logs.js';
export { parseLambdaLog, terminalSafe, type LogEventInput } from './log-lines.js';
export { AwsDeployError } from './errors.js';
export { schedulerInput } from './scheduler.js';
