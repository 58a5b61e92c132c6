/**
 * `@onefn/aws/cli`: the `aws` provider of the `onefn` command: `invoke`, `build`, `deploy`, `rollback`.
 *
 * @example
 * onefn invoke aws src/api.ts --event event.json
 * onefn build aws src/api.ts --out dist/lambda
 * onefn deploy aws src/api.ts --region eu-west-1 --create-role [--dry-run] [--json]
 * onefn rollback aws --function api --region eu-west-1
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { collectDefinitions, planFunctions, type FunctionPlan } from 'onefn/runtime';
import { MalformedEventError, OnefnError, UnsupportedEventError, type Definition, type HttpDefinition } from 'onefn';
import { readEventFile, UsageError, type CliArgs, type CliIO, type ProviderCli } from 'onefn/cli';
import { describeEvent } from './detect.js';
import { eventHandler, httpHandler, serves } from './handler.js';
import type { LambdaHandler } from './lambda-types.js';
import { lambdaContext } from './testing.js';

function str(args: CliArgs, name: string): string | undefined {
  const value = args.options[name];
  if (value === undefined) return undefined;
  if (value === true) throw new UsageError(`--${name} needs a value`);
  return value as string;
}

function int(args: CliArgs, name: string): number | undefined {
  const value = str(args, name);
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value)) throw new UsageError(`--${name} must be a whole number, got ${value}`);
  return Number(value);
}

function entryOf(args: CliArgs, io: CliIO, command: string): string {
  const entry = args.positionals[0];
  if (!entry) throw new UsageError(`usage: onefn ${command} aws <entry> ...`);
  return resolve(io.cwd, entry);
}

/** Runs a command body; bad input and typed errors become one line on stderr and exit code 1. */
async function guarded(io: CliIO, body: () => Promise<number>): Promise<number> {
  try {
    return await body();
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    io.stderr(`${error instanceof UsageError || error instanceof OnefnError ? '' : 'error: '}${message.split('\n')[0]}\n`);
    return 1;
  }
}

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
  return guarded(io, async () => {
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
      throw new Error(`the handler failed: ${(error as Error).message}`);
    }
  });
}

/** `onefn build aws <entry> --out <dir> [--function <name>] [--runtime nodejs22.x] [--http-events v2|all] [--json]`: writes one zip per function. */
async function build(args: CliArgs, io: CliIO): Promise<number> {
  return guarded(io, async () => {
    const entry = entryOf(args, io, 'build');
    const out = resolve(io.cwd, str(args, 'out') ?? 'dist/aws');
    const runtime = str(args, 'runtime') ?? 'nodejs22.x';
    const httpEvents = str(args, 'http-events') ?? 'v2';
    const { buildFunction, HTTP_EVENTS, LAMBDA_RUNTIMES } = await import('./deploy/build.js');
    if (!(LAMBDA_RUNTIMES as readonly string[]).includes(runtime)) throw new UsageError(`--runtime must be one of ${LAMBDA_RUNTIMES.join(', ')}`);
    if (!(HTTP_EVENTS as readonly string[]).includes(httpEvents)) throw new UsageError(`--http-events must be one of ${HTTP_EVENTS.join(', ')}`);
    const { plans } = await loadPlans(entry);
    const only = str(args, 'function');
    const selected = only === undefined ? plans : plans.filter((p) => p.name === only);
    if (selected.length === 0) throw new UsageError(only ? `no function "${only}"` : 'the module exports no onefn definitions');
    mkdirSync(out, { recursive: true });
    const built = [];
    for (const plan of selected) {
      const artifact = await buildFunction({ entry, plan, runtime: runtime as 'nodejs22.x', httpEvents: httpEvents as 'v2' | 'all' });
      const zip = join(out, `${plan.name}.zip`);
      writeFileSync(zip, artifact.zip);
      built.push({ name: plan.name, kind: plan.kind, zip, bytes: artifact.zip.byteLength, codeSha256: artifact.codeSha256, handler: artifact.handler, runtime: artifact.runtime });
      if (!args.options['json']) io.stdout(`${plan.name}: ${zip} (${artifact.zip.byteLength} bytes, CodeSha256 ${artifact.codeSha256})\n`);
    }
    if (args.options['json']) io.stdout(`${JSON.stringify(built, null, 2)}\n`);
    return 0;
  });
}

/** `onefn deploy aws <entry> [--region r] [--role arn | --create-role] [--function n] [--memory mb] [--timeout s] [--alias live] [--http-events v2|all] [--dry-run] [--json]` */
async function deployCommand(args: CliArgs, io: CliIO): Promise<number> {
  return guarded(io, async () => {
    const entry = entryOf(args, io, 'deploy');
    const { deploy } = await import('./deploy/deploy.js');
    const json = !!args.options['json'];
    const result = await deploy({
      entry,
      region: str(args, 'region'),
      role: str(args, 'role'),
      createRole: !!args.options['create-role'],
      function: str(args, 'function'),
      memory: int(args, 'memory'),
      timeout: int(args, 'timeout'),
      runtime: str(args, 'runtime'),
      alias: str(args, 'alias'),
      httpEvents: str(args, 'http-events'),
      dryRun: !!args.options['dry-run'],
      endpoint: str(args, 'endpoint-url'),
      env: io.env,
      // Progress goes to stderr with --json, so stdout stays parseable.
      onProgress: (line) => (json ? io.stderr(`${line}\n`) : io.stdout(`${line}\n`)),
    });
    if (json) io.stdout(`${JSON.stringify(result, null, 2)}\n`);
    return 0;
  });
}

/** `onefn rollback aws --function <name> [--to <version>] [--region r] [--alias live] [--dry-run] [--json]` */
async function rollbackCommand(args: CliArgs, io: CliIO): Promise<number> {
  return guarded(io, async () => {
    const name = str(args, 'function') ?? args.positionals[0];
    if (!name) throw new UsageError('usage: onefn rollback aws --function <name>');
    const { rollback } = await import('./deploy/deploy.js');
    const json = !!args.options['json'];
    const result = await rollback({
      function: name,
      region: str(args, 'region'),
      alias: str(args, 'alias'),
      to: str(args, 'to'),
      dryRun: !!args.options['dry-run'],
      endpoint: str(args, 'endpoint-url'),
      env: io.env,
      onProgress: (line) => (json ? io.stderr(`${line}\n`) : io.stdout(`${line}\n`)),
    });
    io.stdout(json ? `${JSON.stringify(result, null, 2)}\n` : `${result.function}: alias ${result.alias} ${result.from} -> ${result.to}\n`);
    return 0;
  });
}

export const cli: ProviderCli = { provider: 'aws', commands: { invoke, build, deploy: deployCommand, rollback: rollbackCommand } };
