import type { TokenCredential } from '@azure/identity';
import type { ResourceUse } from 'onefn';
import { CredentialsError, DeployOptionError, withSourceMaps } from 'onefn/build';
import { planUses, resourceSetting } from 'onefn/runtime';
import type { AzureFunctionSpec } from '../bindings.js';
import { type IgnoredSetting, ignoredSettings, onefnSettings, shownSettings } from './app-settings.js';
import { armClients, defaultCredential, serviceBusClient } from './arm-clients.js';
import { buildFunctionApp } from './build.js';
import { AzureDeployError, AzureResponseError } from './errors.js';
import { type AppUse, assignmentName, identitySettings, IDENTITY_CONNECTION, type RoleGrant, storageGrants } from './identity.js';
import { type DeployOptions, type DeployUnknown, validateDeployOptions } from './options.js';
import { zipDeploy } from './zip-deploy.js';
import { OWNER_TAG } from './lifecycle.js';
import { keepRelease, markServing, servingRelease } from './releases.js';
import {
  checkServiceBusNeeds, ensureServiceBusEntities, needsServiceBus, type ServiceBusEntity, serviceBusEntities, serviceBusGrants, serviceBusNamespaceId, serviceBusNeeds,
  serviceBusSettings, serviceBusSteps,
} from './service-bus.js';

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
  /** What the app needs of Service Bus, and what deploy did about it; null when it reaches no Service Bus. */
  readonly serviceBus: ServiceBusReport | null;
}

/** The Service Bus part of a deploy. */
export interface ServiceBusReport {
  /**
   * `identity`: the namespace named by `serviceBus` (`<service-bus>` in a dry run without it), its
   * entities ensured and the app's identity granted on each; `connectionString`: the connection
   * strings given in `appSettings`, with nothing created or granted by onefn.
   */
  readonly auth: 'identity' | 'connectionString';
  readonly namespace: string | null;
  readonly resourceGroup: string | null;
  /** In the order they are ensured: `planned` in a dry run, else `created` or `exists` (left as it was). */
  readonly entities: ReadonlyArray<ServiceBusEntity & { readonly action: 'planned' | 'created' | 'exists' }>;
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
 * With `serviceBus` (a namespace that exists), it also ensures the queues, topics and subscriptions
 * the functions read and send to (@azure/arm-servicebus; existing ones are left alone, session queues
 * for ordered consumers), writes keyless `<connection>__fullyQualifiedNamespace` settings, and grants
 * the identity Azure Service Bus Data Sender or Data Receiver on exactly each entity.
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
    if (spec.plan.kind === 'schedule' && spec.plan.definition.kind === 'schedule' && spec.plan.definition.trigger.timeZone !== 'UTC') {
      throw new DeployOptionError('timeZone', `${spec.name}: Linux Consumption and Flex Consumption run timers in UTC only (WEBSITE_TIME_ZONE is not supported there); write the schedule in UTC`);
    }
  }
  // What the handlers declared in `uses`: their containers, and their queues with Storage Queues
  // messaging, live in the app's storage account; topics, and queues with Service Bus messaging, in
  // the Service Bus namespace.
  const messaging = options.adapter?.messaging ?? 'storageQueue';
  const uses = pkg.functions.flatMap((s) => planUses(s.plan).map((u) => ({ fn: s.name, use: u, resource: (s.plan.settings.env ?? {})[resourceSetting(u.kind, u.name)] ?? u.name })));
  const storageUses = uses.filter((u) => u.use.kind === 'bucket' || (u.use.kind === 'queue' && messaging !== 'serviceBus'));
  const bus = serviceBusNeeds(pkg.functions, { messaging, ...(options.adapter?.serviceBusConnection ? { serviceBusConnection: options.adapter.serviceBusConnection } : {}) });
  checkServiceBusNeeds(bus);
  const busConnections = [...new Set([...(bus.sends.length ? [bus.connection] : []), ...bus.triggers.map((t) => t.connection)])];
  const busNeeded = needsServiceBus(bus);
  // The Service Bus connection must not be one of the settings onefn writes for storage.
  const taken = busNeeded ? busConnections.find((c) => Object.hasOwn(onefnSettings(v.plan, v.nodeVersion, '', identitySettings({ blob: '', queue: '' })), c) || c.startsWith(`${IDENTITY_CONNECTION}__`) || c === IDENTITY_CONNECTION) : undefined;
  if (taken !== undefined) throw new DeployOptionError('serviceBusConnection', `the Service Bus connection cannot be the app setting ${taken}, which onefn writes for the storage account; name another (the default is ServiceBusConnection)`);
  const given = (name: string): boolean => Object.hasOwn(settings, name) && Boolean(settings[name]);
  // Without a namespace, the user's own connection strings: onefn then creates and grants nothing there.
  const busByString = busNeeded && !v.serviceBus && busConnections.every(given);
  if (busNeeded && !v.serviceBus && !busByString) {
    if (!options.dryRun) {
      const first = bus.triggers[0] ? `${bus.triggers[0].function} reads Service Bus ${bus.triggers[0].kind} ${bus.triggers[0].entity}` : `${bus.sends[0]?.functions[0]} ${bus.sends[0]?.kind === 'topic' ? 'publishes to topic' : 'sends to Service Bus queue'} ${bus.sends[0]?.name}`;
      throw new DeployOptionError('serviceBus', `${first}: name the Service Bus namespace with --service-bus <namespace> (serviceBus in the deploy options, azure.serviceBus in onefn.config), or give ${busConnections.filter((c) => !given(c)).join(' and ')} a connection string in appSettings`);
    }
    v.unknowns.push('serviceBus');
  }
  const busIdentity = busNeeded && !busByString;
  const namespace = v.serviceBus ?? '<service-bus>';
  const plannedNamespaceId = `/subscriptions/${subscriptionId}/resourceGroups/${v.serviceBusResourceGroup}/providers/Microsoft.ServiceBus/namespaces/${namespace}`;
  // onefn's Service Bus settings win over the user's: a connection string would win over the identity.
  const busSettings: Record<string, string> = busIdentity
    ? serviceBusSettings(bus, { namespace })
    : Object.fromEntries(busByString ? bus.sends.map((s) => [resourceSetting(s.kind, s.name), s.entity]) : []);
  const busIgnored: IgnoredSetting[] = [];
  for (const name of Object.keys(user)) {
    if (busIdentity && busConnections.includes(name)) busIgnored.push({ name, reason: `onefn reaches the Service Bus namespace ${namespace} through the app's managed identity (${name}__fullyQualifiedNamespace); a connection string here would win over it` });
    else if (Object.hasOwn(busSettings, name) && busSettings[name] !== user[name]) busIgnored.push({ name, reason: 'onefn sets it to the Service Bus entity it ensures and grants' });
  }
  for (const { name } of busIgnored) delete settings[name];
  const queues = [...new Set([
    ...pkg.functions.flatMap((s) => (s.trigger.kind === 'storageQueue' ? [s.trigger.queueName] : [])),
    ...storageUses.filter((u) => u.use.kind === 'queue').map((u) => u.resource),
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
  const used = appUses(storageUses);
  const identity = v.storageAuth === 'identity' && used.length > 0;
  // Service Bus, when deploy ensures it, is always reached with the identity (keyless).
  const managedIdentity = identity || busIdentity;
  const plannedAccountId = `/subscriptions/${subscriptionId}/resourceGroups/${resourceGroup}/providers/Microsoft.Storage/storageAccounts/${v.storageAccount}`;
  const plannedEndpoints = { blob: `https://${v.storageAccount}.blob.core.windows.net/`, queue: `https://${v.storageAccount}.queue.core.windows.net/` };
  const plannedGrants: RoleGrant[] = [
    ...(identity ? storageGrants(used, { subscriptionId, accountId: plannedAccountId }) : []),
    ...(busIdentity ? serviceBusGrants(bus, { subscriptionId, namespaceId: plannedNamespaceId }) : []),
  ];
  const grantStep = (g: RoleGrant): string => `grant ${g.role} on ${g.scope} to the identity of ${app}`;
  const namespaceStep = `look up Service Bus namespace ${namespace} in ${v.serviceBusResourceGroup}`;
  const accountStep = `ensure storage account ${v.storageAccount}`;
  const planStep = `ensure ${v.plan === 'flex' ? 'Flex Consumption (FC1)' : 'Consumption (Y1)'} plan ${planName}`;
  const steps = [
    `ensure resource group ${resourceGroup} in ${location}`,
    // Before anything else is created: a namespace that is missing (or Basic) stops the deploy here.
    ...(busIdentity ? [namespaceStep, ...serviceBusSteps(bus, namespace)] : []),
    accountStep,
    ...queues.map((q) => `ensure queue ${q}`),
    ...containers.map((c) => `ensure container ${c}`),
    planStep,
    `create or update function app ${app} (Node ${v.nodeVersion})`,
    ...(managedIdentity ? [`turn on the system-assigned managed identity of ${app}`, ...plannedGrants.map(grantStep)] : []),
    `deploy zip (${pkg.zip.byteLength} bytes, sha256 ${pkg.sha256})`,
    ...subscriptions.map((s) => `subscribe ${s.name} to Blob events of ${v.storageAccount}`),
    `keep the package as the next release of ${app} (container onefn-releases), for rollback`,
  ];
  const identityPlanned = identity ? identitySettings(plannedEndpoints) : {};
  const ignored = [...ignoredSettings(v.plan, v.nodeVersion, v.storageAccount, settings, identityPlanned), ...busIgnored];
  const clear = new Set([...(options.sourcemap ? ['NODE_OPTIONS'] : []), ...Object.keys(busSettings)]);
  const shown = shownSettings({ ...settings, ...busSettings, ...onefnSettings(v.plan, v.nodeVersion, '', identityPlanned) }, user, v.storageAccount, clear);
  const busReport = (created?: readonly string[]): ServiceBusReport | null => {
    if (!busNeeded) return null;
    if (!busIdentity) return { auth: 'connectionString', namespace: null, resourceGroup: null, entities: [] };
    const lines = serviceBusSteps(bus, namespace).map((l) => l.replace(/^ensure /, ''));
    const entities = serviceBusEntities(bus).map((e, i) => ({ ...e, action: !created ? 'planned' as const : created.includes(lines[i] ?? '') ? 'created' as const : 'exists' as const }));
    return { auth: 'identity', namespace, resourceGroup: v.serviceBusResourceGroup, entities };
  };
  const base = {
    app, resourceGroup, plan: v.plan, sha256: pkg.sha256, bytes: pkg.zip.byteLength, steps, ignoredSettings: ignored, nodeOptions: settings['NODE_OPTIONS'],
    storageAuth: v.storageAuth, roleAssignments: plannedGrants, appSettings: shown, unknowns: v.unknowns,
  };
  const plan = options.dryRun ? 'plan: ' : '';
  if (busByString) log(`${plan}Service Bus through the connection string in ${busConnections.join(', ')}: onefn creates no queue, topic or subscription there and assigns no role`);
  if (options.sourcemap) log(`${options.dryRun ? 'plan: would set' : 'setting'} app setting NODE_OPTIONS=${settings['NODE_OPTIONS'] ?? ''} (source maps, dist/index.mjs.map in the package)`);
  for (const { name, reason } of ignored) log(`${plan}app setting ${name} ignored: ${reason}`);
  if (options.dryRun) {
    if (v.unknowns.length) log(`plan: not known without ${v.unknowns.map((u) => ({ subscription: '--subscription (or AZURE_SUBSCRIPTION_ID)', resourceGroup: '--resource-group', location: '--location', app: '--app', serviceBus: '--service-bus' })[u]).join(', ')}: shown as <placeholders>`);
    for (const step of steps) log(`plan: ${step}`);
    for (const [name, value] of Object.entries(shown)) log(`plan: app setting ${name}=${value}`);
    return { ...base, dryRun: true, action: 'planned', release: null, serviceBus: busReport(), functions: pkg.functions.map((s) => ({ name: s.name, kind: s.plan.kind, trigger: s.trigger.kind })) };
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
        const without = name.startsWith('grant Azure Service Bus ')
          ? 'leave --service-bus out and give the Service Bus connection settings connection strings in appSettings'
          : 'deploy with --storage-auth key (storageAuth: \'key\')';
        throw new AzureDeployError(name, error, `assigning roles needs Owner, User Access Administrator or Role Based Access Control Administrator on that scope; without it, ${without}`);
      }
      throw new AzureDeployError(name, error);
    }
  };

  await step(steps[0] as string, () => resources.resourceGroups.createOrUpdate(resourceGroup, { location }));
  let namespaceId = plannedNamespaceId;
  let busCreated: string[] = [];
  if (busIdentity) {
    const sb = await serviceBusClient(credential, subscriptionId, v.armEndpoint, options.allowInsecureConnection);
    namespaceId = await step(namespaceStep, () => serviceBusNamespaceId(sb, v.serviceBusResourceGroup, namespace, bus));
    busCreated = await ensureServiceBusEntities(sb, v.serviceBusResourceGroup, namespace, bus, step);
  }
  const account = await step(accountStep, async () => {
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
  const appSettings: Record<string, string> = { ...settings, ...busSettings, ...onefnSettings(v.plan, v.nodeVersion, connection, identity ? identitySettings(endpoints) : {}) };
  const farm = await step(planStep, () =>
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
      // A Service Bus connection string left from an earlier deploy would win over the identity.
      if (busIdentity) for (const name of busConnections) delete current[name];
      await web.webApps.updateApplicationSettings(resourceGroup, app, { properties: { ...current, ...appSettings } });
      return existing;
    }
    const list = Object.entries(appSettings).map(([name, value]) => ({ name, value }));
    return await web.webApps.createOrUpdate(resourceGroup, app, {
      location, tags: { [OWNER_TAG.name]: OWNER_TAG.value }, kind: 'functionapp,linux', serverFarmId: farm.id, reserved: true, httpsOnly: true,
      ...(managedIdentity ? { identity: { type: 'SystemAssigned' } } : {}),
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
  if (managedIdentity) {
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
    const grants = [...(identity ? storageGrants(used, { subscriptionId, accountId }) : []), ...(busIdentity ? serviceBusGrants(bus, { subscriptionId, namespaceId }) : [])];
    for (const grant of grants) {
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
  return { ...base, dryRun: false, action: existing ? 'updated' : 'created', release, serviceBus: busReport(busCreated), functions };
}
