import { DeployOptionError } from 'onefn/build';
/** Cloud Functions (2nd gen) Node.js runtimes onefn deploys to (both run Node >= 20). */
export const RUNTIMES = ['nodejs20', 'nodejs22'] as const;
export type Runtime = (typeof RUNTIMES)[number];

/** Where each Google API is reached; tests point them at a loopback server. */
export interface Endpoints {
  /** Cloud Functions v2 (`cloudfunctions.googleapis.com`). */
  functions?: string;
  /** Cloud Run admin v2, for the invoker binding (`run.googleapis.com`). */
  run?: string;
  /** Cloud Scheduler v1 (`cloudscheduler.googleapis.com`). */
  scheduler?: string;
  /** Eventarc v1, for a storage function's second trigger (`eventarc.googleapis.com`). */
  eventarc?: string;
  /** Pub/Sub v1, for the publisher binding on a used topic (`pubsub.googleapis.com`). */
  pubsub?: string;
  /** Cloud Storage JSON API, for the object roles on a used bucket (`storage.googleapis.com`). */
  storage?: string;
}

/** Progress, one line at a time; never credentials. */
export type Progress = (line: string) => void;

export interface DeployOptions {
  /** The module exporting the definitions. */
  entry: string;
  /** Required, except with `dryRun`: the plan then marks it `<unknown: pass --project>`. */
  project?: string;
  /** Required, except with `dryRun`: the plan then marks it `<unknown: pass --region>`. */
  region?: string;
  /** Default nodejs22. */
  runtime?: Runtime;
  /** Overrides every function's memory (MB); default each definition's `memory`, else 256. */
  memory?: number;
  /** Overrides every function's timeout (s); default each definition's `timeout`, else 60. */
  timeout?: number;
  maxInstances?: number;
  /** Added to every function's environment; these win over a definition's `env` on conflict. */
  env?: Readonly<Record<string, string>>;
  /** Runtime service account; also the identity Cloud Scheduler and Eventarc call with. Required for schedules. */
  serviceAccount?: string;
  /** Name of the routed HTTP function. Default "http". */
  routedName?: string;
  /** A stage name (`prod`): appended to every function id (`api-prod`), so stages never collide. */
  stage?: string;
  /** Ship `index.js.map` in the archive and run every function with `NODE_OPTIONS=--enable-source-maps`. */
  sourcemap?: boolean;
  /** Only print the plan; no call is made and no credentials are needed. */
  dryRun?: boolean;
  onProgress?: Progress;
  /** Milliseconds between operation polls. Default 5000. */
  pollIntervalMs?: number;
  /** Give up waiting on an operation after this long. Default 20 minutes. */
  operationTimeoutMs?: number;
  endpoints?: Endpoints;
  /** google-auth-library's GoogleAuth (or anything with `request` and `fetch`). Default: Application Default Credentials. */
  auth?: unknown;
}

const KNOWN = ['entry', 'project', 'region', 'runtime', 'memory', 'timeout', 'maxInstances', 'env', 'serviceAccount', 'routedName', 'stage', 'sourcemap', 'dryRun', 'onProgress', 'pollIntervalMs', 'operationTimeoutMs', 'endpoints', 'auth'];

export { DeployOptionError };

/**
 * What a plan shows for a setting it cannot know without it (`deploy --dry-run` with no flags): the
 * plan is still whole, and each unknown names the flag that would fill it in.
 */
export const UNKNOWN = Object.freeze({
  project: '<unknown: pass --project>',
  region: '<unknown: pass --region>',
  serviceAccount: '<unknown: pass --service-account>',
});

/** The project and region a deploy uses: the given ones, or (plan only) the {@link UNKNOWN} marks. */
export function placeOf(options: DeployOptions): { project: string; region: string } {
  return { project: options.project || UNKNOWN.project, region: options.region || UNKNOWN.region };
}

// Project ids: 6-30 lowercase letters, digits, hyphens, starting with a letter
// (https://cloud.google.com/resource-manager/docs/creating-managing-projects#before_you_begin).
const PROJECT = /^[a-z][a-z0-9-]{4,28}[a-z0-9]$/;
const REGION = /^[a-z]+-[a-z]+\d+$/;
const EMAIL = /^[^@\s]+@[^@\s]+\.[^@\s]+$/;

function int(option: string, value: unknown, min: number, max: number): void {
  if (value === undefined) return;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new DeployOptionError(option, `must be a whole number from ${min} to ${max}, got ${JSON.stringify(value)}`);
  }
}

/** Checks every option before anything runs; a typo or a bad value fails here, naming the option. */
export function validateOptions(options: DeployOptions): void {
  if (typeof options !== 'object' || options === null) throw new DeployOptionError('options', 'must be an object');
  for (const key of Object.keys(options)) if (!KNOWN.includes(key)) throw new DeployOptionError(key, `unknown option; known: ${KNOWN.join(', ')}`);
  if (typeof options.entry !== 'string' || !options.entry) throw new DeployOptionError('entry', 'the module to deploy is required');
  // A plan may leave the project and region out (they are shown as unknown); a deploy may not, and a
  // value that is given must be valid either way.
  if (options.dryRun !== undefined && typeof options.dryRun !== 'boolean') throw new DeployOptionError('dryRun', `must be true or false, got ${JSON.stringify(options.dryRun)}`);
  const planOnly = options.dryRun === true;
  const missing = (v: unknown): boolean => v === undefined || v === '';
  if (missing(options.project) && !planOnly) throw new DeployOptionError('project', 'is required to deploy (pass --project, or set GOOGLE_CLOUD_PROJECT); only --dry-run plans without it');
  if (!missing(options.project) && (typeof options.project !== 'string' || !PROJECT.test(options.project))) throw new DeployOptionError('project', `must be a project id (6-30 lowercase letters, digits and hyphens), got ${JSON.stringify(String(options.project).slice(0, 40))}`);
  if (options.sourcemap !== undefined && typeof options.sourcemap !== 'boolean') throw new DeployOptionError('sourcemap', `must be true or false, got ${JSON.stringify(options.sourcemap)}`);
  if (missing(options.region) && !planOnly) throw new DeployOptionError('region', 'is required to deploy (pass --region, or set GOOGLE_CLOUD_REGION); only --dry-run plans without it');
  if (!missing(options.region) && (typeof options.region !== 'string' || !REGION.test(options.region))) throw new DeployOptionError('region', `must be a region such as europe-west1, got ${JSON.stringify(String(options.region).slice(0, 40))}`);
  if (options.runtime !== undefined && !(RUNTIMES as readonly unknown[]).includes(options.runtime)) throw new DeployOptionError('runtime', `must be one of ${RUNTIMES.join(', ')}`);
  // 2nd gen memory: 128 MiB to 32 GiB (https://cloud.google.com/functions/docs/configuring/memory).
  int('memory', options.memory, 128, 32768);
  // Timeouts: up to 3600 s for HTTP functions, 540 s for event-driven ones (checked per function later).
  int('timeout', options.timeout, 1, 3600);
  int('maxInstances', options.maxInstances, 1, 1000);
  int('pollIntervalMs', options.pollIntervalMs, 1, 600_000);
  int('operationTimeoutMs', options.operationTimeoutMs, 1, 3_600_000);
  if (options.env !== undefined) {
    if (typeof options.env !== 'object' || options.env === null) throw new DeployOptionError('env', 'must be an object of strings');
    for (const [k, v] of Object.entries(options.env)) {
      if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(k)) throw new DeployOptionError('env', `bad variable name ${JSON.stringify(k)}`);
      if (typeof v !== 'string') throw new DeployOptionError('env', `${k} must be a string`);
    }
  }
  if (options.serviceAccount !== undefined && (typeof options.serviceAccount !== 'string' || !EMAIL.test(options.serviceAccount))) {
    throw new DeployOptionError('serviceAccount', 'must be a service account email');
  }
  if (options.stage !== undefined && (typeof options.stage !== 'string' || !/^[a-z][a-z0-9]{0,15}$/.test(options.stage))) {
    throw new DeployOptionError('stage', `must be 1-16 lower-case letters and digits, starting with a letter, got ${JSON.stringify(String(options.stage).slice(0, 40))}`);
  }
  if (options.onProgress !== undefined && typeof options.onProgress !== 'function') throw new DeployOptionError('onProgress', 'must be a function');
  if (options.endpoints !== undefined) {
    for (const [k, v] of Object.entries(options.endpoints)) {
      if (!['functions', 'run', 'scheduler', 'eventarc', 'pubsub', 'storage'].includes(k)) throw new DeployOptionError(`endpoints.${k}`, 'unknown endpoint; known: functions, run, scheduler, eventarc, pubsub, storage');
      try {
        new URL(String(v));
      } catch {
        throw new DeployOptionError(`endpoints.${k}`, `must be a URL, got ${JSON.stringify(v)}`);
      }
    }
  }
}
