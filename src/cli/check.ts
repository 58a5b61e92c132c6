import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { bundle, importBundle } from '../build/bundle.js';
import { loadBridge, type DevBridge } from '../dev/bridge.js';
import { StrayErrors } from '../dev/stray-errors.js';
import type { LogEntry } from '../onefn/logger.js';
import { flagOption, intOption, stringOption, UsageError } from './args.js';
import { differences, logDifferences, summary } from './check-compare.js';
import { checkCases, type CheckCase, type JsonSchemaFallback } from './check-inputs.js';
import { CHECK_PROVIDERS, portabilityFindings, type CheckProvider, type PortabilityFinding, type PortabilityOptions } from './check-portability.js';
import { loadedCopy, runBridge, runLocal, type CheckAnswer, type LoadedCopy, type RunOptions } from './check-run.js';
import type { CliArgs, CliIO, CommandSpec } from './types.js';

import { CheckError } from './check-error.js';

export { CheckError };

/** One row of the table: an input, the portable answer, and how each provider's differed. */
export interface CheckRow {
  readonly function: string;
  readonly input: string;
  /** The portable pipeline's answer, in short (`201`, `ok,failed`). */
  readonly local: string;
  /** That answer in full, as compared (an HTTP body cut at 2,000 characters). */
  readonly answer: CheckAnswer;
  /** Per provider: the differences from the portable answer (empty: the same answer). */
  readonly providers: Readonly<Record<CheckProvider, readonly string[]>>;
}

/** `onefn check <entry> --json` prints exactly this object. */
export interface CheckReport {
  readonly schema: 1;
  readonly command: 'check';
  readonly entry: string;
  readonly providers: readonly CheckProvider[];
  readonly functions: ReadonlyArray<{ readonly name: string; readonly kind: string }>;
  readonly rows: readonly CheckRow[];
  readonly portability: readonly PortabilityFinding[];
  /**
   * Errors a handler left behind (a throw in a timer, a rejection nobody handles), by function and
   * runner. Each provider treats them differently (Lambda fails the invocation, others log or restart
   * the instance), so any of them fails the check.
   */
  readonly stray: ReadonlyArray<{ readonly function: string; readonly error: string }>;
  /** Rows in which some provider answered differently. */
  readonly differences: number;
  readonly blockers: number;
  /** True when every answer is the same everywhere and nothing blocks: exit code 0. */
  readonly ok: boolean;
}

const DEFAULT_MAX_TIMEOUT_S = 30;
const MAX_LOG_ENTRIES = 200;
const MAX_SHOWN_BODY = 2_000;

async function loadCopies(entry: string): Promise<{ local: LoadedCopy; copies: Record<CheckProvider, LoadedCopy> }> {
  if (!existsSync(entry)) throw new CheckError(`no such module: ${entry}`);
  let code: string;
  try {
    ({ code } = await bundle({ entry, minify: false, packagesExternal: true, sourcemap: false }));
  } catch (error) {
    throw new CheckError(`cannot build ${entry}: ${String((error as Error)?.message ?? error).split('\n')[0]}`, { cause: error });
  }
  // Four copies of one build: the portable pipeline and each adapter get a module of their own, so that
  // what one run leaves in module state (a cache, a counter) cannot change another's answers.
  const load = async (): Promise<LoadedCopy> => loadedCopy(await importBundle(code, dirname(entry)));
  const local = await load();
  const copies = {} as Record<CheckProvider, LoadedCopy>;
  for (const provider of CHECK_PROVIDERS) copies[provider] = await load();
  return { local, copies };
}

/**
 * The project's own zod, to write JSON Schema for zod schemas that carry none (zod/mini's), so that a
 * request body can be generated for them too. Undefined when the project has no zod 4.
 */
async function projectJsonSchema(entry: string): Promise<JsonSchemaFallback | undefined> {
  let zod: { toJSONSchema?: (schema: unknown, options?: Record<string, unknown>) => unknown };
  try {
    zod = (await import(pathToFileURL(createRequire(entry).resolve('zod')).href)) as typeof zod;
  } catch {
    return undefined;
  }
  const convert = zod.toJSONSchema;
  if (typeof convert !== 'function') return undefined;
  return (schema) => {
    if (schema['~standard'].vendor !== 'zod') return undefined;
    try {
      return JSON.parse(JSON.stringify(convert(schema, { io: 'input', unrepresentable: 'any' }))) as Record<string, unknown>;
    } catch {
      // A schema with a transform or a custom check has no JSON Schema: the body stays a guess.
      return undefined;
    }
  };
}

async function bridges(): Promise<Record<CheckProvider, DevBridge>> {
  const out = {} as Record<CheckProvider, DevBridge>;
  for (const provider of CHECK_PROVIDERS) {
    try {
      out[provider] = await loadBridge(provider);
    } catch (error) {
      throw new CheckError(`onefn check runs every provider's adapter; ${(error as Error).message}`, { cause: error });
    }
  }
  return out;
}

/** Runs the check; the report says everything, nothing is printed. */
export async function runCheck(entry: string, options: { only?: string; maxTimeoutMs: number; progress?: (line: string) => void } & PortabilityOptions): Promise<CheckReport> {
  const progress = options.progress ?? (() => {});
  const loaded = await bridges();
  const { local, copies } = await loadCopies(entry);
  let plans = local.plans;
  if (!plans.length) throw new CheckError(`${entry} exports no onefn definition`);
  if (options.only !== undefined) {
    plans = plans.filter((p) => p.name === options.only || p.exportNames.includes(options.only as string));
    if (!plans.length) throw new UsageError(`no function or export "${options.only}" in ${entry}; functions: ${local.plans.map((p) => p.name).join(', ')}`);
  }
  const cases: CheckCase[] = checkCases(plans, await projectJsonSchema(entry));
  // What each invocation logs is kept (bounded) and compared rather than printed: the table is the output.
  const logs = new Map<string, LogEntry[]>();
  const run = (runner: string, i: number): RunOptions => {
    const kept: LogEntry[] = [];
    logs.set(`${runner} ${i}`, kept);
    return { maxTimeoutMs: options.maxTimeoutMs, logSink: (entry) => void (kept.length < MAX_LOG_ENTRIES && kept.push(entry)) };
  };
  progress(`checking ${plans.length} function${plans.length === 1 ? '' : 's'} with ${cases.length} inputs, locally and through ${CHECK_PROVIDERS.join(', ')}`);
  // Each runner takes the inputs in order, as one instance would receive them.
  const reference: CheckAnswer[] = [];
  const answers = {} as Record<CheckProvider, CheckAnswer[]>;
  const stray: Array<{ function: string; error: string }> = [];
  const strays = new StrayErrors((entry) => {
    const error = entry.fields['error'] as { name?: string; message?: string } | undefined;
    stray.push({ function: String(entry.fields['function']), error: `${error?.name ?? 'Error'}: ${String(error?.message ?? '').split('\n')[0]}` });
  });
  try {
    const origin = (runner: string, c: CheckCase) => ({ function: `${c.function} (${runner}, ${c.label})` });
    for (const [i, c] of cases.entries()) reference.push(await strays.origins.run(origin('local', c), () => runLocal(local, c, run('local', i))));
    for (const provider of CHECK_PROVIDERS) {
      answers[provider] = [];
      for (const [i, c] of cases.entries()) answers[provider].push(await strays.origins.run(origin(provider, c), () => runBridge(loaded[provider], copies[provider], c, run(provider, i))));
    }
    // Work a handler left for later (a timer of a few ms) gets its turn before the verdict.
    await new Promise((settle) => setTimeout(settle, 50));
  } finally {
    strays.close();
  }
  const rows: CheckRow[] = cases.map((c, i) => {
    const ref = reference[i] as CheckAnswer;
    const providers = {} as Record<CheckProvider, readonly string[]>;
    for (const provider of CHECK_PROVIDERS) providers[provider] = [...differences(ref, answers[provider][i] as CheckAnswer), ...logDifferences(logs.get(`local ${i}`) ?? [], logs.get(`${provider} ${i}`) ?? [])];
    const answer = ref.kind === 'http' && ref.body.length > MAX_SHOWN_BODY ? { ...ref, body: `${ref.body.slice(0, MAX_SHOWN_BODY)}...` } : ref;
    return { function: c.function, input: c.label, local: ref.kind === 'error' ? `error: ${ref.error}` : summary(ref), answer, providers };
  });
  const portability = portabilityFindings(plans, options.azureMessaging ? { azureMessaging: options.azureMessaging } : {});
  const differing = rows.filter((r) => CHECK_PROVIDERS.some((p) => r.providers[p].length > 0)).length;
  const blockers = portability.filter((f) => f.severity === 'blocker').length;
  return {
    schema: 1,
    command: 'check',
    entry,
    providers: [...CHECK_PROVIDERS],
    functions: plans.map((p) => ({ name: p.name, kind: p.kind })),
    rows,
    portability,
    stray,
    differences: differing,
    blockers,
    ok: differing === 0 && blockers === 0 && stray.length === 0,
  };
}

/** The report as a table, then the differences and the portability report, one line each. */
export function renderCheck(report: CheckReport): string {
  const header = ['function', 'input', 'local', ...report.providers];
  const cells = report.rows.map((r) => [r.function, r.input, r.local, ...report.providers.map((p) => (r.providers[p].length ? 'DIFFERS' : 'same'))]);
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((row) => (row[i] as string).length)));
  const line = (row: readonly string[]): string => row.map((cell, i) => cell.padEnd(widths[i] as number)).join('  ').trimEnd();
  const out = [line(header), ...cells.map(line)];
  const diffs = report.rows.flatMap((r) => report.providers.flatMap((p) => r.providers[p].map((d) => `  ${r.function}  ${r.input}  ${p}: ${d}`)));
  if (diffs.length) out.push('', 'Differences:', ...diffs);
  out.push('', 'Portability:');
  if (!report.portability.length) out.push('  every option is honoured by aws, gcp and azure');
  for (const f of report.portability) out.push(`  ${f.severity === 'blocker' ? 'BLOCKER' : 'note   '}  ${f.function}  ${f.provider}  ${f.option}: ${f.message}`);
  if (report.stray.length) out.push('', 'Errors left behind by a handler (providers treat them differently):', ...report.stray.map((s) => `  ${s.function}: ${s.error}`));
  const verdict = report.ok
    ? `OK: the same answer on ${report.providers.join(', ')} for all ${report.rows.length} inputs; no blockers`
    : `FAILED: ${report.differences} input${report.differences === 1 ? '' : 's'} answered differently, ${report.blockers} blocker${report.blockers === 1 ? '' : 's'}${report.stray.length ? `, ${report.stray.length} stray error${report.stray.length === 1 ? '' : 's'}` : ''}`;
  out.push('', verdict);
  return out.join('\n') + '\n';
}

/**
 * `onefn check <entry>`: runs the module's own definitions through the portable pipeline and through
 * each adapter on generated native events, compares the answers, and reports what a provider cannot
 * honour. Exit 0 only when every answer is the same and nothing blocks.
 */
export const checkCommand: CommandSpec = {
  summary: 'Run the module\'s definitions through every adapter on generated native events; report answers that differ and options a provider cannot honour.',
  usage: '<entry>',
  maxPositionals: 1,
  flags: {
    function: { type: 'string', placeholder: 'name', description: 'Check only this function (or export).' },
    timeout: { type: 'string', placeholder: 'seconds', description: `The most any one invocation may take (default ${DEFAULT_MAX_TIMEOUT_S}; a definition's own timeout when lower).` },
    json: { type: 'boolean', description: 'Print the report as JSON on stdout (progress stays on stderr).' },
    config: { type: 'string', placeholder: 'file', description: 'The project config (default: onefn.config.ts, else package.json "onefn").' },
    stage: { type: 'string', placeholder: 'name', description: 'Read the config with this stage\'s settings (its azure.messaging).' },
    'azure-messaging': { type: 'string', placeholder: 'storageQueue|serviceBus', description: 'How Azure carries queues (default: the config\'s azure.messaging, else storageQueue).' },
    help: { type: 'boolean', description: 'Show this help.' },
  },
  run: check,
};

async function check(args: CliArgs, io: CliIO): Promise<number> {
  const entry = args.positionals[0];
  if (!entry) throw new UsageError('onefn check needs an entry module (or "entry" in the config)');
  const seconds = intOption(args, 'timeout') ?? DEFAULT_MAX_TIMEOUT_S;
  if (seconds < 1 || seconds > 3600) throw new UsageError(`--timeout must be from 1 to 3600 seconds, got ${seconds}`);
  const messaging = stringOption(args, 'azure-messaging');
  if (messaging !== undefined && messaging !== 'storageQueue' && messaging !== 'serviceBus') throw new UsageError(`--azure-messaging must be storageQueue or serviceBus, got ${JSON.stringify(messaging.slice(0, 40))}`);
  const report = await runCheck(resolve(io.cwd, entry), { only: stringOption(args, 'function'), maxTimeoutMs: seconds * 1000, progress: (line) => io.stderr(`${line}\n`), ...(messaging ? { azureMessaging: messaging } : {}) });
  io.stdout(flagOption(args, 'json') ? JSON.stringify(report, null, 2) + '\n' : renderCheck(report));
  return report.ok ? 0 : 1;
}
