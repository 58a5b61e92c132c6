/**
 * `onefn rollback|destroy|logs azure`: the same arguments as on every provider, plus the subscription,
 * resource group and app `deploy` takes. On Azure one function app carries the module's functions, so
 * `--app` (or the config's azure.app) names the app and `<function>` one of its functions; without
 * `--app`, `<function>` names the app, as `deploy --app` did (`onefn rollback azure acme-api`).
 */
import {
  destroyReport, durationOption, flagOption, formatLogLine, intOption, logsReport, rollbackReport, stringOption, UsageError, type CliArgs, type CliIO, type FlagSpec,
} from 'onefn/cli';
import type { LifecycleOptions } from './lifecycle.js';

/**
 * What the command line cannot set: the credential and the endpoints. The shell passes none (the
 * defaults reach Azure); tests pass a loopback server's.
 */
export interface LifecycleOverrides extends Pick<LifecycleOptions, 'credential' | 'armEndpoint' | 'allowInsecureConnection'> {
  scmEndpoint?: string;
  logsEndpoint?: string;
  pollIntervalMs?: number;
}

const opt = stringOption;

// A log line is whatever the function printed: control characters (an ANSI escape that would drive the
// terminal) are shown as \xNN in the text form; the --json form keeps the message as it is.

const pick = (o: LifecycleOverrides): Partial<LifecycleOptions> => ({
  ...(o.credential ? { credential: o.credential } : {}),
  ...(o.armEndpoint ? { armEndpoint: o.armEndpoint } : {}),
  ...(o.allowInsecureConnection ? { allowInsecureConnection: true } : {}),
});

interface Target {
  readonly where: LifecycleOptions;
  /** A function of the app, when `--app` named the app. */
  readonly function: string | undefined;
  readonly stage: string | undefined;
}

function target(args: CliArgs, io: CliIO, command: string, overrides: LifecycleOverrides): Target {
  const flag = opt(args, 'function');
  const positional = args.positionals[0];
  if (flag && positional && flag !== positional) throw new UsageError(`onefn ${command} azure was given two functions (${positional} and --function ${flag}); give one`);
  const named = flag ?? positional;
  const appFlag = opt(args, 'app');
  const app = appFlag ?? named;
  if (!app) throw new UsageError(`onefn ${command} azure needs the function app: onefn ${command} azure <app>, or --app <app> [<function>]`);
  const subscriptionId = opt(args, 'subscription') ?? io.env['AZURE_SUBSCRIPTION_ID'];
  if (!subscriptionId) throw new UsageError('--subscription <id> is required (or azure.subscription in the config, or AZURE_SUBSCRIPTION_ID)');
  const resourceGroup = opt(args, 'resource-group');
  if (!resourceGroup) throw new UsageError('--resource-group <name> is required (or azure.resource-group in the config)');
  const stage = opt(args, 'stage');
  const storageAccount = opt(args, 'storage-account');
  return {
    where: { ...pick(overrides), subscriptionId, resourceGroup, app, ...(stage ? { stage } : {}), ...(storageAccount ? { storageAccount } : {}), progress: (line) => io.stderr(`${line}\n`) },
    // The config's azure.app comes in as --app: `onefn rollback azure acme-api` then still means the app.
    function: appFlag === undefined || named === undefined || named.toLowerCase() === appFlag.toLowerCase() ? undefined : named,
    stage,
  };
}

/** `onefn rollback azure <app> [--to <release>] [--subscription id] [--resource-group rg] [--stage s] [--dry-run] [--json]` */
export async function rollbackCommand(args: CliArgs, io: CliIO, overrides: LifecycleOverrides = {}): Promise<number> {
  const { where, function: fn, stage } = target(args, io, 'rollback', overrides);
  const { rollbackFunctionApp } = await import('./rollback.js');
  const to = opt(args, 'to');
  const dryRun = flagOption(args, 'dry-run');
  // One package serves every function of the app: naming one changes nothing but this line.
  if (fn) io.stderr(`${fn} is one function of ${where.app}${stage ? `-${stage}` : ''}: the whole app rolls back, since one package serves all its functions\n`);
  const r = await rollbackFunctionApp({
    ...where, ...(to !== undefined ? { to } : {}), dryRun,
    ...(overrides.scmEndpoint ? { scmEndpoint: overrides.scmEndpoint } : {}), ...(overrides.pollIntervalMs !== undefined ? { pollIntervalMs: overrides.pollIntervalMs } : {}),
  });
  if (flagOption(args, 'json')) {
    const report = rollbackReport({
      provider: 'azure', stage: stage ?? null, dryRun, function: r.app, from: r.from, to: r.to,
      detail: { app: r.app, resourceGroup: r.resourceGroup, plan: r.plan, package: r.package, sha256: r.sha256, releases: r.releases, unchanged: r.unchanged },
    });
    io.stdout(`${JSON.stringify(report, null, 2)}\n`);
  } else io.stdout(`${r.app}: ${dryRun ? 'would ship' : r.unchanged ? 'already serves' : 'now serves'} release ${r.unchanged ? r.to : `${r.to} (was ${r.from})`}\n`);
  return 0;
}

/** `onefn destroy azure <app> | --app <app> <function> [--subscription id] [--resource-group rg] [--stage s] [--dry-run] [--json]` */
export async function destroyCommand(args: CliArgs, io: CliIO, overrides: LifecycleOverrides = {}): Promise<number> {
  const { where, function: fn, stage } = target(args, io, 'destroy', overrides);
  const { destroyFunctionApp } = await import('./destroy.js');
  const dryRun = flagOption(args, 'dry-run');
  const r = await destroyFunctionApp({ ...where, ...(fn ? { function: fn } : {}), dryRun });
  if (flagOption(args, 'json')) {
    const report = destroyReport({
      provider: 'azure', stage: stage ?? null, dryRun, function: fn ?? r.app, resources: r.resources,
      detail: { app: r.app, resourceGroup: r.resourceGroup, kept: r.kept },
    });
    io.stdout(`${JSON.stringify(report, null, 2)}\n`);
  } else {
    for (const x of r.resources) io.stdout(`${x.action === 'planned' ? 'would delete' : x.action === 'absent' ? 'already gone' : 'deleted'} ${x.kind} ${x.id}\n`);
    if (r.resources.length === 0) io.stdout(`nothing onefn created for ${fn ?? r.app} is left\n`);
    for (const k of r.kept) io.stdout(`kept ${k}\n`);
  }
  return 0;
}

/** `onefn logs azure <app> | --app <app> <function> [--since 15m] [--limit n] [--subscription id] [--resource-group rg] [--stage s] [--json]` */
export async function logsCommand(args: CliArgs, io: CliIO, overrides: LifecycleOverrides = {}): Promise<number> {
  const { where, function: fn, stage } = target(args, io, 'logs', overrides);
  const { functionLogs } = await import('./logs.js');
  const sinceMs = durationOption(args, 'since');
  const limit = intOption(args, 'limit');
  const appInsights = opt(args, 'app-insights');
  const { progress: _, ...quiet } = where;
  const r = await functionLogs({ ...quiet, ...(fn ? { function: fn } : {}), ...(sinceMs !== undefined ? { sinceMs } : {}), ...(limit !== undefined ? { limit } : {}), ...(appInsights ? { appInsights } : {}), ...(overrides.logsEndpoint ? { logsEndpoint: overrides.logsEndpoint } : {}) });
  if (flagOption(args, 'json')) {
    const report = logsReport({ provider: 'azure', stage: stage ?? null, function: fn ?? r.app, lines: r.lines, detail: { app: r.app, resourceGroup: where.resourceGroup, appInsights: r.appInsights, query: r.query } });
    io.stdout(`${JSON.stringify(report, null, 2)}\n`);
  } else for (const line of r.lines) io.stdout(`${formatLogLine(line)}\n`);
  return 0;
}

const SUBSCRIPTION: FlagSpec = { type: 'string', placeholder: 'id', description: 'The subscription (default: the config\'s, else AZURE_SUBSCRIPTION_ID).' };
const RESOURCE_GROUP: FlagSpec = { type: 'string', placeholder: 'name', description: 'The app\'s resource group.' };
const APP: FlagSpec = { type: 'string', placeholder: 'name', description: 'The function app, as deploy --app named it (-<stage> is appended for a stage); then <function> is one of its functions.' };
const FUNCTION: FlagSpec = { type: 'string', placeholder: 'name', description: 'The same as <function>: the app, or with --app one of its functions.' };
const STORAGE: FlagSpec = { type: 'string', placeholder: 'name', description: 'The app\'s storage account, if deploy was given one (default: from the app name).' };

/** The flags of the three commands, for the `azure` commands table. */
export const LIFECYCLE_FLAGS = {
  rollback: {
    function: FUNCTION, app: APP,
    to: { type: 'string', placeholder: 'release', description: 'The kept release to ship (default: the one before the release serving).' },
    subscription: SUBSCRIPTION, 'resource-group': RESOURCE_GROUP, 'storage-account': STORAGE,
  },
  destroy: { function: FUNCTION, app: APP, subscription: SUBSCRIPTION, 'resource-group': RESOURCE_GROUP, 'storage-account': STORAGE },
  logs: {
    function: FUNCTION, app: APP,
    since: { type: 'string', placeholder: 'duration', description: 'How far back: 30s, 15m, 2h, 1d (default 1h).' },
    limit: { type: 'string', placeholder: 'n', description: 'The most lines, the newest ones (default 100, at most 10000).' },
    'app-insights': { type: 'string', placeholder: 'resource id', description: 'The Application Insights component (default: the one the app\'s connection string names).' },
    subscription: SUBSCRIPTION, 'resource-group': RESOURCE_GROUP,
  },
} satisfies Record<string, Record<string, FlagSpec>>;
