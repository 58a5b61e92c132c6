import { DeployOptionError, withSourceMaps } from 'onefn/build';
import type { FunctionPlan } from 'onefn/runtime';
import { HTTP_EVENTS, LAMBDA_RUNTIMES, type HttpEvents, type LambdaRuntime } from './build.js';

export { DeployOptionError };

// Limits from the Lambda quotas page: https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html
/** Lambda's function names: 1-64 letters, digits, `-` and `_`. */
export const FUNCTION_NAME = /^[A-Za-z0-9_-]{1,64}$/;
const ALIAS_NAME = /^(?!^[0-9]+$)[A-Za-z0-9_-]{1,128}$/;
const ROLE_ARN = /^arn:aws[a-zA-Z-]*:iam::\d{12}:role\/[\w+=,.@/-]{1,512}$/;
const REGION = /^[a-z]{2}(-[a-z]+)+-\d$/;
export const MEMORY_MB = { min: 128, max: 10_240 } as const;
export const TIMEOUT_S = { min: 1, max: 900 } as const;
/** Environment variables: 4 KB in total. */
export const ENV_BYTES = 4096;

export interface DeployOptionsInput {
  region?: string | undefined;
  role?: string | undefined;
  createRole?: boolean | undefined;
  runtime?: string | undefined;
  alias?: string | undefined;
  memory?: number | undefined;
  timeout?: number | undefined;
  /** The HTTP events an HTTP function serves: `v2` (default; what the Function URL sends) or `all`. */
  httpEvents?: string | undefined;
  /** Ship a source map in each zip and run the function with `NODE_OPTIONS=--enable-source-maps`. */
  sourcemap?: boolean | undefined;
}

export interface CheckedOptions {
  region: string;
  role: string | undefined;
  createRole: boolean;
  runtime: LambdaRuntime;
  alias: string;
  httpEvents: HttpEvents;
}

/** A variable a definition asks for that the deploy leaves out, and why (never its value: it may be a secret). */
export interface IgnoredVariable {
  readonly name: string;
  readonly reason: string;
}

/** What one function deploys with, after the definition's settings and the command's overrides. */
export interface FunctionConfig {
  name: string;
  memory: number;
  timeout: number;
  env: Record<string, string>;
  ignoredEnv: IgnoredVariable[];
}

// Lambda sets these itself and refuses a configuration that names one, failing the deploy half-way
// (after the role, and after the code of an update); the runtime entry reads AWS_LAMBDA_FUNCTION_NAME
// and the runtime client AWS_LAMBDA_RUNTIME_API and _HANDLER.
// https://docs.aws.amazon.com/lambda/latest/dg/configuration-envvars.html#configuration-envvars-runtime
const RESERVED_ENV = new Set([
  '_HANDLER', '_X_AMZN_TRACE_ID', 'AWS_DEFAULT_REGION', 'AWS_REGION', 'AWS_EXECUTION_ENV', 'AWS_LAMBDA_FUNCTION_NAME',
  'AWS_LAMBDA_FUNCTION_MEMORY_SIZE', 'AWS_LAMBDA_FUNCTION_VERSION', 'AWS_LAMBDA_INITIALIZATION_TYPE', 'AWS_LAMBDA_LOG_GROUP_NAME',
  'AWS_LAMBDA_LOG_STREAM_NAME', 'AWS_ACCESS_KEY', 'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN',
  'AWS_LAMBDA_RUNTIME_API', 'LAMBDA_TASK_ROOT', 'LAMBDA_RUNTIME_DIR',
]);

function checkRange(option: string, value: number | undefined, range: { min: number; max: number }, unit: string): void {
  if (value === undefined) return;
  if (!Number.isInteger(value) || value < range.min || value > range.max) {
    throw new DeployOptionError(option, `must be a whole number of ${unit} from ${range.min} to ${range.max} on Lambda, got ${String(value)}`);
  }
}

/** What a plan shows where the region is not known (no flag, no AWS_REGION, no profile region). */
export const UNKNOWN_REGION = '<region: unknown>';

/** The region, checked: one must be found, and it must look like an AWS region name. */
export function checkRegion(region: string | undefined): string {
  if (!region) throw new DeployOptionError('region', 'no region given; pass --region, set AWS_REGION, or give the profile (AWS_PROFILE) a region');
  if (!REGION.test(region)) throw new DeployOptionError('region', `${JSON.stringify(region.slice(0, 40))} is not an AWS region name`);
  return region;
}

/**
 * Checks the command's options; `env` is the process environment (for the region's default). With
 * `planOnly` (a dry run) a missing region or role is no error: the plan marks it unknown.
 */
export function checkOptions(input: DeployOptionsInput, env: Readonly<Record<string, string | undefined>>, planOnly = false): CheckedOptions {
  const found = input.region ?? env['AWS_REGION'] ?? env['AWS_DEFAULT_REGION'];
  const region = planOnly && !found ? UNKNOWN_REGION : checkRegion(found);
  if (input.role !== undefined && !ROLE_ARN.test(input.role)) throw new DeployOptionError('role', `${JSON.stringify(input.role)} is not an IAM role ARN`);
  if (input.role !== undefined && input.createRole) throw new DeployOptionError('create-role', 'give either a role ARN or --create-role, not both');
  if (input.role === undefined && !input.createRole && !planOnly) throw new DeployOptionError('role', 'pass a role ARN (--role) or ask for one (--create-role)');
  if (input.sourcemap !== undefined && typeof input.sourcemap !== 'boolean') throw new DeployOptionError('sourcemap', `must be true or false, got ${JSON.stringify(input.sourcemap)}`);
  const runtime = input.runtime ?? 'nodejs22.x';
  if (!(LAMBDA_RUNTIMES as readonly string[]).includes(runtime)) throw new DeployOptionError('runtime', `must be one of ${LAMBDA_RUNTIMES.join(', ')}`);
  const alias = input.alias ?? 'live';
  if (!ALIAS_NAME.test(alias)) throw new DeployOptionError('alias', `${JSON.stringify(alias)} is not a valid alias name`);
  checkRange('memory', input.memory, MEMORY_MB, 'MB');
  checkRange('timeout', input.timeout, TIMEOUT_S, 'seconds');
  const httpEvents = input.httpEvents ?? 'v2';
  if (!(HTTP_EVENTS as readonly string[]).includes(httpEvents)) throw new DeployOptionError('http-events', `must be one of ${HTTP_EVENTS.join(', ')}, got ${JSON.stringify(httpEvents)}`);
  return { region, role: input.role, createRole: !!input.createRole, runtime: runtime as LambdaRuntime, alias, httpEvents: httpEvents as HttpEvents };
}

/** The settings one planned function deploys with, checked against Lambda's limits. */
export function functionConfig(plan: FunctionPlan, input: DeployOptionsInput): FunctionConfig {
  const name = plan.name;
  if (!FUNCTION_NAME.test(name)) throw new DeployOptionError('name', `${JSON.stringify(name)} is not a Lambda function name (1-64 letters, digits, "-" or "_")`);
  const memory = input.memory ?? plan.settings.memory ?? 256;
  const timeout = input.timeout ?? plan.settings.timeout ?? 30;
  checkRange('memory', memory, MEMORY_MB, 'MB');
  checkRange('timeout', timeout, TIMEOUT_S, 'seconds');
  const env: Record<string, string> = {};
  const ignoredEnv: IgnoredVariable[] = [];
  for (const [key, value] of Object.entries(plan.settings.env ?? {})) {
    if (RESERVED_ENV.has(key)) ignoredEnv.push({ name: key, reason: 'reserved by Lambda, which sets it itself' });
    else env[key] = value;
  }
  if (input.sourcemap) env['NODE_OPTIONS'] = withSourceMaps(env['NODE_OPTIONS']);
  const size = Object.entries(env).reduce((n, [k, v]) => n + Buffer.byteLength(k) + Buffer.byteLength(v), 0);
  if (size > ENV_BYTES) throw new DeployOptionError('env', `${name}'s environment is ${size} bytes; Lambda allows ${ENV_BYTES}`);
  // A schedule with a time zone deploys through EventBridge Scheduler (triggers.ts), which takes one.
  return { name, memory, timeout, env, ignoredEnv };
}
