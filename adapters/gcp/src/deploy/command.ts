import { resolve } from 'node:path';
import type { CliArgs, CliIO } from 'onefn/cli';
import { deploy } from './deploy.js';
import type { DeployOptions, Runtime } from './options.js';

function opt(args: CliArgs, name: string): string | undefined {
  const v = args.options[name];
  if (v === true) throw new Error(`--${name} needs a value`);
  return v === undefined ? undefined : String(v);
}

function num(args: CliArgs, name: string): number | undefined {
  const v = opt(args, name);
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isFinite(n)) throw new Error(`--${name} must be a number, got ${JSON.stringify(v)}`);
  return n;
}

/**
 * `onefn deploy gcp <entry> --project P --region R [--runtime nodejs22] [--memory MB] [--timeout s]
 * [--max-instances N] [--service-account EMAIL] [--env K=V,...] [--dry-run] [--json]`. Progress goes
 * to stderr; the result (URLs) to stdout, as JSON with `--json`.
 */
export async function deployCommand(args: CliArgs, io: CliIO): Promise<number> {
  const entry = args.positionals[0];
  if (!entry) throw new Error('an entry module is required, e.g. onefn deploy gcp src/api.ts --project my-project --region europe-west1');
  const env: Record<string, string> = {};
  for (const pair of (opt(args, 'env') ?? '').split(',').filter(Boolean)) {
    const eq = pair.indexOf('=');
    if (eq < 1) throw new Error(`--env takes NAME=value pairs separated by commas, got ${JSON.stringify(pair)}`);
    env[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  const options: DeployOptions = {
    entry: resolve(io.cwd, entry),
    project: opt(args, 'project') ?? io.env['GOOGLE_CLOUD_PROJECT'] ?? '',
    region: opt(args, 'region') ?? io.env['GOOGLE_CLOUD_REGION'] ?? '',
    dryRun: args.options['dry-run'] === true,
    onProgress: (line) => io.stderr(line + '\n'),
  };
  const runtime = opt(args, 'runtime');
  if (runtime) options.runtime = runtime as Runtime;
  const memory = num(args, 'memory');
  if (memory !== undefined) options.memory = memory;
  const timeout = num(args, 'timeout');
  if (timeout !== undefined) options.timeout = timeout;
  const max = num(args, 'max-instances');
  if (max !== undefined) options.maxInstances = max;
  const sa = opt(args, 'service-account');
  if (sa) options.serviceAccount = sa;
  const routed = opt(args, 'routed-name');
  if (routed) options.routedName = routed;
  if (Object.keys(env).length) options.env = env;
  const result = await deploy(options);
  if (args.options['json'] === true) io.stdout(JSON.stringify(result, null, 2) + '\n');
  else for (const f of result.functions) io.stdout(`${f.name}: ${f.action}${f.url ? ` ${f.url}` : ''} (${f.trigger})\n`);
  return 0;
}
