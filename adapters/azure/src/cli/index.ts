/**
 * `@onefn/azure/cli`: the `azure` commands of `onefn`: `invoke`, `build`, `deploy`, `rollback`,
 * `destroy` and `logs`.
 *
 * @example
 * // onefn invoke azure src/api.ts --event get.json
 * // onefn build azure src/api.ts --out out/azure
 * // onefn deploy azure src/api.ts --subscription <id> --resource-group rg --location westeurope --app my-app
 * // onefn rollback azure my-app --resource-group rg [--to 3] [--dry-run]
 * // onefn destroy azure my-app --resource-group rg --dry-run
 * // onefn logs azure hello --app my-app --resource-group rg --since 15m
 */
import { resolve } from 'node:path';
import type { DeployResult } from '../deploy/deploy.js';
import { destroyCommand, LIFECYCLE_FLAGS, logsCommand, rollbackCommand } from '../deploy/lifecycle-command.js';
import { base64ToHex, commandReport, flagOption, intOption, stringOption, UsageError, type CliArgs, type CliIO, type CommandReport, type CommandSpec, type FlagSpec, type ProviderCli } from 'onefn/cli';
import { optionalPackages } from '../packages.js';

const option = stringOption;

function entryOf(args: CliArgs, io: CliIO, command: string): string {
  const entry = args.positionals[0];
  if (!entry) throw new UsageError(`onefn ${command} azure needs an entry module (or "entry" in the config)`);
  return resolve(io.cwd, entry);
}

function oneOf<T extends string>(args: CliArgs, name: string, allowed: readonly T[]): T | undefined {
  const value = option(args, name);
  if (value !== undefined && !(allowed as readonly string[]).includes(value)) throw new UsageError(`--${name} must be one of ${allowed.join(', ')}, got ${JSON.stringify(value.slice(0, 40))}`);
  return value as T | undefined;
}

const invoke = async (args: CliArgs, io: CliIO): Promise<number> => (await import('./invoke.js')).invoke(args, io);

/** `onefn build azure <entry> [--out <dir>] [--plan flex|consumption] [--function-timeout <s>] [--json]` */
async function build(args: CliArgs, io: CliIO): Promise<number> {
  const entry = entryOf(args, io, 'build');
  const out = option(args, 'out') ?? 'dist/azure';
  const { buildFunctionApp, writeFunctionApp } = await import('../deploy/build.js');
  const plan = oneOf(args, 'plan', ['flex', 'consumption'] as const) ?? 'flex';
  const messaging = oneOf(args, 'messaging', ['storageQueue', 'serviceBus'] as const);
  const sourcemap = flagOption(args, 'sourcemap');
  const pkg = await buildFunctionApp({ entry, plan, functionTimeout: intOption(args, 'function-timeout'), ...(messaging ? { adapter: { messaging } } : {}), sourcemap });
  // With a map, the app must run with Node's source-map support: `deploy --sourcemap` sets it.
  const nodeOptions = sourcemap ? (await import('onefn/build')).SOURCE_MAP_NODE_OPTIONS : null;
  const dir = resolve(io.cwd, out);
  const files = await writeFunctionApp(pkg, dir);
  if (flagOption(args, 'json')) {
    const report = commandReport({
      command: 'build',
      provider: 'azure',
      stage: option(args, 'stage') ?? null,
      dryRun: true,
      functions: pkg.functions.map((f) => ({ name: f.name, kind: f.plan.kind, action: 'built', trigger: null, url: null, detail: { binding: f.trigger.kind, sourcemap, nodeOptions } })),
      artifacts: [{ path: dir, bytes: pkg.zip.byteLength, sha256: base64ToHex(pkg.sha256), functions: pkg.functions.map((f) => f.name) }],
      detail: { plan, functionTimeout: pkg.functionTimeout, files },
    });
    io.stdout(JSON.stringify(report, null, 2) + '\n');
  } else {
    io.stdout(`Built ${pkg.functions.length} function(s) into ${out} (zip sha256 ${pkg.sha256}${nodeOptions ? `; dist/index.mjs.map inside, run with NODE_OPTIONS=${nodeOptions}` : ''})\n`);
    for (const f of pkg.functions) io.stdout(`  ${f.name}: ${f.trigger.kind}\n`);
  }
  return 0;
}

/** A deploy's result in the one `--json` shape every provider prints. */
export function deployReport(result: DeployResult, stage: string | undefined): CommandReport {
  return commandReport({
    command: 'deploy',
    provider: 'azure',
    stage: stage ?? null,
    dryRun: result.dryRun,
    functions: result.functions.map((f) => ({ name: f.name, kind: f.kind, action: result.action, trigger: f.trigger, url: f.url ?? null, detail: { binding: f.trigger, nodeOptions: result.nodeOptions ?? null } })),
    artifacts: [{ path: null, bytes: result.bytes, sha256: base64ToHex(result.sha256), functions: result.functions.map((f) => f.name) }],
    detail: {
      app: result.app, resourceGroup: result.resourceGroup, plan: result.plan, release: result.release, steps: result.steps, ignoredSettings: result.ignoredSettings,
      storageAuth: result.storageAuth, roleAssignments: result.roleAssignments, appSettings: result.appSettings, unknowns: result.unknowns, serviceBus: result.serviceBus,
    },
  });
}

/**
 * `onefn deploy azure <entry> --subscription <id> --resource-group <rg> --location <region> --app <name>
 * [--storage-account <name>] [--plan flex|consumption] [--node 20|22] [--function-timeout <s>]
 * [--messaging storageQueue|serviceBus] [--service-bus <namespace>] [--service-bus-resource-group <rg>]
 * [--storage-auth identity|key] [--stage <name>] [--dry-run] [--json]`.
 * The subscription may come from AZURE_SUBSCRIPTION_ID. A dry run needs none of the location flags:
 * what they would say is shown as `<placeholders>`. Progress goes to stderr; the result (no secrets) to stdout.
 */
async function deploy(args: CliArgs, io: CliIO): Promise<number> {
  const entry = entryOf(args, io, 'deploy');
  const { deployFunctionApp } = await import('../deploy/deploy.js');
  const timeout = intOption(args, 'function-timeout');
  const messaging = oneOf(args, 'messaging', ['storageQueue', 'serviceBus'] as const);
  const node = oneOf(args, 'node', ['20', '22'] as const);
  const stage = option(args, 'stage');
  const subscriptionId = option(args, 'subscription') ?? io.env['AZURE_SUBSCRIPTION_ID'];
  const dryRun = flagOption(args, 'dry-run');
  // Named by its flag here; the deploy helper's own check names the API option. A dry run shows it as unknown.
  if (!subscriptionId && !dryRun) throw new UsageError('--subscription <id> is required (or azure.subscription in the config, or AZURE_SUBSCRIPTION_ID)');
  const storageAuth = oneOf(args, 'storage-auth', ['identity', 'key'] as const);
  const result = await deployFunctionApp({
    entry,
    ...(subscriptionId ? { subscriptionId } : {}),
    resourceGroup: option(args, 'resource-group') ?? '',
    location: option(args, 'location') ?? '',
    app: option(args, 'app') ?? '',
    ...(storageAuth ? { storageAuth } : {}),
    ...(option(args, 'service-bus') ? { serviceBus: option(args, 'service-bus') } : {}),
    ...(option(args, 'service-bus-resource-group') ? { serviceBusResourceGroup: option(args, 'service-bus-resource-group') } : {}),
    ...(option(args, 'storage-account') ? { storageAccount: option(args, 'storage-account') } : {}),
    plan: oneOf(args, 'plan', ['flex', 'consumption'] as const) ?? 'flex',
    ...(node ? { nodeVersion: node } : {}),
    ...(timeout === undefined ? {} : { functionTimeout: timeout }),
    ...(messaging ? { adapter: { messaging } } : {}),
    ...(stage ? { stage } : {}),
    ...(flagOption(args, 'sourcemap') ? { sourcemap: true } : {}),
    dryRun,
    progress: (line) => io.stderr(`${line}\n`),
  });
  if (flagOption(args, 'json')) {
    const report = deployReport(result, stage);
    io.stdout(JSON.stringify(report, null, 2) + '\n');
  } else {
    io.stdout(`${result.dryRun ? 'Planned' : 'Deployed'} ${result.app} (${result.plan}):\n`);
    for (const f of result.functions) io.stdout(`  ${f.name} (${f.trigger})${f.url ? ` ${f.url}` : ''}\n`);
  }
  return 0;
}

const PLAN: FlagSpec = { type: 'string', placeholder: 'flex|consumption', description: 'The hosting plan: Flex Consumption (default) or Consumption.' };
const TIMEOUT: FlagSpec = { type: 'string', placeholder: 'seconds', description: 'host.json functionTimeout (default: the longest definition timeout, else the plan\'s).' };
const MESSAGING: FlagSpec = { type: 'string', placeholder: 'storageQueue|serviceBus', description: 'What queues and topics bind to (default storageQueue).' };

const commands: Record<string, CommandSpec> = {
  invoke: {
    summary: 'Register the module with @azure/functions, invoke the function the event fits, and print the result as JSON.',
    usage: '<entry>',
    maxPositionals: 1,
    flags: {
      event: { type: 'string', placeholder: 'file.json', description: 'One of {http}, {queue}, {serviceBus}, {timer}, {eventGrid}, {blob}, or a host payload {Data, Metadata}.' },
      function: { type: 'string', placeholder: 'name', description: 'The function to run (default: the one the event fits).' },
    },
    run: invoke,
  },
  build: {
    summary: 'Write the function app: host.json, package.json and the bundled entry, and its deploy zip.',
    usage: '<entry>',
    maxPositionals: 1,
    flags: { out: { type: 'string', placeholder: 'dir', description: 'Where the app goes (default dist/azure).' }, plan: PLAN, 'function-timeout': TIMEOUT, messaging: MESSAGING },
    run: build,
  },
  deploy: {
    summary: 'Ensure the resource group, storage, plan and function app; deploy the zip; subscribe storage functions to Blob events.',
    usage: '<entry>',
    maxPositionals: 1,
    flags: {
      subscription: { type: 'string', placeholder: 'id', description: 'The subscription (default: the config\'s, else AZURE_SUBSCRIPTION_ID).' },
      'resource-group': { type: 'string', placeholder: 'name', description: 'The resource group (created if missing).' },
      location: { type: 'string', placeholder: 'region', description: 'The region, e.g. westeurope.' },
      app: { type: 'string', placeholder: 'name', description: 'The function app\'s name (-<stage> is appended for a stage).' },
      'storage-account': { type: 'string', placeholder: 'name', description: 'The storage account (default: from the app name).' },
      plan: PLAN,
      node: { type: 'string', placeholder: '20|22', description: 'The Node.js major version (default 22).' },
      'function-timeout': TIMEOUT,
      messaging: MESSAGING,
      'storage-auth': { type: 'string', placeholder: 'identity|key', description: 'How the code reaches the queues and containers it uses: the app\'s managed identity with per-resource roles (default), or the account key.' },
      'service-bus': { type: 'string', placeholder: 'namespace', description: 'The Service Bus namespace of the app\'s topics (and queues with --messaging serviceBus): its queues, topics and subscriptions are ensured, and the app\'s identity gets Data Sender/Receiver on each.' },
      'service-bus-resource-group': { type: 'string', placeholder: 'name', description: 'The namespace\'s resource group (default: --resource-group).' },
    },
    run: deploy,
  },
  rollback: {
    summary: 'Ship the app\'s previous kept release again (or --to one); one package serves all its functions.',
    usage: '[<app>]',
    maxPositionals: 1,
    flags: LIFECYCLE_FLAGS.rollback,
    run: rollbackCommand,
  },
  destroy: {
    summary: 'Remove what onefn created for the app (or, with --app, for one function), and nothing else; --dry-run shows the plan.',
    usage: '[<app> | --app <app> <function>]',
    maxPositionals: 1,
    flags: LIFECYCLE_FLAGS.destroy,
    run: destroyCommand,
  },
  logs: {
    summary: 'Print the recent log lines of the app (or, with --app, of one function) from Application Insights.',
    usage: '[<app> | --app <app> <function>]',
    maxPositionals: 1,
    flags: LIFECYCLE_FLAGS.logs,
    run: logsCommand,
  },
};

export const cli: ProviderCli = { provider: 'azure', commands, packages: optionalPackages() };
