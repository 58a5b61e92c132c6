/**
 * `@onefn/gcp/deploy`: build the source archive and deploy it to Cloud Functions (2nd gen). Build
 * time only; the runtime entry never imports it.
 *
 * @example
 * import { deploy } from '@onefn/gcp/deploy'
 * const result = await deploy({ entry: 'src/api.ts', project: 'my-project', region: 'europe-west1', onProgress: console.log })
 */
export { buildArchive, type BuildOptions, type BuiltArchive } from './deploy/archive.js';
export { deploy, type DeployedFunction, type DeployedResource, type DeployResult, type UnknownSetting } from './deploy/deploy.js';
export { ApiError, DeployError, MissingClientError } from './deploy/errors.js';
export { functionSpec, type FunctionResource, type FunctionSpec } from './deploy/function-spec.js';
export { DeployOptionError, RUNTIMES, UNKNOWN, validateOptions, type DeployOptions, type Endpoints, type Progress, type Runtime } from './deploy/options.js';
export { ONEFN_LABELS, type Auth } from './deploy/rest.js';
export { rollback, type RollbackOptions, type RollbackResult, type TrafficShare } from './deploy/rollback.js';
export { destroy, type DestroyedItem, type DestroyOptions, type DestroyResult, type KeptItem } from './deploy/destroy.js';
export { logLineOf, logs, parseDuration, type LogsOptions, type LogsResult, type RawEntry } from './deploy/logs.js';
export { GcpLifecycleError, type LifecycleEndpoints, type LifecycleErrorCode, type LifecycleOptions } from './deploy/lifecycle.js';
