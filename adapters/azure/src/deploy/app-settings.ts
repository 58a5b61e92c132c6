import type { AzurePlan } from './build.js';
import { IDENTITY_CONNECTION } from './identity.js';

/** An app setting asked for that the deploy leaves out, and why. Never its value: it may be a secret. */
export interface IgnoredSetting {
  readonly name: string;
  readonly reason: string;
}

/**
 * What the app needs to run as onefn built it. `connection` is the storage account's connection
 * string: the Functions host's own storage (`AzureWebJobsStorage`: triggers, leases, timers) and Flex
 * Consumption's package container keep it on every plan, since an identity there would need Storage
 * Blob Data Owner on the whole account, broader than the per-container grants of `uses`. `identity`
 * holds the `ONEFN_STORAGE__*` settings through which the functions' code reaches its declared queues
 * and containers with the app's managed identity (none with `storageAuth: 'key'`).
 */
export function onefnSettings(plan: AzurePlan, nodeVersion: string, connection: string, identity: Readonly<Record<string, string>> = {}): Record<string, string> {
  return {
    AzureWebJobsStorage: connection,
    FUNCTIONS_EXTENSION_VERSION: '~4',
    // Flex Consumption takes its runtime from functionAppConfig, not from app settings.
    ...(plan === 'flex' ? { DEPLOYMENT_STORAGE_CONNECTION_STRING: connection } : { FUNCTIONS_WORKER_RUNTIME: 'node', WEBSITE_NODE_DEFAULT_VERSION: `~${nodeVersion}` }),
    ...identity,
  };
}

/** The settings whose values hold the account key: masked wherever a setting is shown. */
export const SECRET_SETTINGS: ReadonlySet<string> = new Set(['AzureWebJobsStorage', 'DEPLOYMENT_STORAGE_CONNECTION_STRING']);

/** A storage connection string with its key masked: what a plan shows for a secret setting. */
export function maskedConnection(storageAccount: string): string {
  return `DefaultEndpointsProtocol=https;AccountName=${storageAccount};AccountKey=<masked>;EndpointSuffix=core.windows.net`;
}

/**
 * The app settings as a plan shows them: onefn's own values in clear except the account key, and
 * every value the user passed masked (`appSettings` may hold secrets onefn cannot tell apart).
 */
export function shownSettings(settings: Readonly<Record<string, string>>, user: Readonly<Record<string, string>>, storageAccount: string, clear: ReadonlySet<string>): Record<string, string> {
  const shown: Record<string, string> = {};
  for (const name of Object.keys(settings).sort()) {
    const value = settings[name] ?? '';
    if (SECRET_SETTINGS.has(name)) shown[name] = maskedConnection(storageAccount);
    else if (name in user && !clear.has(name)) shown[name] = '<masked>';
    else shown[name] = value;
  }
  return shown;
}

/**
 * The user's app settings that would override one onefn relies on; onefn's win, so these are left
 * out. A setting equal to onefn's own value is not reported. The storage connection strings hold a
 * key read only at deploy time, so any user value for them differs.
 */
export function ignoredSettings(plan: AzurePlan, nodeVersion: string, storageAccount: string, user: Readonly<Record<string, string>>, identity: Readonly<Record<string, string>> = {}): IgnoredSetting[] {
  const fixed = onefnSettings(plan, nodeVersion, '', identity);
  const reasons: Record<string, string> = {
    AzureWebJobsStorage: `onefn points it at the storage account ${storageAccount}, which holds the app's queues and containers`,
    FUNCTIONS_EXTENSION_VERSION: 'onefn needs the Functions host 4.x (~4), the one that runs the Node.js v4 programming model',
    DEPLOYMENT_STORAGE_CONNECTION_STRING: 'Flex Consumption reads the deployed package through it',
    FUNCTIONS_WORKER_RUNTIME: 'the app runs on the node worker',
    WEBSITE_NODE_DEFAULT_VERSION: `onefn sets ~${nodeVersion}, the Node.js version it deploys for`,
  };
  const ignored: IgnoredSetting[] = [];
  for (const [name, value] of Object.entries(user)) {
    if (!Object.hasOwn(fixed, name)) continue;
    const secret = SECRET_SETTINGS.has(name);
    const reason = reasons[name] ?? (name.startsWith(`${IDENTITY_CONNECTION}__`) ? `onefn points the functions' declared queues and containers at ${storageAccount} through the app's managed identity` : 'onefn sets it');
    if (secret || value !== fixed[name]) ignored.push({ name, reason });
  }
  return ignored;
}
