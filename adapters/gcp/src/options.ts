import { DefinitionError, type FunctionSettings, type LogSink } from 'onefn';
import { checkWrapOptions, type ResourceDriverSource } from 'onefn/runtime';
import type { LineWriter } from './context.js';

/** Options for wrapping definitions; every one has a default read from the environment. */
export interface GcpOptions {
  /** Default: `K_SERVICE` (the Cloud Run service), else `FUNCTION_TARGET`, else the planned name. */
  functionName?: string;
  /**
   * The function's timeout, which sets `ctx.deadline`. Default: `CLOUD_RUN_TIMEOUT_SECONDS` (the
   * framework's own setting), else the definition's `timeout`, else 60 s, the platform's default
   * (https://cloud.google.com/functions/docs/configuring/timeout).
   */
  timeoutSeconds?: number;
  /** The project named in log traces. Default: `GOOGLE_CLOUD_PROJECT` (the deploy helper sets it). */
  project?: string;
  /** Default: `process.env`. */
  env?: Readonly<Record<string, string | undefined>>;
  /** Replaces the Cloud Logging sink (tests capture entries with it). */
  logSink?: LogSink;
  /** Where the Cloud Logging sink writes lines. Default: stdout, and stderr for warnings and errors. */
  write?: LineWriter;
  /** Where handlers that declare `uses` reach their resources: `gcpResources` from `@onefn/gcp/resources`. */
  resources?: ResourceDriverSource;
}

/** What every invocation of one wrapped function shares, worked out once at wrap time. */
export interface RuntimeConfig {
  readonly functionName: string;
  readonly timeoutMs: number;
  readonly project: string | undefined;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly logSink: LogSink | undefined;
  readonly write: LineWriter | undefined;
  readonly resources: ResourceDriverSource | undefined;
}

// Defined as true by the deploy build (see onefn's options.ts), which folds the option checks away.
declare const __ONEFN_CHECKED__: true | undefined;

export const OPTION_KEYS: readonly string[] = ['functionName', 'timeoutSeconds', 'project', 'env', 'logSink', 'write', 'resources'];

export function resolveConfig(options: GcpOptions, name: string, settings: Readonly<FunctionSettings>): RuntimeConfig {
  // A deploy bundle's generated entry passes only `name` (see deploy/archive.ts), and defines this
  // as true, which drops the checks of options it never passes.
  if (typeof __ONEFN_CHECKED__ === 'undefined') {
    checkWrapOptions('@onefn/gcp', options, OPTION_KEYS);
  }
  const env = options.env ?? process.env;
  const fromEnv = Number(env['CLOUD_RUN_TIMEOUT_SECONDS']);
  const timeout = options.timeoutSeconds ?? (fromEnv > 0 ? fromEnv : undefined) ?? settings.timeout ?? 60;
  // Only `timeoutSeconds` can be out of range here (the rest is checked or defaulted above).
  if (typeof __ONEFN_CHECKED__ === 'undefined' && !(timeout > 0)) {
    throw new DefinitionError('timeoutSeconds', `must be a positive number, got ${String(options.timeoutSeconds)}`);
  }
  return {
    functionName: options.functionName ?? env['K_SERVICE'] ?? env['FUNCTION_TARGET'] ?? name,
    timeoutMs: timeout * 1000,
    project: options.project ?? env['GOOGLE_CLOUD_PROJECT'] ?? env['GCLOUD_PROJECT'],
    env,
    logSink: options.logSink,
    write: options.write,
    resources: options.resources,
  };
}
