/**
 * `@onefn/azure/cli`: the `azure` commands of `onefn`: `invoke`, `build` and `deploy`.
 *
 * @example
 * // onefn invoke azure src/api.ts --event get.json
 * // onefn build azure src/api.ts --out out/azure
 * // onefn deploy azure src/api.ts --subscription <id> --resource-group rg --location westeurope --app my-app
 */
import { resolve } from 'node:path';
import { OnefnError } from 'onefn';
import type { CliArgs, ProviderCli, ProviderCommand } from 'onefn/cli';

function option(args: CliArgs, name: string): string | undefined {
  const v = args.options[name];
  return typeof v === 'string' ? v : undefined;
}

/** Bad input and typed errors are one line on stderr and exit code 1; nothing else is printed. */
function guarded(run: ProviderCommand): ProviderCommand {
  return async (args, io) => {
    try {
      return await run(args, io);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      io.stderr(`onefn: ${error instanceof OnefnError || error instanceof Error ? message.split('\n')[0] : message}\n`);
      return 1;
    }
  };
}

const invoke: ProviderCommand = async (args, io) => (await import('./cli/invoke.js')).invoke(args, io);

const build: ProviderCommand = async (args, io) => {
  const entry = args.positionals[0];
  const out = option(args, 'out');
  if (!entry) throw new Error('onefn build azure needs an entry module');
  if (!out) throw new Error('--out <dir> is required');
  const { buildFunctionApp, writeFunctionApp } = await import('./deploy/build.js');
  const timeout = option(args, 'function-timeout');
  const pkg = await buildFunctionApp({
    entry: resolve(io.cwd, entry),
    plan: (option(args, 'plan') ?? 'flex') as 'flex',
    functionTimeout: timeout === undefined ? undefined : Number(timeout),
  });
  const files = await writeFunctionApp(pkg, resolve(io.cwd, out));
  const summary = { out, sha256: pkg.sha256, functionTimeout: pkg.functionTimeout, functions: pkg.functions.map((f) => ({ name: f.name, trigger: f.trigger })), files };
  if (args.options['json'] === true) io.stdout(JSON.stringify(summary, null, 2) + '\n');
  else {
    io.stdout(`Built ${pkg.functions.length} function(s) into ${out} (zip sha256 ${pkg.sha256})\n`);
    for (const f of pkg.functions) io.stdout(`  ${f.name}: ${f.trigger.kind}\n`);
  }
  return 0;
};

/**
 * `onefn deploy azure <entry> --subscription <id> --resource-group <rg> --location <region> --app <name>
 * [--storage-account <name>] [--plan flex|consumption] [--node 20|22] [--function-timeout <s>]
 * [--messaging storageQueue|serviceBus] [--dry-run] [--json]`. The subscription may come from
 * AZURE_SUBSCRIPTION_ID. Progress goes to stderr; the result (no secrets) to stdout.
 */
const deploy: ProviderCommand = async (args, io) => {
  const entry = args.positionals[0];
  if (!entry) throw new Error('onefn deploy azure needs an entry module');
  const { deployFunctionApp } = await import('./deploy/deploy.js');
  const timeout = option(args, 'function-timeout');
  const messaging = option(args, 'messaging');
  const json = args.options['json'] === true;
  const subscriptionId = option(args, 'subscription') ?? io.env['AZURE_SUBSCRIPTION_ID'];
  // Named by its flag here; the deploy helper's own check names the API option.
  if (!subscriptionId) throw new Error('--subscription <id> is required (or set AZURE_SUBSCRIPTION_ID)');
  const result = await deployFunctionApp({
    entry: resolve(io.cwd, entry),
    subscriptionId,
    resourceGroup: option(args, 'resource-group') ?? '',
    location: option(args, 'location') ?? '',
    app: option(args, 'app') ?? '',
    ...(option(args, 'storage-account') ? { storageAccount: option(args, 'storage-account') } : {}),
    plan: (option(args, 'plan') ?? 'flex') as 'flex',
    nodeVersion: (option(args, 'node') ?? '20') as '20',
    ...(timeout === undefined ? {} : { functionTimeout: Number(timeout) }),
    ...(messaging ? { adapter: { messaging: messaging as 'serviceBus' } } : {}),
    dryRun: args.options['dry-run'] === true,
    progress: (line) => io.stderr(`${line}\n`),
  });
  if (json) io.stdout(JSON.stringify(result, null, 2) + '\n');
  else {
    io.stdout(`${result.dryRun ? 'Planned' : 'Deployed'} ${result.app} (${result.plan}):\n`);
    for (const f of result.functions) io.stdout(`  ${f.name} (${f.trigger})${f.url ? ` ${f.url}` : ''}\n`);
  }
  return 0;
};

export const cli: ProviderCli = { provider: 'azure', commands: { invoke: guarded(invoke), build: guarded(build), deploy: guarded(deploy) } };
