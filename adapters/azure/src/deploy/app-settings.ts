import type { AzurePlan } from './build.js';

/** An app setting asked for that the deploy leaves out, and why. Never its value: it may be a secret. */
export interface IgnoredSetting {
  readonly name: string;
  readonly reason: string;
}

/** What the app needs to run as onefn built it; `connection` is the storage account's connection string. */
export function onefnSettings(plan: AzurePlan, nodeVersion: string, connection: string): Record<string, string> {
  return {
    AzureWebJobsStorage: connection,
    FUNCTIONS_EXTENSION_VERSION: '~4',
    // Flex Consumption takes its runtime from functionAppConfig, not from app settings.
    ...(plan === 'flex' ? { DEPLOYMENT_STORAGE_CONNECTION_STRING: connection } : { FUNCTIONS_WORKER_RUNTIME: 'node', WEBSITE_NODE_DEFAULT_VERSION: `~${nodeVersion}` }),
  };
}

/**
 * The user's app settings that would override one onefn relies on; onefn's win, so these are left
 * out. A setting equal to onefn's own value is not reported. The storage connection strings hold a
 * key read only at deploy time, so any user value for them differs.
 */
export function ignoredSettings(plan: AzurePlan, nodeVersion: string, storageAccount: string, user: Readonly<Record<string, string>>): IgnoredSetting[] {
  const fixed = onefnSettings(plan, nodeVersion, '');
  const reasons: Record<string, string> = {
    AzureWebJobsStorage: `onefn points it at the storage account ${storageAccount}, which holds the app's queues and containers`,
    FUNCTIONS_EXTENSION_VERSION: 'onefn needs the Functions host 4.x (~4), the one that runs the Node.js v4 programming model',
    DEPLOYMENT_STORAGE_CONNECTION_STRING: 'Flex Consumption reads the deployed package through it',
    FUNCTIONS_WORKER_RUNTIME: 'the app runs on the node worker',
    WEBSITE_NODE_DEFAULT_VERSION: `onefn sets ~${nodeVersion}, the Node.js version it deploys for`,
  };
  const ignored: IgnoredSetting[] = [];
  for (const [name, value] of Object.entries(user)) {
    if (!(name in fixed)) continue;
    const secret = name === 'AzureWebJobsStorage' || name === 'DEPLOYMENT_STORAGE_CONNECTION_STRING';
    if (secret || value !== fixed[name]) ignored.push({ name, reason: reasons[name] ?? 'onefn sets it' });
  }
  return ignored;
}
