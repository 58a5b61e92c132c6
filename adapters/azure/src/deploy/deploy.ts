import type { TokenCredential } from '@azure/identity';
import type { ResourceUse } from 'onefn';
import { CredentialsError, DeployOptionError, withSourceMaps } from 'onefn/build';
import { planUses, resourceSetting } from 'onefn/runtime';
import type { AzureFunctionSpec } from '../bindings.js';
import { type IgnoredSetting, ignoredSettings, onefnSettings, shownSettings } from './app-settings.js';
import { armClients, defaultCredential } from './arm-clients.js';
import { buildFunctionApp } from './build.js';
import { AzureDeployError, AzureResponseError } from './errors.js';
import { type AppUse, assignmentName, identitySettings, IDENTITY_CONNECTION, type RoleGrant, storageGrants } from './identity.js';
import { type DeployOptions, type DeployUnknown, validateDeployOptions } from './options.js';
import { zipDeploy } from './zip-deploy.js';
import { OWNER_TAG } from './lifecycle.js';
import { keepRelease, markServing, servingRelease } from './releases.js';

export { AzureDeployError } from './errors.js';

/** What a deploy did (or, in plan mode, would do). Holds no secret. */
export interface DeployResult {
  readonly dryRun: boolean;
  /** What happened to the function app: `planned` in a dry run. */
  readonly action: 'created' | 'updated' | 'planned';
  readonly app: string;
  readonly resourceGroup: string;
  readonly plan: 'flex' | 'consumption';
  readonly sha256: string;
  /** The zip's size. */
  readonly bytes: number;
  readonly steps: readonly string[];
  /** App settings asked for but not set, because onefn's own value wins. */
  readonly ignoredSettings: readonly IgnoredSetting[];
  /** The app's `NODE_OPTIONS` setting (`--enable-source-maps` with `sourcemap`), or undefined when none is set. */
  readonly nodeOptions: string | undefined;
  readonly functions: ReadonlyArray<{ name: string; kind: string; trigger: string; url?: string }>;
  /** How the functions' code reaches the queues and containers of `uses`: the app's managed identity, or the account key. */
  readonly storageAuth: 'identity' | 'key';
  /** The role assignments for the app's identity: exactly the declared uses' roles on exactly their scopes. */
  readonly roleAssignments: readonly RoleGrant[];
  /** Every app setting deploy writes, with the account key and every user-given value masked. */
  readonly appSettings: Readonly<Record<string, string>>;
  /** What a dry run did not know (no flag, no credentials): shown as `<subscription>`, `<app>`... */
  readonly unknowns: readonly DeployUnknown[];
  /** The release the package was kept as (`onefn rollback azure` goes back to the one before); null in plan mode. */
  readonly release: number | null;
}

// @azure/identity's failures: no credential in the chain could give a token, or the one found was refused.
const CREDENTIAL_ERRORS = new Set(['CredentialUnavailableError', 'AggregateAuthenticationError', 'AuthenticationRequiredError', 'AuthenticationError']);

function isCredentialFailure(error: unknown): boolean {
  const name = (error as { name?: unknown })?.name;
  return (typeof name === 'string' && CREDENTIAL_ERRORS.has(name)) || (error as { statusCode?: unknown })?.statusCode === 401;
}

function isNotFound(error: unknown): boolean {
  return (error as { statusCode?: number })?.statusCode === 404;
}

function urlOf(spec: AzureFunctionSpec, host: string, prefix: string): string | undefined {
  if (spec.trigger.kind !== 'http') return undefined;
  const route = spec.trigger.route === '{*path}' || spec.trigger.route === '/' ? '' : spec.trigger.route;
  return `https://${host}/${[prefix, route].filter(Boolean).join('/')}`;
}

/** A 409 that says the assignment is already there: a redeploy asks for the same one. */
function alreadyAssigned(error: unknown): boolean {
  const e = error as { statusCode?: unknown; code?: unknown };
  return e?.statusCode === 409 && e.code === 'RoleAssignmentExists';
}

/** Each used queue or container once, with its real name, the union of its actions and the functions that use it. */
function appUses(uses: ReadonlyArray<{ fn: string; use: ResourceUse; resource: string }>): AppUse[] {
  const merged = new Map<string, { use: ResourceUse; resource: string; functions: string[] }>();
  for (const { fn, use, resource } of uses) {
    const key = `${use.kind}:${resource}`;
    const had = merged.get(key);
    if (!had) merged.set(key, { use: { kind: use.kind, name: use.name, actions: [...use.actions] }, resource, functions: [fn] });
    else merged.set(key, { ...had, use: { ...had.use, actions: [...new Set([...had.use.actions, ...use.actions])].sort() }, functions: [...had.functions, fn] });
  }
  return [...merged.values()];
}

/**
 * Deploys a module to Azure Functions: ensures the resource group, the storage account (with the
 * queues and containers the triggers read and the handlers use), the plan (Flex Consumption FC1 or
 * Consumption Y1) and the function app (Node 20/22, app settings); turns on the app's system-assigned
 * managed identity and grants it exactly the data roles its functions' `uses` need, on exactly those
 * queues and containers; deploys the zip through Kudu and follows it until it completes; subscribes
 * storage functions to their account's Blob events (@azure/arm-eventgrid); and returns the URLs.
 * Options are checked before any call; `dryRun` makes none, needs no credentials, and shows the whole
 * plan (role assignments, settings with secrets masked), with what it cannot know as placeholders.
 *
 * @example
 * const result = await deployFunctionApp({
 *   entry: 'src/api.ts', subscriptionId, resourceGroup: 'rg-api', location: 'westeurope', app: 'acme-api',
 *   progress: (line) => console.error(line),
 * })
 */
export async function deployFunctionApp(input: DeployOptions): Promise<DeployResult> {
  validateDeployOptions(input);
  // The stage goes into the app's name, and so into the names derived from it.
  const options: DeployOptions = input.stage === undefined || !input.app ? { ...input, stage: undefined } : { ...input, app: `${input.app}-${input.stage}`, stage: undefined };
  const v = validateDeployOptions(options);
  const log = options.progress ?? (() => {});
  const { resourceGroup, location, subscriptionId } = v;
  const app = v.unknowns.includes('app') && input.stage ? `${v.app}-${input.stage}` : v.app;
  const pkg = await buildFunctionApp({ entry: options.entry, plan: v.plan, functionTimeout: options.functionTimeout, adapter: options.adapter, sourcemap: options.sourcemap === true });
  const user = options.appSettings ?? {};
  const settings: Record<string, string> = { ...user };
  // With a source map in the package, Node's source-map support (after the user's own NODE_OPTIONS).
  if (options.sourcemap) settings['NODE_OPTIONS'] = withSourceMaps(settings['NODE_OPTIONS']);
  for (const spec of pkg.functions) {
    const t = spec.trigger;
    if ((t.kind === 'serviceBusQueue' || t.kind === 'serviceBusTopic') && !settings[t.connection]) {
      throw new DeployOptionError('appSettings', `${spec.name} reads Service Bus through the app setting ${t.connection}; pass its connection string in appSettings`);
    }
    if (spec.plan.kind === 'schedule' && spec.plan.definition.kind === 'schedule' && spec.plan.definition.trigger.timeZone !== 'UTC') {
      throw new DeployOptionError('timeZone', `${spec.name}: Linux Consumption and Flex Consumption run timers in UTC only (WEBSITE_TIME_ZONE is not supported there); write the schedule in UTC`);
    }
  }
  // What the handlers declared in `uses`: their queues and containers live in the app's storage account.
  // Topics need Service Bus, which the driver does not reach: refused here rather than at the first publish.
  const uses = pkg.functions.flatMap((s) => planUses(s.plan).map((u) => ({ fn: s.name, use: u, resource: (s.plan.settings.env ?? {})[resourceSetting(u.kind, u.name)] ?? u.name })));
  const topicUse = uses.find((u) => u.use.kind === 'topic');
  if (topicUse) throw new DeployOptionError('uses', `${topicUse.fn} publishes to topic ${topicUse.use.name}; @onefn/azure/resources does not reach Service Bus topics yet`);
  const queues = [...new Set([
    ...pkg.functions.flatMap((s) => (s.trigger.kind === 'storageQueue' ? [s.trigger.queueName] : [])),
    ...uses.filter((u) => u.use.kind === 'queue').map((u) => u.resource),
  ])];
  const containers = [...new Set([
    ...pkg.functions.flatMap((s) => (s.plan.kind === 'storage' && s.plan.definition.kind === 'storage' ? [s.plan.definition.trigger.bucket] : [])),
    ...uses.filter((u) => u.use.kind === 'bucket').map((u) => u.resource),
  ])];
  const packageContainer = `app-package-${app.toLowerCase()}`.slice(0, 63);
  if (v.plan === 'flex') containers.push(packageContainer);
  const subscriptions = pkg.functions.filter((s) => s.trigger.kind === 'eventGrid' && s.plan.kind === 'storage');
  const planName = `${app}-plan`;
  // The identity is the app's, so its grants are the union of its functions' uses.
  const used = appUses(uses);
  const identity = v.storageAuth === 'identity' && used.length > 0;
  const plannedAccountId = `/subscriptions/${subscriptionId}/resourceGroups/${resourceGroup}/providers/Microsoft.Storage/storageAccounts/${v.storageAccount}`;
  const plannedEndpoints = { blob: `https://${v.storageAccount}.blob.core.windows.net/`, queue: `https://${v.storageAccount}.queue.core.windows.net/` };
  const plannedGrants = identity ? storageGrants(used, { subscriptionId, accountId: plannedAccountId }) : [];
  const grantStep = (g: RoleGrant): string => `grant ${g.role} on ${g.scope} to the identity of ${app}`;
  const steps = [
    `ensure resource group ${resourceGroup} in ${location}`,
    `ensure storage account ${v.storageAccount}`,
    ...queues.map((q) => `ensure queue ${q}`),
    ...containers.map((c) => `ensure container ${c}`),
    `ensure ${v.plan === 'flex' ? 'Flex Consumption (FC1)' : 'Consumption (Y1)'} plan ${planName}`,
    `create or update function app ${app} (Node ${v.nodeVersion})`,
    ...(identity ? [`turn on the system-assigned managed identity of ${app}`, ...plannedGrants.map(grantStep)] : []),
    `deploy zip (${pkg.zip.byteLength} bytes, sha256 ${pkg.sha256})`,
    ...subscriptions.map((s) => `subscribe ${s.name} to Blob events of ${v.storageAccount}`),
    `keep the package as the next release of ${app} (container onefn-releases), for rollback`,
  ];
  const identityPlanned = identity ? identitySettings(plannedEndpoints) : {};
  const ignored = ignoredSettings(v.plan, v.nodeVersion, v.storageAccount, settings, identityPlanned);
  const clear = new Set(options.sourcemap ? ['NODE_OPTIONS'] : []);
  const shown = shownSettings({ ...settings, ...onefnSettings(v.plan, v.nodeVersion, '', identityPlanned) }, user, v.storageAccount, clear);
  const base = {
    app, resourceGroup, plan: v.plan, sha256: pkg.sha256, bytes: pkg.zip.byteLength, steps, ignoredSettings: ignored, nodeOptions: settings['NODE_OPTIONS'],
    storageAuth: v.storageAuth, roleAssignments: plannedGrants, appSettings: shown, unknowns: v.unknowns,
  };
  const plan = options.dryRun ? 'plan: ' : '';
  if (options.sourcemap) log(`${options.dryRun ? 'plan: would set' : 'setting'} app setting NODE_OPTIONS=${settings['NODE_OPTIONS'] ?? ''} (source maps, dist/index.mjs.map in the package)`);
  for (const { name, reason } of ignored) log(`${plan}app setting ${name} ignored: ${reason}`);
  if (options.dryRun) {
    if (v.unknowns.length) log(`plan: not known without ${v.unknowns.map((u) => ({ subscription: '--subscription (or AZURE_SUBSCRIPTION_ID)', resourceGroup: '--resource-group', location: '--location', app: '--app' })[u]).join(', ')}: shown as <placeholders>`);
    for (const step of steps) log(`plan: ${step}`);
    for (const [name, value] of Object.entries(shown)) log(`plan: app setting ${name}=${value}`);
    return { ...base, dryRun: true, action: 'planned', release: null, functions: pkg.functions.map((s) => ({ name: s.name, kind: s.plan.kind, trigger: s.trigger.kind })) };
  }

  const credential: TokenCredential = options.credential ?? (await defaultCredential());
  const { resources, storage, web, eventGrid, authorization } = await armClients(credential, subscriptionId, v.armEndpoint, options.allowInsecureConnection);
  const step = async <T>(name: string, run: () => Promise<T>): Promise<T> => {
    log(name);
    try {
      return await run();
    } catch (error) {
      if (isCredentialFailure(error)) throw new CredentialsError('Azure', 'az login (or set AZURE_CLIENT_ID, AZURE_TENANT_ID and AZURE_CLIENT_SECRET)', error);
      if (name.startsWith('grant ') && (error as { statusCode?: unknown })?.statusCode === 403) {
        throw new AzureDeployError(name, error, 'assigning roles needs Owner, User Access Administrator or Role Based Access Control Administrator on that scope; without it, deploy with --storage-auth key (storageAuth: \'key\')');
      }
      throw new AzureDeployError(name, error);
    }
  };

  await step(steps[0] as string, () => resources.resourceGroups.createOrUpdate(resourceGroup, { location }));
  const account = await step(steps[1] as string, async () => {
    try {
      return await storage.storageAccounts.getProperties(resourceGroup, v.storageAccount);
    } catch (error) {
      if (!isNotFound(error)) throw error;
      return await storage.storageAccounts.create(resourceGroup, v.storageAccount, { location, sku: { name: 'Standard_LRS' }, kind: 'StorageV2', minimumTlsVersion: 'TLS1_2', allowBlobPublicAccess: false });
    }
  });
  for (const queue of queues) await step(`ensure queue ${queue}`, () => storage.queue.create(resourceGroup, v.storageAccount, queue, {}));
  for (const container of containers) await step(`ensure container ${container}`, () => storage.blobContainers.create(resourceGroup, v.storageAccount, container, {}));
  // The key only ever goes into the host's settings, over TLS to ARM; it is never logged or returned.
  const keys = await step('read storage account key', () => storage.storageAccounts.listKeys(resourceGroup, v.storageAccount));
  const key = keys.keys?.[0]?.value;
  if (!key) throw new AzureDeployError('read storage account key', new AzureResponseError(`the storage account ${v.storageAccount} returned no key`));
  const connection = `DefaultEndpointsProtocol=https;AccountName=${v.storageAccount};AccountKey=${key};EndpointSuffix=core.windows.net`;
  const endpoints = { blob: account.primaryEndpoints?.blob ?? plannedEndpoints.blob, queue: account.primaryEndpoints?.queue ?? plannedEndpoints.queue };
  // onefn's settings last: a user value for one of them is ignored (and reported above).
  const appSettings: Record<string, string> = { ...settings, ...onefnSettings(v.plan, v.nodeVersion, connection, identity ? identitySettings(endpoints) : {}) };
  const farm = await step(steps[2 + queues.length + containers.length] as string, () =>
    web.appServicePlans.createOrUpdate(resourceGroup, planName, v.plan === 'flex'
      ? { location, kind: 'functionapp', sku: { name: 'FC1', tier: 'FlexConsumption' }, reserved: true }
      : { location, kind: 'functionapp', sku: { name: 'Y1', tier: 'Dynamic' }, reserved: true }),
  );
  const existing = await step(`look up function app ${app}`, async () => {
    try {
      return await web.webApps.get(resourceGroup, app);
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
  });
  const site = await step(`${existing ? 'update' : 'create'} function app ${app} (Node ${v.nodeVersion})`, async () => {
    if (existing) {
      // Merge, so that settings added in the portal (Application Insights, say) survive a redeploy; with
      // storageAuth 'key', identity settings an earlier deploy wrote go, or the driver would still use them.
      const current = { ...(await web.webApps.listApplicationSettings(resourceGroup, app)).properties };
      if (!identity) for (const name of Object.keys(current)) if (name.startsWith(`${IDENTITY_CONNECTION}__`)) delete current[name];
      await web.webApps.updateApplicationSettings(resourceGroup, app, { properties: { ...current, ...appSettings } });
      return existing;
    }
    const list = Object.entries(appSettings).map(([name, value]) => ({ name, value }));
    return await web.webApps.createOrUpdate(resourceGroup, app, {
      location, tags: { [OWNER_TAG.name]: OWNER_TAG.value }, kind: 'functionapp,linux', serverFarmId: farm.id, reserved: true, httpsOnly: true,
      ...(identity ? { identity: { type: 'SystemAssigned' } } : {}),
      ...(v.plan === 'flex'
        ? {
            siteConfig: { appSettings: list },
            functionAppConfig: {
              deployment: { storage: { type: 'blobContainer', value: `${endpoints.blob}${packageContainer}`, authentication: { type: 'StorageAccountConnectionString', storageAccountConnectionStringName: 'DEPLOYMENT_STORAGE_CONNECTION_STRING' } } },
              runtime: { name: 'node', version: v.nodeVersion },
              scaleAndConcurrency: { maximumInstanceCount: 100, instanceMemoryMB: 2048 },
            },
          }
        : { siteConfig: { linuxFxVersion: `Node|${v.nodeVersion}`, appSettings: list } }),
    });
  });
  let principalId: string | undefined;
  if (identity) {
    principalId = await step(`turn on the system-assigned managed identity of ${app}`, async () => {
      let current = site.identity;
      if (!current?.principalId) {
        // Keep any user-assigned identities the app already has.
        const type = current?.type && /UserAssigned/.test(current.type) ? 'SystemAssigned, UserAssigned' : 'SystemAssigned';
        const patched = await web.webApps.update(resourceGroup, app, { identity: { type, ...(current?.userAssignedIdentities ? { userAssignedIdentities: Object.fromEntries(Object.keys(current.userAssignedIdentities).map((id) => [id, {}])) } : {}) } });
        current = patched.identity;
      }
      if (!current?.principalId) throw new AzureResponseError(`the function app ${app} has no system-assigned identity principal after turning it on`);
      return current.principalId;
    });
    const accountId = account.id ?? plannedAccountId;
    for (const grant of storageGrants(used, { subscriptionId, accountId })) {
      const id = principalId;
      await step(grantStep(grant), async () => {
        try {
          // ARM scopes are paths; the client puts `/{scope}` in the URL itself.
          await authorization.roleAssignments.create(grant.scope.replace(/^\/+/, ''), assignmentName(grant.scope, grant.roleDefinitionId, id), {
            roleDefinitionId: grant.roleDefinitionId,
            principalId: id,
            // Said outright, so that ARM does not look the new identity up in a directory that has not replicated it yet.
            principalType: 'ServicePrincipal',
            description: `onefn: ${grant.reason}`.slice(0, 1024),
          });
        } catch (error) {
          if (!alreadyAssigned(error)) throw error;
        }
      });
    }
  }

  // Zip deploy through Kudu: Flex Consumption takes One Deploy (/api/publish), Consumption /api/zipdeploy.
  // AAD tokens for ARM are accepted by the SCM site.
  const token = async (): Promise<string> => (await credential.getToken(`${v.armEndpoint.startsWith('https://management.azure.com') ? 'https://management.azure.com' : v.armEndpoint}/.default`))?.token ?? '';
  await step(steps[steps.length - 2 - subscriptions.length] as string, () => zipDeploy({
    url: v.plan === 'flex' ? `${v.scmEndpoint}/api/publish?RemoteBuild=false` : `${v.scmEndpoint}/api/zipdeploy?isAsync=true`,
    fallbackStatusUrl: `${v.scmEndpoint}/api/deployments/latest`,
    zip: pkg.zip,
    token,
    pollIntervalMs: v.pollIntervalMs,
    pollTimeoutMs: v.pollTimeoutMs,
    log,
  }));
  for (const spec of subscriptions) {
    const def = spec.plan.kind === 'storage' && spec.plan.definition.kind === 'storage' ? spec.plan.definition : undefined;
    await step(`subscribe ${spec.name} to Blob events of ${v.storageAccount}`, () =>
      eventGrid.eventSubscriptions.beginCreateOrUpdateAndWait((account.id ?? plannedAccountId).replace(/^\/+/, ''), spec.name, {
        destination: { endpointType: 'AzureFunction', resourceId: `${site.id}/functions/${spec.name}`, maxEventsPerBatch: 1 },
        filter: {
          includedEventTypes: (def?.trigger.changes ?? ['created', 'deleted']).map((c) => (c === 'created' ? 'Microsoft.Storage.BlobCreated' : 'Microsoft.Storage.BlobDeleted')),
          subjectBeginsWith: `/blobServices/default/containers/${def?.trigger.bucket ?? ''}/blobs/${def?.trigger.prefix ?? ''}`,
          ...(def?.trigger.suffix ? { subjectEndsWith: def.trigger.suffix } : {}),
        },
        eventDeliverySchema: 'EventGridSchema',
      }, { updateIntervalInMs: v.pollIntervalMs }),
    );
  }
  // Kept after the deployment completed, so that the release marked serving is the one running.
  const release = await step(steps[steps.length - 1] as string, async () => {
    const n = await keepRelease({ blobEndpoint: account.primaryEndpoints?.blob ?? `https://${v.storageAccount}.blob.core.windows.net/`, storageAccount: v.storageAccount, key, app }, pkg.zip, Buffer.from(pkg.sha256, 'base64').toString('hex'), servingRelease(existing?.tags));
    await markServing(resources, site.id ?? `/subscriptions/${subscriptionId}/resourceGroups/${resourceGroup}/providers/Microsoft.Web/sites/${app}`, n);
    return n;
  });
  log(`release ${release} serving`);
  const hostName = site.defaultHostName ?? `${app.toLowerCase()}.azurewebsites.net`;
  const functions = pkg.functions.map((s) => ({ name: s.name, kind: s.plan.kind, trigger: s.trigger.kind, url: urlOf(s, hostName, pkg.routePrefix) }));
  for (const f of functions) if (f.url) log(`${f.name}: ${f.url}`);
  return { ...base, dryRun: false, action: existing ? 'updated' : 'created', release, functions };
}
