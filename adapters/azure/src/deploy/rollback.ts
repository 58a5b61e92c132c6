/**
 * `onefn rollback azure`: ships the app's previous kept release again (see releases.ts for why a kept
 * package, not a slot swap). One package serves every function of an app, so the app rolls back whole.
 */
import { DeployOptionError } from 'onefn/build';
import { AzureLifecycleError, credentialOf, endpoint, isNotFound, type LifecycleOptions, loopbackBearer, stepper, validateLifecycle } from './lifecycle.js';
import { listReleases, markServing, readRelease, type Release, servingRelease, shipZip } from './releases.js';

export interface RollbackOptions extends LifecycleOptions {
  /** The release number to ship. Default: the highest kept release below the one serving. */
  to?: string | undefined;
  /** Read and plan only: nothing is shipped and no tag moves. */
  dryRun?: boolean | undefined;
  /** The Kudu (SCM) base URL. Default `https://<app>.scm.azurewebsites.net`. */
  scmEndpoint?: string | undefined;
  /** Deployment status polling interval in ms. Default 2000. */
  pollIntervalMs?: number | undefined;
  /** Gives up polling after this many ms. Default 600 000. */
  pollTimeoutMs?: number | undefined;
}

/** What a rollback did (or, with dryRun, would do). */
export interface RollbackResult {
  readonly dryRun: boolean;
  /** The app's name (the stage suffix included). */
  readonly app: string;
  readonly resourceGroup: string;
  readonly plan: 'flex' | 'consumption';
  /** The release serving before, and the one serving after. */
  readonly from: string;
  readonly to: string;
  /** True when `to` was already serving: nothing was shipped. */
  readonly unchanged: boolean;
  /** The kept package shipped: `onefn-releases/<app>/<n>.zip`. */
  readonly package: string;
  readonly sha256: { readonly from: string | null; readonly to: string | null };
  /** Every kept release, oldest first. */
  readonly releases: readonly number[];
}

const OWN_KEYS = ['to', 'dryRun', 'scmEndpoint', 'pollIntervalMs', 'pollTimeoutMs'];

/**
 * Ships the release before the one serving (or `to`) through Kudu, as deploy ships a package, and then
 * marks it serving. A rollback of a rollback goes one further back; the next deploy is a new release.
 *
 * @example
 * const r = await rollbackFunctionApp({ subscriptionId, resourceGroup: 'rg-api', app: 'acme-api' })
 * console.log(`${r.app}: release ${r.from} -> ${r.to}`)
 */
export async function rollbackFunctionApp(options: RollbackOptions): Promise<RollbackResult> {
  const c = validateLifecycle(options, OWN_KEYS);
  if (options.to !== undefined && (typeof options.to !== 'string' || !/^\d{1,9}$/.test(options.to))) {
    throw new DeployOptionError('to', `must be a release number (onefn rollback azure --dry-run --json lists them), got ${JSON.stringify(String(options.to).slice(0, 40))}`);
  }
  const scmEndpoint = endpoint('scmEndpoint', options.scmEndpoint, `https://${c.app.toLowerCase()}.scm.azurewebsites.net`, options.allowInsecureConnection);
  for (const key of ['pollIntervalMs', 'pollTimeoutMs'] as const) {
    const v = options[key];
    if (v !== undefined && (typeof v !== 'number' || !Number.isFinite(v) || v < 0)) throw new DeployOptionError(key, `must be a non-negative number of milliseconds, got ${JSON.stringify(v)}`);
  }
  const progress = options.progress ?? (() => {});
  const step = stepper(progress);
  const { resourceGroup } = options;
  const credential = await credentialOf(options);
  const scope = `${c.armEndpoint.startsWith('https://management.azure.com') ? 'https://management.azure.com' : c.armEndpoint}/.default`;
  const clientOptions = { endpoint: c.armEndpoint, $host: c.armEndpoint, allowInsecureConnection: options.allowInsecureConnection };
  const [{ ResourceManagementClient }, { StorageManagementClient }, { WebSiteManagementClient }] = await Promise.all([
    import('@azure/arm-resources'), import('@azure/arm-storage'), import('@azure/arm-appservice'),
  ]);
  const resources = new ResourceManagementClient(credential, options.subscriptionId, clientOptions);
  const storage = new StorageManagementClient(credential, options.subscriptionId, clientOptions);
  const web = new WebSiteManagementClient(credential, options.subscriptionId, clientOptions);
  if (options.allowInsecureConnection) for (const client of [resources, storage, web]) loopbackBearer(client, credential, scope);

  const site = await step(`look up function app ${c.app}`, async () => {
    try {
      return await web.webApps.get(resourceGroup, c.app);
    } catch (error) {
      if (isNotFound(error)) throw new AzureLifecycleError('APP_NOT_FOUND', `there is no function app ${c.app} in resource group ${resourceGroup}`, { cause: error });
      throw error;
    }
  });
  const serving = servingRelease(site.tags);
  if (serving === undefined) {
    throw new AzureLifecycleError('NO_PREVIOUS_RELEASE', `${c.app} has no onefn release record (its tag onefn-release): deploy it with onefn, then there is a release to roll back from`);
  }
  const account = await step(`read storage account ${c.storageAccount}`, () => storage.storageAccounts.getProperties(resourceGroup, c.storageAccount));
  const keys = await step('read storage account key', () => storage.storageAccounts.listKeys(resourceGroup, c.storageAccount), true);
  const key = keys.keys?.[0]?.value;
  if (!key) throw new AzureLifecycleError('AZURE_API_ERROR', `read storage account key failed: ${c.storageAccount} returned no key`);
  const store = { blobEndpoint: account.primaryEndpoints?.blob ?? `https://${c.storageAccount}.blob.core.windows.net/`, storageAccount: c.storageAccount, key, app: c.app };
  const releases = await step(`list the releases of ${c.app}`, () => listReleases(store));
  const numbers = releases.map((r) => r.number);
  const current = releases.find((r) => r.number === serving);
  let target: Release | undefined;
  if (options.to !== undefined) {
    target = releases.find((r) => r.number === Number(options.to));
    if (!target) throw new AzureLifecycleError('RELEASE_NOT_FOUND', `${c.app} has no kept release ${options.to}; kept: ${numbers.join(', ') || 'none'}`);
  } else {
    target = releases.filter((r) => r.number < serving).at(-1);
    if (!target) throw new AzureLifecycleError('NO_PREVIOUS_RELEASE', `${c.app} serves release ${serving} and has no kept release before it to roll back to (kept: ${numbers.join(', ') || 'none'})`);
  }
  const plan = site.functionAppConfig ? 'flex' : 'consumption';
  const result: RollbackResult = {
    dryRun: options.dryRun === true, app: c.app, resourceGroup, plan, from: String(serving), to: String(target.number), unchanged: target.number === serving,
    package: target.blob, sha256: { from: current?.sha256 ?? null, to: target.sha256 }, releases: numbers,
  };
  if (result.unchanged) {
    progress(`${c.app} already serves release ${serving}`);
    return result;
  }
  if (options.dryRun) {
    progress(`plan: ship ${target.blob} to ${c.app} and mark it serving (release ${serving} -> ${target.number})`);
    return result;
  }
  const zip = await step(`read ${target.blob}`, () => readRelease(store, target));
  await step(`ship release ${target.number} (${zip.byteLength} bytes) to ${c.app}`, () => shipZip(zip, {
    scmEndpoint, plan, credential, scope, pollIntervalMs: options.pollIntervalMs ?? 2000, pollTimeoutMs: options.pollTimeoutMs ?? 600_000, progress,
  }));
  await step(`mark release ${target.number} serving`, () => markServing(resources, site.id ?? `/subscriptions/${options.subscriptionId}/resourceGroups/${resourceGroup}/providers/Microsoft.Web/sites/${c.app}`, target.number));
  return result;
}
