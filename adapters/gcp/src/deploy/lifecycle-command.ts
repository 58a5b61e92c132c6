/**
 * `onefn rollback|destroy|logs gcp <function>`: the same arguments as on every provider, plus the
 * project and region `deploy` takes. The function is named as in the module (`api`); with `--stage`
 * the deployed id is `api-<stage>`, as `deploy` names it.
 */
import {
  destroyReport, durationOption, flagOption, formatLogLine, intOption, logsReport, rollbackReport, stringOption, UsageError, type CliArgs, type CliIO, type FlagSpec,
} from 'onefn/cli';
import type { LifecycleEndpoints, LifecycleOptions } from './lifecycle.js';

const opt = stringOption;

// A log line is whatever the function printed: control characters (an ANSI escape that would drive the
// terminal) are shown as \xNN in the text form; the --json form keeps the message as it is.

// gcloud's own per-API endpoint overrides (`gcloud config set api_endpoint_overrides/run URL`, or
// CLOUDSDK_API_ENDPOINT_OVERRIDES_RUN): a private endpoint or an emulator. Only the origin is used.
const OVERRIDES: Record<keyof LifecycleEndpoints, string> = {
  functions: 'CLOUDFUNCTIONS', run: 'RUN', scheduler: 'CLOUDSCHEDULER', eventarc: 'EVENTARC', pubsub: 'PUBSUB', storage: 'STORAGE', logging: 'LOGGING',
};

function endpointsFrom(env: CliIO['env']): LifecycleEndpoints | undefined {
  const out: LifecycleEndpoints = {};
  for (const [api, suffix] of Object.entries(OVERRIDES) as Array<[keyof LifecycleEndpoints, string]>) {
    const name = `CLOUDSDK_API_ENDPOINT_OVERRIDES_${suffix}`;
    const value = env[name];
    if (!value) continue;
    let url: URL;
    try {
      url = new URL(value);
    } catch {
      throw new UsageError(`${name} must be a URL, got ${JSON.stringify(value.slice(0, 80))}`);
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new UsageError(`${name} must be an http(s) URL, got ${JSON.stringify(value.slice(0, 80))}`);
    out[api] = url.origin;
  }
  return Object.keys(out).length ? out : undefined;
}

/** Where the function is: its deployed id (stage suffix included), project and region, as `deploy` resolves them. */
function target(args: CliArgs, io: CliIO, command: string): LifecycleOptions & { stage: string | undefined } {
  const flag = opt(args, 'function');
  const positional = args.positionals[0];
  if (flag && positional && flag !== positional) throw new UsageError(`onefn ${command} gcp was given two functions (${positional} and --function ${flag}); give one`);
  const given = flag ?? positional;
  if (!given) throw new UsageError(`onefn ${command} gcp needs a function: onefn ${command} gcp <function>`);
  const stage = opt(args, 'stage');
  const endpoints = endpointsFrom(io.env);
  return {
    ...(endpoints ? { endpoints } : {}),
    function: stage ? `${given}-${stage}` : given,
    project: opt(args, 'project') ?? io.env['GOOGLE_CLOUD_PROJECT'] ?? '',
    region: opt(args, 'region') ?? io.env['GOOGLE_CLOUD_REGION'] ?? '',
    onProgress: (line) => io.stderr(`${line}\n`),
    stage,
  };
}

/** `onefn rollback gcp <function> [--to <revision>] [--project p] [--region r] [--stage s] [--dry-run] [--json]` */
export async function rollbackCommand(args: CliArgs, io: CliIO): Promise<number> {
  const { stage, ...where } = target(args, io, 'rollback');
  const { rollback } = await import('./rollback.js');
  const to = opt(args, 'to');
  const dryRun = flagOption(args, 'dry-run');
  const result = await rollback({ ...where, ...(to !== undefined ? { to } : {}), dryRun });
  if (flagOption(args, 'json')) {
    const report = rollbackReport({
      provider: 'gcp', stage: stage ?? null, dryRun, function: result.function, from: result.from, to: result.to,
      detail: { project: where.project, region: where.region, service: result.service, before: result.before, unchanged: result.unchanged },
    });
    io.stdout(`${JSON.stringify(report, null, 2)}\n`);
  } else io.stdout(`${result.function}: ${dryRun ? 'would move' : result.unchanged ? 'already on' : 'moved'} all traffic ${result.unchanged ? result.to : `${result.from} -> ${result.to}`}\n`);
  return 0;
}

/** `onefn destroy gcp <function> [--project p] [--region r] [--stage s] [--dry-run] [--json]` */
export async function destroyCommand(args: CliArgs, io: CliIO): Promise<number> {
  const { stage, ...where } = target(args, io, 'destroy');
  const { destroy } = await import('./destroy.js');
  const dryRun = flagOption(args, 'dry-run');
  const result = await destroy({ ...where, dryRun });
  if (flagOption(args, 'json')) {
    const report = destroyReport({
      provider: 'gcp', stage: stage ?? null, dryRun, function: result.function, resources: result.resources,
      detail: { project: where.project, region: where.region, kept: result.kept },
    });
    io.stdout(`${JSON.stringify(report, null, 2)}\n`);
  } else {
    for (const r of result.resources) io.stdout(`${r.action === 'planned' ? 'would delete' : r.action === 'absent' ? 'already gone' : 'deleted'} ${r.kind} ${r.id}\n`);
  }
  return 0;
}

/** `onefn logs gcp <function> [--since 15m] [--limit n] [--project p] [--region r] [--stage s] [--json]` */
export async function logsCommand(args: CliArgs, io: CliIO): Promise<number> {
  const { stage, ...where } = target(args, io, 'logs');
  const { logs } = await import('./logs.js');
  const sinceMs = durationOption(args, 'since');
  const limit = intOption(args, 'limit');
  const { onProgress: _, ...quiet } = where;
  const result = await logs({ ...quiet, ...(sinceMs !== undefined ? { sinceMs } : {}), ...(limit !== undefined ? { limit } : {}) });
  if (flagOption(args, 'json')) {
    const report = logsReport({ provider: 'gcp', stage: stage ?? null, function: result.function, lines: result.lines, detail: { project: where.project, region: where.region, filter: result.filter } });
    io.stdout(`${JSON.stringify(report, null, 2)}\n`);
  } else for (const line of result.lines) io.stdout(`${formatLogLine(line)}\n`);
  return 0;
}

const PROJECT: FlagSpec = { type: 'string', placeholder: 'id', description: 'The project (default: the config\'s, else GOOGLE_CLOUD_PROJECT).' };
const REGION: FlagSpec = { type: 'string', placeholder: 'region', description: 'The region (default: the config\'s, else GOOGLE_CLOUD_REGION).' };
const FUNCTION: FlagSpec = { type: 'string', placeholder: 'name', description: 'The function, as the module names it (the stage suffix is added).' };

/** The flags of the three commands, for the `gcp` commands table. */
export const LIFECYCLE_FLAGS = {
  rollback: { function: FUNCTION, to: { type: 'string', placeholder: 'revision', description: 'The Cloud Run revision to serve (default: the previous ready one).' }, project: PROJECT, region: REGION },
  destroy: { function: FUNCTION, project: PROJECT, region: REGION },
  logs: {
    function: FUNCTION,
    since: { type: 'string', placeholder: 'duration', description: 'How far back: 30s, 15m, 2h, 1d (default 1h).' },
    limit: { type: 'string', placeholder: 'n', description: 'The most lines, the newest ones (default 100, at most 10000).' },
    project: PROJECT,
    region: REGION,
  },
} satisfies Record<string, Record<string, FlagSpec>>;
