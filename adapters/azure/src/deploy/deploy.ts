import type { TokenCredential } from '@azure/identity';
import { OnefnError } from 'onefn';
import { CredentialsError, DeployOptionError, withSourceMaps } from 'onefn/build';
import { planUses, resourceSetting } from 'onefn/runtime';
import type { AzureFunctionSpec } from '../bindings.js';
import { type IgnoredSetting, ignoredSettings, onefnSettings } from './app-settings.js';
import { buildFunctionApp } from './build.js';
import { type DeployOptions, validateDeployOptions } from './options.js';
import { OWNER_TAG } from './lifecycle.js';
import { keepRelease, KuduError, markServing, servingRelease } from './releases.js';

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
  /** The release the package was kept as (`onefn rollback azure` goes back to the one before); null in plan mode. */
  readonly release: number | null;
}

/** An Azure API error, with the service's message (never a token or a key). */
export class AzureDeployError extends OnefnError {
  constructor(step: string, error: unknown) {
    const e = error as { message?: string; statusCode?: number; code?: string };
    super('AZURE_DEPLOY_FAILED', `${step} failed${e?.statusCode ? ` (${e.statusCode}${e.code ? ` ${e.code}` : ''})` : ''}: ${e?.message ?? String(error)}`, { cause: error });
    this.name = 'AzureDeployError';
  }
}

// @azure/identity's failures: no credential in the chain could give a token, or the one found was refused.
const CREDENTIAL_ERRORS = new Set(['CredentialUnavailableError', 'AggregateAuthenticationError', 'AuthenticationRequiredError', 'AuthenticationError']);

function isCredentialFailure(error: unknown): boolean {
  const name = (error as { name?: unknown })?.name;
  return (typeof name === 'string' && CREDENTIAL_ERRORS.has(name)) || (error as { statusCode?: unknown })?.statusCode === 401;
}

const EVENT_GRID_API = '2022-06-15';

function isNotFound(error: unknown): boolean {
  return (error as { statusCode?: number })?.statusCode === 404;
}

function urlOf(spec: AzureFunctionSpec, host: string, prefix: string): string | undefined {
  if (spec.trigger.kind !== 'http') return undefined;
  const route = spec.trigger.route === '{*path}' || spec.trigger.route === '/' ? '' : spec.trigger.route;
  return `https://${host}/${[prefix, route].filter(Boolean).join('/')}`;
}

function sleep(ms: number): Promise<void> {
  return new Promise((done) => setTimeout(done, ms));
}

/**
 * Deploys a module to Azure Functions: ensures the resource group, the storage account (with the
 * queues and containers the triggers read), the plan (Flex Consumption FC1 or Consumption Y1) and the
 * function app (Node 20/22, app settings), deploys the zip through Kudu, polls the deployment until it
 * completes, subscribes storage functions to their account's Blob events, and returns the URLs.
 * Options are checked before any call; `dryRun` makes none.
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
  const options: DeployOptions = input.stage === undefined ? input : { ...input, app: `${input.app}-${input.stage}`, stage: undefined };
  const v = validateDeployOptions(options);
  const log = options.progress ?? (() => {});
  const { resourceGroup, location, app, subscriptionId } = options;
  const pkg = await buildFunctionApp({ entry: options.entry, plan: v.plan, functionTimeout: options.functionTimeout, adapter: options.adapter, sourcemap: options.sourcemap === true });
  const settings: Record<string, string> = { ...options.appSettings };
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
  // What the handlers declared in `uses`: their queues and containers live in the app's storage account
  // (the AzureWebJobsStorage connection @onefn/azure/resources reads). Topics need Service Bus, which
  // the driver does not reach: refused here rather than at the first publish.
  const uses = pkg.functions.flatMap((s) => planUses(s.plan).map((u) => ({ fn: s.name, use: u, env: s.plan.settings.env ?? {} })));
  const topicUse = uses.find((u) => u.use.kind === 'topic');
  if (topicUse) throw new DeployOptionError('uses', `${topicUse.fn} publishes to topic ${topicUse.use.name}; @onefn/azure/resources does not reach Service Bus topics yet`);
  const usedName = (u: (typeof uses)[number]): string => u.env[resourceSetting(u.use.kind, u.use.name)] ?? u.use.name;
  const queues = [...new Set([
    ...pkg.functions.flatMap((s) => (s.trigger.kind === 'storageQueue' ? [s.trigger.queueName] : [])),
    ...uses.filter((u) => u.use.kind === 'queue').map(usedName),
  ])];
  const containers = [...new Set([
    ...pkg.functions.flatMap((s) => (s.plan.kind === 'storage' && s.plan.definition.kind === 'storage' ? [s.plan.definition.trigger.bucket] : [])),
    ...uses.filter((u) => u.use.kind === 'bucket').map(usedName),
  ])];
  const packageContainer = `app-package-${app.toLowerCase()}`.slice(0, 63);
  if (v.plan === 'flex') containers.push(packageContainer);
  const subscriptions = pkg.functions.filter((s) => s.trigger.kind === 'eventGrid' && s.plan.kind === 'storage');
  const planName = `${app}-plan`;
  const steps = [
    `ensure resource group ${resourceGroup} in ${location}`,
    `ensure storage account ${v.storageAccount}`,
    ...queues.map((q) => `ensure queue ${q}`),
    ...containers.map((c) => `ensure container ${c}`),
    `ensure ${v.plan === 'flex' ? 'Flex Consumption (FC1)' : 'Consumption (Y1)'} plan ${planName}`,
    `create or update function app ${app} (Node ${v.nodeVersion})`,
    `deploy zip (${pkg.zip.byteLength} bytes, sha256 ${pkg.sha256})`,
    ...subscriptions.map((s) => `subscribe ${s.name} to Blob events of ${v.storageAccount}`),
    `keep the package as the next release of ${app} (container onefn-releases), for rollback`,
  ];
  const ignored = ignoredSettings(v.plan, v.nodeVersion, v.storageAccount, settings);
  const base = { app, resourceGroup, plan: v.plan, sha256: pkg.sha256, bytes: pkg.zip.byteLength, steps, ignoredSettings: ignored, nodeOptions: settings['NODE_OPTIONS'] };
  if (options.sourcemap) log(`${options.dryRun ? 'plan: would set' : 'setting'} app setting NODE_OPTIONS=${settings['NODE_OPTIONS'] ?? ''} (source maps, dist/index.mjs.map in the package)`);
  for (const { name, reason } of ignored) log(`${options.dryRun ? 'plan: ' : ''}app setting ${name} ignored: ${reason}`);
  if (options.dryRun) {
    for (const step of steps) log(`plan: ${step}`);
    return { ...base, dryRun: true, action: 'planned', release: null, functions: pkg.functions.map((s) => ({ name: s.name, kind: s.plan.kind, trigger: s.trigger.kind })) };
  }

  const credential: TokenCredential = options.credential ?? new (await import('@azure/identity')).DefaultAzureCredential();
  const clientOptions = { endpoint: v.armEndpoint, $host: v.armEndpoint, allowInsecureConnection: options.allowInsecureConnection };
  const [{ ResourceManagementClient }, { StorageManagementClient }, { WebSiteManagementClient }] = await Promise.all([
    import('@azure/arm-resources'), import('@azure/arm-storage'), import('@azure/arm-appservice'),
  ]);
  const resources = new ResourceManagementClient(credential, subscriptionId, clientOptions);
  const storage = new StorageManagementClient(credential, subscriptionId, clientOptions);
  const web = new WebSiteManagementClient(credential, subscriptionId, clientOptions);
  if (options.allowInsecureConnection) {
    // The SDK's bearer policy refuses http URLs outright. For a local test server only, it is replaced by
    // one that sends the same token over the loopback connection.
    for (const client of [resources, storage, web]) {
      client.pipeline.removePolicy({ name: 'bearerTokenAuthenticationPolicy' });
      client.pipeline.addPolicy({
        name: 'onefnLoopbackBearer',
        sendRequest: async (request, next) => {
          request.headers.set('authorization', `Bearer ${(await credential.getToken(`${v.armEndpoint}/.default`))?.token ?? ''}`);
          return next(request);
        },
      }, { phase: 'Sign' });
    }
  }
  const step = async <T>(name: string, run: () => Promise<T>): Promise<T> => {
    log(name);
    try {
      return await run();
    } catch (error) {
      if (isCredentialFailure(error)) throw new CredentialsError('Azure', 'az login (or set AZURE_CLIENT_ID, AZURE_TENANT_ID and AZURE_CLIENT_SECRET)', error);
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
  // The key only ever goes into the app's settings, over TLS to ARM; it is never logged or returned.
  const keys = await step('read storage account key', () => storage.storageAccounts.listKeys(resourceGroup, v.storageAccount));
  const key = keys.keys?.[0]?.value;
  if (!key) throw new AzureDeployError('read storage account key', new Error('the account returned no key'));
  const connection = `DefaultEndpointsProtocol=https;AccountName=${v.storageAccount};AccountKey=${key};EndpointSuffix=core.windows.net`;
  // onefn's settings last: a user value for one of them is ignored (and reported above).
  const appSettings: Record<string, string> = { ...settings, ...onefnSettings(v.plan, v.nodeVersion, connection) };
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
      // Merge, so that settings added in the portal (Application Insights, say) survive a redeploy.
      const current = await web.webApps.listApplicationSettings(resourceGroup, app);
      await web.webApps.updateApplicationSettings(resourceGroup, app, { properties: { ...current.properties, ...appSettings } });
      return existing;
    }
    const list = Object.entries(appSettings).map(([name, value]) => ({ name, value }));
    return await web.webApps.createOrUpdate(resourceGroup, app, v.plan === 'flex'
      ? {
          location, tags: { [OWNER_TAG.name]: OWNER_TAG.value }, kind: 'functionapp,linux', serverFarmId: farm.id, reserved: true, httpsOnly: true,
          siteConfig: { appSettings: list },
          functionAppConfig: {
            deployment: { storage: { type: 'blobContainer', value: `${account.primaryEndpoints?.blob ?? `https://${v.storageAccount}.blob.core.windows.net/`}${packageContainer}`, authentication: { type: 'StorageAccountConnectionString', storageAccountConnectionStringName: 'DEPLOYMENT_STORAGE_CONNECTION_STRING' } } },
            runtime: { name: 'node', version: v.nodeVersion },
            scaleAndConcurrency: { maximumInstanceCount: 100, instanceMemoryMB: 2048 },
          },
        }
      : { location, tags: { [OWNER_TAG.name]: OWNER_TAG.value }, kind: 'functionapp,linux', serverFarmId: farm.id, reserved: true, httpsOnly: true, siteConfig: { linuxFxVersion: `Node|${v.nodeVersion}`, appSettings: list } });
  });

  // Zip deploy through Kudu: Flex Consumption takes One Deploy (/api/publish), Consumption /api/zipdeploy.
  // Both answer 202 with a Location to poll; AAD tokens for ARM are accepted by the SCM site.
  const token = async (): Promise<string> => (await credential.getToken(`${v.armEndpoint.startsWith('https://management.azure.com') ? 'https://management.azure.com' : v.armEndpoint}/.default`))?.token ?? '';
  const deployUrl = v.plan === 'flex' ? `${v.scmEndpoint}/api/publish?RemoteBuild=false` : `${v.scmEndpoint}/api/zipdeploy?isAsync=true`;
  const location202 = await step(steps[steps.length - 2 - subscriptions.length] as string, async () => {
    const res = await fetch(deployUrl, { method: 'POST', headers: { authorization: `Bearer ${await token()}`, 'content-type': 'application/zip' }, body: pkg.zip as Uint8Array<ArrayBuffer> });
    if (res.status !== 202 && res.status !== 200) throw Object.assign(new Error((await res.text()).slice(0, 500) || res.statusText), { statusCode: res.status });
    return res.headers.get('location') ?? `${v.scmEndpoint}/api/deployments/latest`;
  });
  await step('wait for the deployment to complete', async () => {
    const started = Date.now();
    for (;;) {
      const res = await fetch(location202, { headers: { authorization: `Bearer ${await token()}` } });
      if (res.status !== 200 && res.status !== 202) throw Object.assign(new Error((await res.text()).slice(0, 500) || res.statusText), { statusCode: res.status });
      const status = (await res.json().catch(() => ({}))) as { status?: number; complete?: boolean; status_text?: string };
      // Kudu deployment status: 3 failed, 4 succeeded (https://github.com/projectkudu/kudu/wiki/REST-API).
      if (status.status === 4 || (status.complete && status.status !== 3)) return;
      if (status.status === 3) throw new KuduError('KUDU_DEPLOYMENT_FAILED', `the deployment failed: ${status.status_text ?? 'see the deployment log in Kudu'}`);
      if (Date.now() - started > v.pollTimeoutMs) throw new KuduError('KUDU_TIMEOUT', `the deployment did not complete in ${v.pollTimeoutMs} ms`);
      log(`deployment in progress (status ${status.status ?? 'unknown'})`);
      await sleep(v.pollIntervalMs);
    }
  });
  for (const spec of subscriptions) {
    const def = spec.plan.kind === 'storage' && spec.plan.definition.kind === 'storage' ? spec.plan.definition : undefined;
    await step(`subscribe ${spec.name} to Blob events of ${v.storageAccount}`, async () => {
      const body = {
        properties: {
          destination: { endpointType: 'AzureFunction', properties: { resourceId: `${site.id}/functions/${spec.name}`, maxEventsPerBatch: 1 } },
          filter: {
            includedEventTypes: (def?.trigger.changes ?? ['created', 'deleted']).map((c) => (c === 'created' ? 'Microsoft.Storage.BlobCreated' : 'Microsoft.Storage.BlobDeleted')),
            subjectBeginsWith: `/blobServices/default/containers/${def?.trigger.bucket ?? ''}/blobs/${def?.trigger.prefix ?? ''}`,
            ...(def?.trigger.suffix ? { subjectEndsWith: def.trigger.suffix } : {}),
          },
          eventDeliverySchema: 'EventGridSchema',
        },
      };
      const res = await fetch(`${v.armEndpoint}${account.id}/providers/Microsoft.EventGrid/eventSubscriptions/${spec.name}?api-version=${EVENT_GRID_API}`, {
        method: 'PUT', headers: { authorization: `Bearer ${await token()}`, 'content-type': 'application/json' }, body: JSON.stringify(body),
      });
      if (res.status >= 300) {
        const err = (await res.json().catch(() => ({}))) as { error?: { message?: string; code?: string } };
        throw Object.assign(new Error(err.error?.message ?? res.statusText), { statusCode: res.status, code: err.error?.code });
      }
    });
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
