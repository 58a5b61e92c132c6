import type { TokenCredential } from '@azure/identity';
import { DeployOptionError } from 'onefn/build';
import type { AzureOptions } from '../options.js';
import type { AzurePlan } from './build.js';
import { checkServiceBusNamespace } from './service-bus.js';

export interface DeployOptions {
  /** The module whose definitions become the app's functions. */
  entry: string;
  /** Required, except in a dry run, which shows it as `<subscription>` when unknown. */
  subscriptionId?: string;
  /** Required, except in a dry run (`<resource-group>`). */
  resourceGroup?: string;
  /** Azure region, e.g. `westeurope`. Required, except in a dry run (`<location>`). */
  location?: string;
  /** The function app's name: 2-60 letters, digits and hyphens; its host is `<app>.azurewebsites.net`. Required, except in a dry run (`<app>`). */
  app?: string;
  /** Default: the app name without hyphens, lower-cased, cut to 24 characters. */
  storageAccount?: string;
  /** Default `flex` (Flex Consumption); `consumption` is the Linux Consumption plan. */
  plan?: AzurePlan;
  /** Node.js major version. Default `22`, as on every provider. */
  nodeVersion?: '20' | '22';
  /** Seconds; see `buildFunctionApp`. */
  functionTimeout?: number;
  /** Extra app settings (a Service Bus connection string, say). Values are never printed. */
  appSettings?: Readonly<Record<string, string>>;
  adapter?: Omit<AzureOptions, 'functionTimeout'>;
  /** A stage name (`prod`): appended to the app's name (`acme-api-prod`), and so to its storage account's and plan's, so stages never collide. */
  stage?: string;
  /**
   * How the app's code reaches the queues and containers its functions declared in `uses`. `identity`
   * (the default): the app's system-assigned managed identity, granted exactly the data roles each use
   * needs on exactly that queue or container, with `ONEFN_STORAGE__*` settings that hold no key.
   * `key`: the account's connection string in `AzureWebJobsStorage`, for deployers who may not assign
   * roles (that needs Owner, User Access Administrator or Role Based Access Control Administrator).
   */
  storageAuth?: 'identity' | 'key';
  /**
   * The Service Bus namespace (its name, `acme-bus`) of the app's topics, and of its queues with
   * `adapter.messaging: 'serviceBus'`. Deploy looks it up (it never creates one), ensures the queues,
   * topics and subscriptions the functions read and declared in `uses`, writes the keyless
   * `<connection>__fullyQualifiedNamespace` settings, and grants the app's managed identity Data Sender
   * or Data Receiver on exactly each entity. Needed when the app reaches Service Bus, unless every
   * connection setting it reads is given as a connection string in `appSettings` (then onefn creates
   * and grants nothing there). A dry run without it shows `<service-bus>`.
   */
  serviceBus?: string;
  /** The namespace's resource group. Default: `resourceGroup`. */
  serviceBusResourceGroup?: string;
  /** Ship `dist/index.mjs.map` in the package and run the app with `NODE_OPTIONS=--enable-source-maps` (an app setting). */
  sourcemap?: boolean;
  /** Plan only: build, validate and list the steps without calling Azure (and without credentials). */
  dryRun?: boolean;
  /** Default: DefaultAzureCredential. */
  credential?: TokenCredential;
  /** ARM endpoint. Default `https://management.azure.com`. */
  armEndpoint?: string;
  /** The Kudu (SCM) base URL. Default `https://<app>.scm.azurewebsites.net`. */
  scmEndpoint?: string;
  /** Lets tests use http:// loopback endpoints. */
  allowInsecureConnection?: boolean;
  /** Deployment status polling interval in ms. Default 2000. */
  pollIntervalMs?: number;
  /** Gives up polling after this many ms. Default 600 000. */
  pollTimeoutMs?: number;
  progress?: (line: string) => void;
}

const KEYS = ['entry', 'subscriptionId', 'resourceGroup', 'location', 'app', 'storageAccount', 'plan', 'nodeVersion', 'functionTimeout', 'appSettings', 'adapter', 'stage', 'sourcemap', 'storageAuth', 'serviceBus', 'serviceBusResourceGroup', 'dryRun', 'credential', 'armEndpoint', 'scmEndpoint', 'allowInsecureConnection', 'pollIntervalMs', 'pollTimeoutMs', 'progress'];

function need(option: string, value: unknown, pattern: RegExp, what: string): string {
  if (typeof value !== 'string' || !pattern.test(value)) throw new DeployOptionError(option, `must be ${what}, got ${JSON.stringify(value)}`);
  return value;
}

/** What a dry run cannot know without an account or flags, in the order they are reported. */
export type DeployUnknown = 'subscription' | 'resourceGroup' | 'location' | 'app' | 'serviceBus';

/** The checked options: defaults filled in, and placeholders (`<app>`) for what a dry run does not know. */
export interface CheckedDeployOptions {
  subscriptionId: string;
  resourceGroup: string;
  location: string;
  app: string;
  storageAccount: string;
  plan: AzurePlan;
  nodeVersion: '20' | '22';
  storageAuth: 'identity' | 'key';
  /** The namespace, when given. */
  serviceBus: string | undefined;
  /** Its resource group: the option, else `resourceGroup`. */
  serviceBusResourceGroup: string;
  armEndpoint: string;
  scmEndpoint: string;
  pollIntervalMs: number;
  pollTimeoutMs: number;
  /** Empty unless a dry run lacked some of them. */
  unknowns: DeployUnknown[];
}

/**
 * Checks every option before any call; each error names its option. A dry run may leave the
 * subscription, resource group, location and app out: they become placeholders and are listed in
 * `unknowns`, so that the plan shows everything else.
 */
export function validateDeployOptions(options: DeployOptions): CheckedDeployOptions {
  if (typeof options !== 'object' || options === null) throw new DeployOptionError('options', 'must be an object');
  for (const key of Object.keys(options)) if (!KEYS.includes(key)) throw new DeployOptionError(key, `unknown deploy option; known options: ${KEYS.join(', ')}`);
  need('entry', options.entry, /./, 'a module path');
  if (options.sourcemap !== undefined && typeof options.sourcemap !== 'boolean') throw new DeployOptionError('sourcemap', `must be true or false, got ${JSON.stringify(options.sourcemap)}`);
  if (options.dryRun !== undefined && typeof options.dryRun !== 'boolean') throw new DeployOptionError('dryRun', `must be true or false, got ${JSON.stringify(options.dryRun)}`);
  const unknowns: DeployUnknown[] = [];
  // Absent (or empty, as a CLI passes a missing flag) in a dry run: a placeholder; otherwise checked.
  const known = (option: string, unknown: DeployUnknown, value: unknown, pattern: RegExp, what: string, placeholder: string): string => {
    if (options.dryRun === true && (value === undefined || value === '')) {
      unknowns.push(unknown);
      return placeholder;
    }
    return need(option, value, pattern, what);
  };
  const subscriptionId = known('subscriptionId', 'subscription', options.subscriptionId, /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/, 'a subscription id (a GUID)', '<subscription>');
  const resourceGroup = known('resourceGroup', 'resourceGroup', options.resourceGroup, /^[-\w._()]{1,90}$/, 'a resource group name (1-90 letters, digits, -_.())', '<resource-group>');
  const location = known('location', 'location', options.location, /^[a-z0-9]+$/, 'a region name such as westeurope', '<location>');
  if (options.stage !== undefined) need('stage', options.stage, /^[a-z][a-z0-9]{0,15}$/, '1-16 lower-case letters and digits, starting with a letter');
  const app = known('app', 'app', options.app, /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,58}[A-Za-z0-9])?$/, 'an app name (2-60 letters, digits and hyphens)', '<app>');
  const appKnown = !unknowns.includes('app');
  const storageAccount = options.storageAccount ?? (appKnown ? app.replace(/-/g, '').toLowerCase().slice(0, 24).padEnd(3, '0') : '<storage-account>');
  if (options.storageAccount !== undefined || appKnown) need('storageAccount', storageAccount, /^[a-z0-9]{3,24}$/, 'a storage account name (3-24 lower-case letters and digits)');
  const storageAuth = options.storageAuth ?? 'identity';
  if (storageAuth !== 'identity' && storageAuth !== 'key') throw new DeployOptionError('storageAuth', `must be identity or key, got ${JSON.stringify(storageAuth)}`);
  // Empty, as a CLI passes a missing flag, is absent.
  const serviceBus = options.serviceBus === undefined || options.serviceBus === '' ? undefined : checkServiceBusNamespace(options.serviceBus);
  const serviceBusResourceGroup = options.serviceBusResourceGroup === undefined || options.serviceBusResourceGroup === ''
    ? resourceGroup
    : need('serviceBusResourceGroup', options.serviceBusResourceGroup, /^[-\w._()]{1,90}$/, 'a resource group name (1-90 letters, digits, -_.())');
  const plan = options.plan ?? 'flex';
  if (plan !== 'flex' && plan !== 'consumption') throw new DeployOptionError('plan', `must be flex or consumption, got ${JSON.stringify(plan)}`);
  const nodeVersion = options.nodeVersion ?? '22';
  if (nodeVersion !== '20' && nodeVersion !== '22') throw new DeployOptionError('nodeVersion', `must be "20" or "22", got ${JSON.stringify(nodeVersion)}`);
  for (const [k, v] of Object.entries(options.appSettings ?? {})) {
    if (!/^[A-Za-z_][A-Za-z0-9_:.-]*$/.test(k) || k === '__proto__' || typeof v !== 'string') throw new DeployOptionError('appSettings', `setting ${JSON.stringify(k)} must be a name with a string value`);
  }
  const url = (option: string, value: string | undefined, fallback: string): string => {
    const text = value ?? fallback;
    let parsed: URL;
    try {
      parsed = new URL(text);
    } catch {
      throw new DeployOptionError(option, `must be a URL, got ${JSON.stringify(text)}`);
    }
    if (parsed.protocol !== 'https:' && !options.allowInsecureConnection) throw new DeployOptionError(option, 'must use https (set allowInsecureConnection for a local test server)');
    return text.replace(/\/+$/, '');
  };
  const positive = (option: string, value: number | undefined, fallback: number): number => {
    const n = value ?? fallback;
    if (!Number.isFinite(n) || n < 0) throw new DeployOptionError(option, `must be a non-negative number of milliseconds, got ${JSON.stringify(value)}`);
    return n;
  };
  return {
    subscriptionId,
    resourceGroup,
    location,
    app,
    storageAccount,
    plan,
    nodeVersion,
    storageAuth,
    serviceBus,
    serviceBusResourceGroup,
    unknowns,
    armEndpoint: url('armEndpoint', options.armEndpoint, 'https://management.azure.com'),
    scmEndpoint: url('scmEndpoint', options.scmEndpoint, appKnown ? `https://${app.toLowerCase()}.scm.azurewebsites.net` : 'https://app.scm.azurewebsites.net'),
    pollIntervalMs: positive('pollIntervalMs', options.pollIntervalMs, 2000),
    pollTimeoutMs: positive('pollTimeoutMs', options.pollTimeoutMs, 600_000),
  };
}
