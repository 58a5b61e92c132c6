/**
 * `@onefn/aws/cli`: the `aws` provider of the `onefn` command: `invoke`, `build`, `deploy`, `rollback`,
 * `destroy`, `logs`.
 *
 * @example
 * onefn invoke aws src/api.ts --event event.json
 * onefn build aws src/api.ts --out dist/lambda
 * onefn deploy aws src/api.ts --region eu-west-1 --create-role [--dry-run] [--json]
 * onefn rollback aws --function api --region eu-west-1 [--stage prod]
 * onefn destroy aws api --region eu-west-1 [--stage prod] [--dry-run] [--json]
 * onefn logs aws api --region eu-west-1 [--since 15m] [--limit 100] [--json]
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { collectDefinitions, planFunctions, type FunctionPlan } from 'onefn/runtime';
import { MalformedEventError, OnefnError, UnsupportedEventError, type Definition, type HttpDefinition } from 'onefn';
import {
  base64ToHex, commandReport, destroyReport, durationOption, flagOption, formatLogLine, logsReport, rollbackReport, intOption, readEventFile, stringOption, UsageError, type CliArgs, type CliIO, type CommandReport, type CommandSpec, type FlagSpec, type ProviderCli,
} from 'onefn/cli';
import type { DeployResult } from '../deploy/deploy.js';
import { describeEvent } from '../detect.js';
import { eventHandler, httpHandler, serves } from '../handler.js';
import type { LambdaHandler } from '../native.js';
import { lambdaContext } from '../testing/index.js';
import { optionalPackages } from '../packages.js';

function entryOf(args: CliArgs, io: CliIO, command: string): string {
  const entry = args.positionals[0];
  if (!entry) throw new UsageError(`onefn ${command} aws needs an entry module (or "entry" in the config)`);
  return resolve(io.cwd, entry);
}

const str = stringOption;
const int = intOption;

async function loadPlans(entry: string): Promise<{ mod: Record<string, unknown>; plans: FunctionPlan[] }> {
  const { loadModule } = await import('onefn/build');
  const mod = await loadModule(entry);
  return { mod, plans: planFunctions(mod) };
}

/** Picks the handler for an event: --function names it; otherwise HTTP routes among every HTTP definition. */
function pickHandler(mod: Record<string, unknown>, plans: FunctionPlan[], event: unknown, name: string | undefined, io: CliIO): LambdaHandler {
  const logSink = (entry: { level: string; message: string; fields: object }): void =>
    io.stderr(`${JSON.stringify({ level: entry.level.toUpperCase(), message: entry.message, ...entry.fields })}\n`);
  if (name !== undefined) {
    const plan = plans.find((p) => p.name === name);
    if (!plan) throw new UsageError(`no function "${name}"; the module plans into ${plans.map((p) => p.name).join(', ') || 'nothing'}`);
    return plan.kind === 'http' ? httpHandler(plan.definitions, { logSink }) : eventHandler(plan.definition, { logSink });
  }
  const defs = collectDefinitions(mod).map((d) => d.definition);
  const http = defs.filter((d): d is HttpDefinition => d.kind === 'http');
  if (http.length && serves(http[0] as Definition, event)) return httpHandler(http, { logSink });
  type EventPlan = Exclude<FunctionPlan, { kind: 'http' }>;
  const candidates = plans.filter((p): p is EventPlan => p.kind !== 'http').filter((p) => serves(p.definition, event));
  const [only] = candidates;
  if (only && candidates.length === 1) return eventHandler(only.definition, { logSink });
  if (candidates.length > 1) throw new UsageError(`several functions serve ${describeEvent(event)}: ${candidates.map((p) => p.name).join(', ')}; pass --function`);
  throw new UnsupportedEventError(describeEvent(event), `the module's functions (${plans.map((p) => p.name).join(', ') || 'none'})`);
}

/** `onefn invoke aws <entry> --event <file.json> [--function <name>]`: prints the handler's return value. */
async function invoke(args: CliArgs, io: CliIO): Promise<number> {
  const entry = entryOf(args, io, 'invoke');
  const event = await readEventFile(args, io);
  const { mod, plans } = await loadPlans(entry);
  const handler = pickHandler(mod, plans, event, str(args, 'function'), io);
  try {
    const result = await handler(event, lambdaContext({ functionName: str(args, 'function') ?? 'onefn-invoke' }));
    io.stdout(`${JSON.stringify(result ?? null, null, 2)}\n`);
    return 0;
  } catch (error) {
    // A handler's failure is the invocation's answer (Lambda would retry it), printed as Lambda's error
    // shape, exit 0, as for a batch with failures; an event that could not be read is exit 1.
    if (error instanceof OnefnError && error.code === 'EVENT_FAILED') {
      io.stdout(`${JSON.stringify({ errorType: error.code, errorMessage: error.message }, null, 2)}\n`);
      return 0;
    }
    if (error instanceof UnsupportedEventError || error instanceof MalformedEventError || error instanceof OnefnError) throw error;
    throw new OnefnError('HANDLER_FAILED', `the handler failed: ${(error as Error).message}`, { cause: error });
  }
}

/** `onefn build aws <entry> --out <dir> [--function <name>] [--runtime nodejs22.x] [--http-events v2|all] [--json]`: writes one zip per function. */
async function build(args: CliArgs, io: CliIO): Promise<number> {
  const entry = entryOf(args, io, 'build');
  const out = resolve(io.cwd, str(args, 'out') ?? 'dist/aws');
  const runtime = str(args, 'runtime') ?? 'nodejs22.x';
  const httpEvents = str(args, 'http-events') ?? 'v2';
  const sourcemap = flagOption(args, 'sourcemap');
  const { buildFunction, HTTP_EVENTS, LAMBDA_RUNTIMES } = await import('../deploy/build.js');
  const { SOURCE_MAP_NODE_OPTIONS } = await import('onefn/build');
  if (!(LAMBDA_RUNTIMES as readonly string[]).includes(runtime)) throw new UsageError(`--runtime must be one of ${LAMBDA_RUNTIMES.join(', ')}`);
  if (!(HTTP_EVENTS as readonly string[]).includes(httpEvents)) throw new UsageError(`--http-events must be one of ${HTTP_EVENTS.join(', ')}`);
  const { plans } = await loadPlans(entry);
  const only = str(args, 'function');
  const selected = only === undefined ? plans : plans.filter((p) => p.name === only);
  if (selected.length === 0) throw new UsageError(only ? `no function "${only}"; the module plans into ${plans.map((p) => p.name).join(', ') || 'nothing'}` : 'the module exports no onefn definitions');
  mkdirSync(out, { recursive: true });
  const functions = [];
  const artifacts = [];
  for (const plan of selected) {
    const artifact = await buildFunction({ entry, plan, runtime: runtime as 'nodejs22.x', httpEvents: httpEvents as 'v2' | 'all', sourcemap });
    const zip = join(out, `${plan.name}.zip`);
    writeFileSync(zip, artifact.zip);
    // With a map, the function must run with Node's source-map support: `deploy --sourcemap` sets it.
    const nodeOptions = sourcemap ? SOURCE_MAP_NODE_OPTIONS : null;
    functions.push({ name: plan.name, kind: plan.kind, action: 'built' as const, trigger: null, url: null, detail: { handler: artifact.handler, runtime: artifact.runtime, codeSha256: artifact.codeSha256, sourcemap: artifact.map !== undefined, nodeOptions } });
    artifacts.push({ path: zip, bytes: artifact.zip.byteLength, sha256: base64ToHex(artifact.codeSha256), functions: [plan.name] });
    if (!flagOption(args, 'json')) io.stdout(`${plan.name}: ${zip} (${artifact.zip.byteLength} bytes, CodeSha256 ${artifact.codeSha256}${nodeOptions ? `; index.mjs.map inside, run with NODE_OPTIONS=${nodeOptions}` : ''})\n`);
  }
  if (flagOption(args, 'json')) {
    const report = commandReport({ command: 'build', provider: 'aws', stage: str(args, 'stage') ?? null, dryRun: true, functions, artifacts, detail: { runtime, httpEvents } });
    io.stdout(`${JSON.stringify(report, null, 2)}\n`);
  }
  return 0;
}

/** A deploy's result in the one `--json` shape every provider prints. */
export function deployReport(result: DeployResult, stage: string | undefined): CommandReport {
  return commandReport({
    command: 'deploy',
    provider: 'aws',
    stage: stage ?? null,
    dryRun: result.dryRun,
    functions: result.functions.map((f) => ({
      name: f.name, kind: f.kind, action: f.action, trigger: f.trigger, url: f.endpoint?.startsWith('https://') ? f.endpoint : null,
      detail: { version: f.version ?? null, alias: f.alias, codeSha256: f.codeSha256, endpoint: f.endpoint ?? null, ignoredEnv: f.ignoredEnv, nodeOptions: f.nodeOptions ?? null },
    })),
    artifacts: result.functions.map((f) => ({ path: null, bytes: f.bytes, sha256: base64ToHex(f.codeSha256), functions: [f.name] })),
    detail: { region: result.region },
  });
}

/** `onefn deploy aws <entry> [--region r] [--role arn | --create-role] [--function n] [--memory mb] [--timeout s] [--alias live] [--http-events v2|all] [--stage s] [--dry-run] [--json]` */
async function deployCommand(args: CliArgs, io: CliIO): Promise<number> {
  const entry = entryOf(args, io, 'deploy');
  const { deploy } = await import('../deploy/deploy.js');
  const json = flagOption(args, 'json');
  const stage = str(args, 'stage');
  const result = await deploy({
    entry,
    region: str(args, 'region'),
    role: str(args, 'role'),
    createRole: flagOption(args, 'create-role'),
    function: str(args, 'function'),
    memory: int(args, 'memory'),
    timeout: int(args, 'timeout'),
    runtime: str(args, 'runtime'),
    alias: str(args, 'alias'),
    httpEvents: str(args, 'http-events'),
    sourcemap: flagOption(args, 'sourcemap'),
    stage,
    dryRun: flagOption(args, 'dry-run'),
    endpoint: str(args, 'endpoint-url'),
    env: io.env,
    // Progress is on stderr, so stdout carries only the result.
    onProgress: (line) => io.stderr(`${line}\n`),
  });
  if (json) {
    io.stdout(`${JSON.stringify(deployReport(result, stage), null, 2)}\n`);
  } else {
    for (const f of result.functions) io.stdout(`${f.name}: ${f.action}${f.version ? ` v${f.version}` : ''}${f.endpoint ? ` ${f.endpoint}` : ''} (${f.trigger})\n`);
  }
  return 0;
}

/** `onefn rollback aws --function <name> [--to <version>] [--region r] [--alias live] [--dry-run] [--json]` */
async function rollbackCommand(args: CliArgs, io: CliIO): Promise<number> {
  const given = str(args, 'function') ?? args.positionals[0];
  if (!given) throw new UsageError('onefn rollback aws needs a function: --function <name>');
  const stage = str(args, 'stage');
  const name = stage ? `${given}-${stage}` : given;
  const { rollback } = await import('../deploy/deploy.js');
  const json = flagOption(args, 'json');
  const result = await rollback({
    function: name,
    region: str(args, 'region'),
    alias: str(args, 'alias'),
    to: str(args, 'to'),
    dryRun: flagOption(args, 'dry-run'),
    endpoint: str(args, 'endpoint-url'),
    env: io.env,
    onProgress: (line) => io.stderr(`${line}\n`),
  });
  const report = rollbackReport({
    provider: 'aws', stage: stage ?? null, dryRun: flagOption(args, 'dry-run'), function: result.function, from: result.from, to: result.to, detail: { alias: result.alias },
  });
  io.stdout(json ? `${JSON.stringify(report, null, 2)}\n` : `${result.function}: alias ${result.alias} ${result.from} -> ${result.to}\n`);
  return 0;
}

/** The function a lifecycle command acts on, as Lambda knows it: `<name>-<stage>` with a stage, as deploy names it. */
function lifecycleFunction(args: CliArgs, command: string): { name: string; stage: string | undefined } {
  const given = str(args, 'function') ?? args.positionals[0];
  if (!given) throw new UsageError(`onefn ${command} aws needs a function: onefn ${command} aws <function> (or --function <name>)`);
  if (str(args, 'function') !== undefined && args.positionals[0] !== undefined && args.positionals[0] !== given) {
    throw new UsageError(`onefn ${command} aws: the function is given twice (${JSON.stringify(args.positionals[0])} and --function ${JSON.stringify(given)})`);
  }
  const stage = str(args, 'stage');
  return { name: stage ? `${given}-${stage}` : given, stage };
}

/** `onefn destroy aws <function> [--region r] [--alias live] [--stage s] [--dry-run] [--json]` */
async function destroyCommand(args: CliArgs, io: CliIO): Promise<number> {
  const { name, stage } = lifecycleFunction(args, 'destroy');
  const { destroy } = await import('../deploy/destroy.js');
  const dryRun = flagOption(args, 'dry-run');
  const result = await destroy({
    function: name, region: str(args, 'region'), alias: str(args, 'alias'), dryRun, endpoint: str(args, 'endpoint-url'), env: io.env,
    onProgress: (line) => io.stderr(`${line}\n`),
  });
  if (flagOption(args, 'json')) {
    const report = destroyReport({ provider: 'aws', stage: stage ?? null, dryRun, function: result.function, resources: result.resources, detail: { region: result.region, kept: result.kept } });
    io.stdout(`${JSON.stringify(report, null, 2)}\n`);
  } else {
    for (const r of result.resources) io.stdout(`${r.action === 'planned' ? 'would remove' : r.action === 'deleted' ? 'removed' : 'already gone:'} ${r.kind} ${r.id}\n`);
    for (const k of result.kept) io.stdout(`kept ${k}\n`);
  }
  return 0;
}

/** `onefn logs aws <function> [--since 1h] [--limit 100] [--region r] [--stage s] [--json]` */
async function logsCommand(args: CliArgs, io: CliIO): Promise<number> {
  const { name, stage } = lifecycleFunction(args, 'logs');
  // Checked as every provider checks it (a UsageError), before anything is called.
  durationOption(args, 'since');
  const { logs } = await import('../deploy/logs.js');
  const result = await logs({ function: name, region: str(args, 'region'), since: str(args, 'since'), limit: int(args, 'limit'), endpoint: str(args, 'endpoint-url'), env: io.env });
  if (flagOption(args, 'json')) {
    const report = logsReport({ provider: 'aws', stage: stage ?? null, function: result.function, lines: result.lines, detail: { region: result.region, logGroup: result.logGroup, since: result.since, truncated: result.truncated } });
    io.stdout(`${JSON.stringify(report, null, 2)}\n`);
    return 0;
  }
  // A message's own escape sequences are written out, and its line breaks folded: one event, one line.
  for (const line of result.lines) io.stdout(`${formatLogLine(line)}\n`);
  if (result.lines.length === 0) io.stderr(`no log lines for ${result.function} since ${result.since} (${result.logGroup})\n`);
  else if (result.truncated) io.stderr(`showing the last ${result.lines.length} lines; --limit or --since shows more\n`);
  return 0;
}

const FUNCTION: FlagSpec = { type: 'string', placeholder: 'name', description: 'One planned function (default: every function the module plans into).' };
const REGION: FlagSpec = { type: 'string', placeholder: 'region', description: 'The AWS region (default: the config\'s, then AWS_REGION, then the profile\'s region).' };
const RUNTIME: FlagSpec = { type: 'string', placeholder: 'runtime', description: 'The Lambda runtime (default nodejs22.x).' };
const HTTP_EVENTS: FlagSpec = { type: 'string', placeholder: 'v2|all', description: 'HTTP functions serve the Function URL\'s payload 2.0 (v2, default), or every HTTP source (all).' };
const ENDPOINT: FlagSpec = { type: 'string', placeholder: 'url', description: 'One endpoint for every AWS service (emulators, tests).' };
const ALIAS: FlagSpec = { type: 'string', placeholder: 'alias', description: 'The alias triggers call (default live).' };

const commands: Record<string, CommandSpec> = {
  invoke: {
    summary: 'Run the module\'s handler on a Lambda event from a file, as Lambda would, and print its return value as JSON.',
    usage: '<entry>',
    maxPositionals: 1,
    flags: {
      event: { type: 'string', placeholder: 'file.json', description: 'The Lambda event (API Gateway, Function URL, ALB, SQS, SNS, S3, EventBridge...).' },
      function: { type: 'string', placeholder: 'name', description: 'The planned function to run (default: the one that serves the event).' },
    },
    run: invoke,
  },
  build: {
    summary: 'Bundle each planned function into its own Lambda zip.',
    usage: '<entry>',
    maxPositionals: 1,
    flags: { out: { type: 'string', placeholder: 'dir', description: 'Where the zips go (default dist/aws).' }, function: FUNCTION, runtime: RUNTIME, 'http-events': HTTP_EVENTS },
    run: build,
  },
  deploy: {
    summary: 'Create or update each function, publish a version, move the alias and wire the trigger.',
    usage: '<entry>',
    maxPositionals: 1,
    flags: {
      region: REGION,
      role: { type: 'string', placeholder: 'arn', description: 'The execution role\'s ARN.' },
      'create-role': { type: 'boolean', description: 'Create (or reuse) a least-privilege execution role per function.' },
      function: FUNCTION,
      memory: { type: 'string', placeholder: 'MB', description: 'Memory for every function (default: the definition\'s, else 256).' },
      timeout: { type: 'string', placeholder: 'seconds', description: 'Timeout for every function (default: the definition\'s, else 30).' },
      runtime: RUNTIME,
      alias: ALIAS,
      'http-events': HTTP_EVENTS,
      'endpoint-url': ENDPOINT,
    },
    run: deployCommand,
  },
  rollback: {
    summary: 'Move a function\'s alias back to the previous published version (or --to).',
    usage: '[<function>]',
    maxPositionals: 1,
    flags: {
      function: { type: 'string', placeholder: 'name', description: 'The function to roll back (without the stage suffix).' },
      to: { type: 'string', placeholder: 'version', description: 'The version to move the alias to.' },
      region: REGION,
      alias: ALIAS,
      'endpoint-url': ENDPOINT,
    },
    run: rollbackCommand,
  },
  destroy: {
    summary: 'Remove what onefn created for a function (triggers, the function with its versions, its roles), and nothing else.',
    usage: '[<function>]',
    maxPositionals: 1,
    flags: {
      function: { type: 'string', placeholder: 'name', description: 'The function to remove (without the stage suffix).' },
      region: REGION,
      alias: ALIAS,
      'endpoint-url': ENDPOINT,
    },
    run: destroyCommand,
  },
  logs: {
    summary: 'Print a function\'s recent log lines from CloudWatch Logs, oldest first.',
    usage: '[<function>]',
    maxPositionals: 1,
    flags: {
      function: { type: 'string', placeholder: 'name', description: 'The function (without the stage suffix).' },
      since: { type: 'string', placeholder: 'duration', description: 'How far back: 30s, 15m, 2h, 1d (default 1h, at most 30d).' },
      limit: { type: 'string', placeholder: 'n', description: 'The most recent lines to show (default 100, at most 10000).' },
      region: REGION,
      'endpoint-url': ENDPOINT,
    },
    run: logsCommand,
  },
};

export const cli: ProviderCli = { provider: 'aws', commands, packages: optionalPackages() };
