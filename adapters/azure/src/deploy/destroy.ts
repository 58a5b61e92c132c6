/**
 * `onefn destroy azure`: removes what onefn created for a function app, and nothing else, with a plan
 * first. What deploy creates per app goes: the Event Grid subscriptions that deliver to the app's
 * functions, the app (its settings with it), its plan `<app>-plan` once empty, and its kept releases.
 * What may hold data or be shared stays: the resource group, the storage account with its queues and
 * containers.
 */
import { DeployOptionError } from 'onefn/build';
import type { DestroyedResource } from 'onefn/cli';
import { AzureLifecycleError, credentialOf, isNotFound, type LifecycleOptions, loopbackBearer, optionalPeer, OWNER_TAG, stepper, validateLifecycle } from './lifecycle.js';
import { deleteReleases, listReleases, type ReleaseStore } from './releases.js';

export interface DestroyOptions extends LifecycleOptions {
  /**
   * One function of the app: only what onefn made for it (its Event Grid subscription) goes, and the
   * app stays, since it serves the module's other functions. Default: the whole app.
   */
  function?: string | undefined;
  /** Plan only: list what would go, delete nothing. */
  dryRun?: boolean | undefined;
}

export interface DestroyResult {
  readonly dryRun: boolean;
  readonly app: string;
  readonly resourceGroup: string;
  /** The function, when only one was destroyed. */
  readonly function: string | undefined;
  /** In the order they are (or would be) removed. */
  readonly resources: readonly DestroyedResource[];
  /** What stays, and why. */
  readonly kept: readonly string[];
}

// Function names in the Node.js v4 model: a letter, then letters, digits, _ and -, at most 128.
const FUNCTION_NAME = /^[A-Za-z][A-Za-z0-9_-]{0,127}$/;

const same = (a: string | undefined, b: string): boolean => (a ?? '').toLowerCase() === b.toLowerCase();

/**
 * Plans, then (without dryRun) removes what onefn created for the app. The app goes only when it
 * carries the tag deploy puts on apps it creates (`deployed-by: onefn`); any other app is refused with
 * NOT_OWNED before anything is deleted.
 *
 * @example
 * const plan = await destroyFunctionApp({ subscriptionId, resourceGroup: 'rg-api', app: 'acme-api', dryRun: true })
 * for (const r of plan.resources) console.log(`would delete ${r.kind} ${r.id}`)
 */
export async function destroyFunctionApp(options: DestroyOptions): Promise<DestroyResult> {
  const c = validateLifecycle(options, ['function', 'dryRun']);
  if (options.function !== undefined && (typeof options.function !== 'string' || !FUNCTION_NAME.test(options.function))) {
    throw new DeployOptionError('function', `must be a function name (a letter, then letters, digits, _ and -), got ${JSON.stringify(String(options.function).slice(0, 80))}`);
  }
  const progress = options.progress ?? (() => {});
  const step = stepper(progress);
  const { resourceGroup, subscriptionId } = options;
  const dryRun = options.dryRun === true;
  const credential = await credentialOf(options);
  const scope = `${c.armEndpoint}/.default`;
  const clientOptions = { endpoint: c.armEndpoint, $host: c.armEndpoint, allowInsecureConnection: options.allowInsecureConnection };
  const [{ StorageManagementClient }, { WebSiteManagementClient }, { EventGridManagementClient }] = await Promise.all([
    import('@azure/arm-storage'), import('@azure/arm-appservice'), optionalPeer('@azure/arm-eventgrid', () => import('@azure/arm-eventgrid')),
  ]);
  const storage = new StorageManagementClient(credential, subscriptionId, clientOptions);
  const web = new WebSiteManagementClient(credential, subscriptionId, clientOptions);
  const eventGrid = new EventGridManagementClient(credential, subscriptionId, clientOptions);
  if (options.allowInsecureConnection) for (const client of [storage, web, eventGrid]) loopbackBearer(client, credential, scope);

  const siteId = `/subscriptions/${subscriptionId}/resourceGroups/${resourceGroup}/providers/Microsoft.Web/sites/${c.app}`;
  const site = await step(`look up function app ${c.app}`, async () => {
    try {
      return await web.webApps.get(resourceGroup, c.app);
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
  });
  const whole = options.function === undefined;
  if (!site && !whole) throw new AzureLifecycleError('APP_NOT_FOUND', `there is no function app ${c.app} in resource group ${resourceGroup}`);
  if (site && whole && site.tags?.[OWNER_TAG.name] !== OWNER_TAG.value) {
    throw new AzureLifecycleError('NOT_OWNED', `function app ${c.app} was not created by onefn (it has no tag ${OWNER_TAG.name}=${OWNER_TAG.value}), so destroy leaves it; onefn destroy azure <function> --app ${c.app} removes what onefn made for one function, and az functionapp delete removes the app`);
  }
  const id = site?.id ?? siteId;
  const kept = [`resource group ${resourceGroup}`, `storage account ${c.storageAccount} (its queues and containers may hold data)`];

  // The Event Grid subscriptions on the app's storage account that deliver to this app's functions
  // (deploy names each after its function): they deliver nowhere once the function is gone.
  const target = whole ? `${id}/functions/` : `${id}/functions/${options.function}`;
  const subscriptions = await step(`list the Event Grid subscriptions of storage account ${c.storageAccount}`, async () => {
    const found: Array<{ scope: string; name: string; id: string }> = [];
    try {
      for await (const s of eventGrid.eventSubscriptions.listByResource(resourceGroup, 'Microsoft.Storage', 'storageAccounts', c.storageAccount)) {
        const destination = s.destination as { endpointType?: string; resourceId?: string } | undefined;
        if (destination?.endpointType !== 'AzureFunction' || !s.name || !s.id) continue;
        const to = destination.resourceId ?? '';
        if (whole ? to.toLowerCase().startsWith(target.toLowerCase()) : same(to, target) && same(s.name, options.function ?? '')) {
          // The operation's URL is `/{scope}/providers/...`: the scope goes without its leading slash.
          found.push({ scope: s.id.slice(0, s.id.toLowerCase().lastIndexOf('/providers/microsoft.eventgrid/eventsubscriptions/')).replace(/^\/+/, ''), name: s.name, id: s.id });
        }
      }
    } catch (error) {
      if (!isNotFound(error)) throw error;
    }
    return found;
  });
  const resources: DestroyedResource[] = subscriptions.map((s) => ({ kind: 'event subscription', id: s.id, action: 'planned' }));

  let planName: string | undefined;
  let store: ReleaseStore | undefined;
  let releases: Awaited<ReturnType<typeof listReleases>> = [];
  if (whole) {
    if (site) resources.push({ kind: 'function app', id, action: 'planned' });
    else resources.push({ kind: 'function app', id, action: 'absent' });
    // The plan deploy made for this app (`<app>-plan`); a plan the app was put on by hand stays.
    const farm = site?.serverFarmId ?? '';
    const ownPlan = `${c.app}-plan`;
    if (site && farm.toLowerCase().endsWith(`/serverfarms/${ownPlan.toLowerCase()}`)) {
      const others = await step(`list the apps on plan ${ownPlan}`, async () => {
        const names: string[] = [];
        for await (const s of web.appServicePlans.listWebApps(resourceGroup, ownPlan)) if (s.name && !same(s.name, c.app)) names.push(s.name);
        return names;
      });
      if (others.length === 0) {
        planName = ownPlan;
        resources.push({ kind: 'app service plan', id: farm, action: 'planned' });
      } else kept.push(`plan ${ownPlan} (it also serves ${others.join(', ')})`);
    } else if (farm) kept.push(`plan ${farm.split('/').pop() ?? farm} (not the one deploy made for the app)`);
    // The kept releases live in onefn's own container, under the app's name.
    const account = await step(`read storage account ${c.storageAccount}`, async () => {
      try {
        return await storage.storageAccounts.getProperties(resourceGroup, c.storageAccount);
      } catch (error) {
        if (isNotFound(error)) return undefined;
        throw error;
      }
    });
    if (account) {
      const keys = await step('read storage account key', () => storage.storageAccounts.listKeys(resourceGroup, c.storageAccount), true);
      const key = keys.keys?.[0]?.value;
      if (key) {
        store = { blobEndpoint: account.primaryEndpoints?.blob ?? `https://${c.storageAccount}.blob.core.windows.net/`, storageAccount: c.storageAccount, key, app: c.app };
        const found = await step(`list the releases of ${c.app}`, () => listReleases(store as ReleaseStore));
        releases = found;
        for (const r of found) resources.push({ kind: 'release package', id: r.blob, action: 'planned' });
      }
    }
  } else kept.push(`function app ${c.app} (it serves the module's other functions; onefn destroy azure ${c.app} removes it)`);

  const result = (list: DestroyedResource[]): DestroyResult => ({ dryRun, app: c.app, resourceGroup, function: options.function, resources: list, kept });
  if (dryRun) {
    for (const r of resources) progress(`plan: ${r.action === 'absent' ? 'already gone' : 'delete'} ${r.kind} ${r.id}`);
    return result(resources);
  }
  const done: DestroyedResource[] = [];
  for (const s of subscriptions) {
    const gone = await step(`delete event subscription ${s.name}`, async () => {
      try {
        await eventGrid.eventSubscriptions.beginDeleteAndWait(s.scope, s.name);
        return false;
      } catch (error) {
        if (isNotFound(error)) return true;
        throw error;
      }
    });
    done.push({ kind: 'event subscription', id: s.id, action: gone ? 'absent' : 'deleted' });
  }
  if (whole) {
    if (site) {
      // deleteEmptyServerFarm: false, so the plan goes only as listed above.
      const gone = await step(`delete function app ${c.app}`, async () => {
        try {
          await web.webApps.delete(resourceGroup, c.app, { deleteEmptyServerFarm: false });
          return false;
        } catch (error) {
          if (isNotFound(error)) return true;
          throw error;
        }
      });
      done.push({ kind: 'function app', id, action: gone ? 'absent' : 'deleted' });
    } else done.push({ kind: 'function app', id, action: 'absent' });
    if (planName) {
      const name = planName;
      await step(`delete plan ${name}`, () => web.appServicePlans.delete(resourceGroup, name));
      done.push({ kind: 'app service plan', id: resources.find((r) => r.kind === 'app service plan')?.id ?? name, action: 'deleted' });
    }
    if (store && releases.length) {
      const blobs = await step(`delete the ${releases.length} kept release(s) of ${c.app}`, () => deleteReleases(store as ReleaseStore, releases));
      for (const blob of blobs) done.push({ kind: 'release package', id: blob, action: 'deleted' });
    }
  }
  return result(done);
}
