/**
 * `@onefn/azure/deploy`: build-time only. Builds the function app package (host.json, package.json,
 * bundled entry, deterministic zip) and deploys it with Azure Resource Manager. Never imported by the
 * runtime entry.
 *
 * @example
 * import { buildFunctionApp, deployFunctionApp } from '@onefn/azure/deploy'
 * const pkg = await buildFunctionApp({ entry: 'src/api.ts' })
 */
export { buildFunctionApp, writeFunctionApp, type AzurePlan, type BuildOptions, type FunctionAppPackage } from './deploy/build.js';
export { AzureDeployError, deployFunctionApp, type DeployResult, type ServiceBusReport } from './deploy/deploy.js';
export { AzureResponseError, KuduError } from './deploy/errors.js';
export { STORAGE_ROLES, type RoleGrant } from './deploy/identity.js';
export { validateDeployOptions, type CheckedDeployOptions, type DeployOptions, type DeployUnknown } from './deploy/options.js';
export { MissingPackageError } from './missing-package.js';
export {
  checkServiceBusNamespace, checkServiceBusNeeds, ensureServiceBusEntities, needsServiceBus, SERVICE_BUS_ROLES, serviceBusEntities, ServiceBusEntityError, serviceBusGrants,
  serviceBusNamespaceId, serviceBusNeeds, serviceBusSettings, serviceBusSteps,
  type ServiceBusEntity, type ServiceBusGrant, type ServiceBusNamespace, type ServiceBusNeeds, type ServiceBusSend, type ServiceBusTrigger,
} from './deploy/service-bus.js';
export { rollbackFunctionApp, type RollbackOptions, type RollbackResult } from './deploy/rollback.js';
export { destroyFunctionApp, type DestroyOptions, type DestroyResult } from './deploy/destroy.js';
export { functionLogs, logsQuery, parseDuration, toLogLine, type LogsOptions, type LogsResult } from './deploy/logs.js';
export { AzureLifecycleError, type AzureLifecycleErrorCode, type LifecycleOptions } from './deploy/lifecycle.js';
export { RELEASE_TAG, RELEASES_CONTAINER, type Release } from './deploy/releases.js';
