/**
 * `@onefn/azure/deploy`: build-time only. Builds the function app package (host.json, package.json,
 * bundled entry, deterministic zip) and deploys it with Azure Resource Manager. Never imported by the
 * runtime entry.
 *
 * @example
 * import { buildFunctionApp, deployFunctionApp } from '@onefn/azure/deploy'
 * const pkg = await buildFunctionApp({ entry: 'src/api.ts' })
 */
export { buildFunctionApp, writeFunctionApp, type AzurePlan, type BuildOptions, type FunctionAppPackage } from './build.js';
export { AzureDeployError, deployFunctionApp, type DeployResult, type ServiceBusReport } from './deploy.js';
export { AzureResponseError, KuduError } from './errors.js';
export { STORAGE_ROLES, type RoleGrant } from './identity.js';
export { validateDeployOptions, type CheckedDeployOptions, type DeployOptions, type DeployUnknown } from './options.js';
export { MissingPackageError } from '../packages.js';
export {
  checkServiceBusNamespace, checkServiceBusNeeds, ensureServiceBusEntities, needsServiceBus, SERVICE_BUS_ROLES, serviceBusEntities, ServiceBusEntityError, serviceBusGrants,
  serviceBusNamespaceId, serviceBusNeeds, serviceBusSettings, serviceBusSteps,
  type ServiceBusEntity, type ServiceBusGrant, type ServiceBusNamespace, type ServiceBusNeeds, type ServiceBusSend, type ServiceBusTrigger,
} from './service-bus.js';
export { rollbackFunctionApp, type RollbackOptions, type RollbackResult } from './rollback.js';
export { destroyFunctionApp, type DestroyOptions, type DestroyResult } from './destroy.js';
export { functionLogs, logsQuery, parseDuration, toLogLine, type LogsOptions, type LogsResult } from './logs.js';
export { AzureLifecycleError, type AzureLifecycleErrorCode, type LifecycleOptions } from './lifecycle.js';
export { RELEASE_TAG, RELEASES_CONTAINER, type Release } from './releases.js';
