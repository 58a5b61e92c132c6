/**
 * `@onefn/gcp/deploy`: build the source archive and deploy it to Cloud Functions (2nd gen). Build
 * time only; the runtime entry never imports it.
 *
 * @example
 * import { deploy } from '@onefn/gcp/deploy'
 * const result = await deploy({ entry: 'src/api.ts', project: 'my-project', region: 'europe-west1', onProgress: console.log })
 */
export { buildArchive, type BuildOptions, type BuiltArchive } from './archive.js';
export { deploy, type DeployedFunction, type DeployedResource, type DeployResult, type UnknownSetting } from './deploy.js';
export { ApiError, DeployError, MissingClientError } from './errors.js';
export { functionSpec, type FunctionResource, type FunctionSpec } from './function-spec.js';
export { DeployOptionError, RUNTIMES, UNKNOWN, validateOptions, type DeployOptions, type Endpoints, type Progress, type Runtime } from './options.js';
export { ONEFN_LABELS, type Auth } from './rest.js';
export { rollback, type RollbackOptions, type RollbackResult, type TrafficShare } from './rollback.js';
export { destroy, type DestroyedItem, type DestroyOptions, type DestroyResult, type KeptItem } from './destroy.js';
export { logLineOf, logs, parseDuration, type LogsOptions, type LogsResult, type RawEntry } from './logs.js';
export { GcpLifecycleError, type LifecycleEndpoints, type LifecycleErrorCode, type LifecycleOptions } from './lifecycle.js';
