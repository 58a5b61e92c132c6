import { resolve } from 'node:path';
import { base64ToHex, commandReport, flagOption, stringOption, UsageError, type CliArgs, type CliIO, type CommandReport } from 'onefn/cli';
import { deploy, type DeployResult } from './deploy.js';
import type { DeployOptions, Runtime } from './options.js';

const opt = stringOption;

function num(args: CliArgs, name: string): number | undefined {
  const v = opt(args, name);
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!/^\d{1,15}$/.test(v)) throw new UsageError(`--${name} must be a whole number, got ${JSON.stringify(v.slice(0, 40))}`);
  return n;
}

/** A deploy's result in the one `--json` shape every provider prints. */
export function deployReport(result: DeployResult, where: { stage: string | undefined }): CommandReport {
  return commandReport({
    command: 'deploy',
    provider: 'gcp',
    stage: where.stage ?? null,
    dryRun: result.dryRun,
    functions: result.functions.map((f) => ({ name: f.name, kind: f.kind, action: f.action, trigger: f.trigger, url: f.url ?? null, detail: { entryPoint: f.entryPoint, ignoredEnv: f.ignoredEnv, nodeOptions: f.nodeOptions ?? null } })),
    artifacts: [{ path: null, bytes: result.bytes, sha256: base64ToHex(result.sha256), functions: result.functions.map((f) => f.entryPoint) }],
    // What a plan could not know is null here and named in `unknown` (the text plan prints the marks).
    detail: {
      project: result.unknown.includes('project') ? null : result.project,
      region: result.unknown.includes('region') ? null : result.region,
      unknown: [...result.unknown],
      resources: result.resources.map((r) => ({ kind: r.kind, name: r.name, action: r.action, location: r.location ?? null, functions: [...r.functions] })),
    },
  });
}

/**
 * `onefn deploy gcp <entry> --project P --region R [--runtime nodejs22] [--memory MB] [--timeout s]
 * [--max-instances N] [--service-account EMAIL] [--env K=V,...] [--dry-run] [--json]`. Progress goes
 * to stderr; the result (URLs) to stdout, as JSON with `--json`.
 */
export async function deployCommand(args: CliArgs, io: CliIO): Promise<number> {
  const entry = args.positionals[0];
  if (!entry) throw new UsageError('onefn deploy gcp needs an entry module (or "entry" in the config)');
  const env: Record<string, string> = {};
  for (const pair of (opt(args, 'env') ?? '').split(',').filter(Boolean)) {
    const eq = pair.indexOf('=');
    if (eq < 1) throw new UsageError(`--env takes NAME=value pairs separated by commas, got ${JSON.stringify(pair)}`);
    env[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  const options: DeployOptions = {
    entry: resolve(io.cwd, entry),
    // Either may stay unknown for --dry-run (the plan marks it); a deploy refuses without them.
    project: opt(args, 'project') ?? io.env['GOOGLE_CLOUD_PROJECT'] ?? '',
    region: opt(args, 'region') ?? io.env['GOOGLE_CLOUD_REGION'] ?? '',
    dryRun: flagOption(args, 'dry-run'),
    ...(flagOption(args, 'sourcemap') ? { sourcemap: true } : {}),
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
  const stage = opt(args, 'stage');
  if (stage) options.stage = stage;
  const result = await deploy(options);
  if (flagOption(args, 'json')) {
    const report = deployReport(result, { stage });
    io.stdout(JSON.stringify(report, null, 2) + '\n');
  }
  else {
    for (const f of result.functions) io.stdout(`${f.name}: ${f.action}${f.url ? ` ${f.url}` : ''} (${f.trigger})\n`);
    for (const r of result.resources) io.stdout(`${r.kind} ${r.name}: ${r.action === 'planned' ? 'created if missing' : r.action}\n`);
  }
  return 0;
}
