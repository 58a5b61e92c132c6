/**
 * What `rollback`, `destroy` and `logs` share on Google Cloud: their options and checks, the
 * credentials check before any client exists, the REST transport on a given endpoint, and one typed
 * error for what the APIs answer.
 */
import { OnefnError } from 'onefn';
import { CredentialsError, DeployOptionError } from 'onefn/build';

/** Where each Google API is reached; tests point them at a loopback server. */
export interface LifecycleEndpoints {
  /** Cloud Functions v2 (`cloudfunctions.googleapis.com`). */
  functions?: string;
  /** Cloud Run admin v2 (`run.googleapis.com`): revisions and traffic. */
  run?: string;
  /** Cloud Scheduler v1 (`cloudscheduler.googleapis.com`). */
  scheduler?: string;
  /** Eventarc v1 (`eventarc.googleapis.com`). */
  eventarc?: string;
  /** Pub/Sub v1 (`pubsub.googleapis.com`): the IAM policies of used topics, over gRPC (an http URL is reached as an emulator). */
  pubsub?: string;
  /** Cloud Storage JSON API (`storage.googleapis.com`): the IAM policies of used buckets. */
  storage?: string;
  /** Cloud Logging v2 (`logging.googleapis.com`). */
  logging?: string;
}

const ENDPOINT_NAMES = ['functions', 'run', 'scheduler', 'eventarc', 'pubsub', 'storage', 'logging'] as const;
type EndpointName = (typeof ENDPOINT_NAMES)[number];
const DEFAULT_HOSTS: Record<EndpointName, string> = {
  functions: 'https://cloudfunctions.googleapis.com', run: 'https://run.googleapis.com', scheduler: 'https://cloudscheduler.googleapis.com',
  eventarc: 'https://eventarc.googleapis.com', pubsub: 'https://pubsub.googleapis.com', storage: 'https://storage.googleapis.com', logging: 'https://logging.googleapis.com',
};

/** What every lifecycle command takes: where the function is, and how to reach Google. */
export interface LifecycleOptions {
  project: string;
  region: string;
  /** The function's id as deployed: the stage suffix included (`api-prod`). */
  function: string;
  /** Progress, one line at a time, on stderr in the CLI. */
  onProgress?: (line: string) => void;
  endpoints?: LifecycleEndpoints;
  /** google-auth-library's GoogleAuth. Default: Application Default Credentials. */
  auth?: unknown;
  /** Milliseconds between long-running operation polls. Default 2000. */
  pollIntervalMs?: number;
  /** Give up waiting on an operation after this long. Default 10 minutes. */
  operationTimeoutMs?: number;
}

/** What went wrong, as a stable code. */
export type LifecycleErrorCode = 'FUNCTION_NOT_FOUND' | 'NOT_OWNED' | 'NO_PREVIOUS_REVISION' | 'REVISION_NOT_FOUND' | 'GOOGLE_API_ERROR' | 'MISSING_PACKAGE';

/**
 * `rollback`, `destroy` or `logs` could not do what was asked on Google Cloud: the function is not
 * there, was not made by onefn, has nothing to roll back to, or an API refused (its own message).
 *
 * @example
 * try { await destroy(options) } catch (e) { if (e instanceof GcpLifecycleError && e.code === 'NOT_OWNED') ... }
 */
export class GcpLifecycleError extends OnefnError {
  override readonly code: LifecycleErrorCode;
  constructor(code: LifecycleErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
    this.name = 'GcpLifecycleError';
    this.code = code;
  }
}

// Project ids: 6-30 lowercase letters, digits, hyphens, starting with a letter
// (https://cloud.google.com/resource-manager/docs/creating-managing-projects#before_you_begin).
const PROJECT = /^[a-z][a-z0-9-]{4,28}[a-z0-9]$/;
const REGION = /^[a-z]+-[a-z]+\d+$/;
// Function ids: a letter, then letters, digits, hyphens and underscores, at most 63.
const FUNCTION_ID = /^[A-Za-z][A-Za-z0-9_-]{0,62}$/;

const shown = (value: unknown): string => JSON.stringify(typeof value === 'string' ? value.slice(0, 80) : value) ?? String(value);

/** Checks the options every lifecycle command shares, before any call; `known` lists the command's own keys too. */
export function validateLifecycle(options: LifecycleOptions, known: readonly string[]): void {
  if (typeof options !== 'object' || options === null) throw new DeployOptionError('options', 'must be an object');
  const keys = ['project', 'region', 'function', 'onProgress', 'endpoints', 'auth', 'pollIntervalMs', 'operationTimeoutMs', ...known];
  for (const key of Object.keys(options)) if (!keys.includes(key)) throw new DeployOptionError(key, `unknown option; known: ${keys.join(', ')}`);
  if (typeof options.project !== 'string' || !PROJECT.test(options.project)) throw new DeployOptionError('project', `must be a project id (6-30 lowercase letters, digits and hyphens), got ${shown(options.project)}`);
  if (typeof options.region !== 'string' || !REGION.test(options.region)) throw new DeployOptionError('region', `must be a region such as europe-west1, got ${shown(options.region)}`);
  if (typeof options.function !== 'string' || !FUNCTION_ID.test(options.function)) throw new DeployOptionError('function', `must be a Cloud Functions id (a letter, then letters, digits, - and _, at most 63), got ${shown(options.function)}`);
  if (options.onProgress !== undefined && typeof options.onProgress !== 'function') throw new DeployOptionError('onProgress', 'must be a function');
  for (const key of ['pollIntervalMs', 'operationTimeoutMs'] as const) {
    const v = options[key];
    if (v !== undefined && (typeof v !== 'number' || !Number.isInteger(v) || v < 1 || v > 3_600_000)) throw new DeployOptionError(key, `must be a whole number of milliseconds from 1 to 3600000, got ${shown(v)}`);
  }
  if (options.endpoints !== undefined) {
    if (typeof options.endpoints !== 'object' || options.endpoints === null) throw new DeployOptionError('endpoints', 'must be an object of URLs');
    for (const [k, v] of Object.entries(options.endpoints)) {
      if (!(ENDPOINT_NAMES as readonly string[]).includes(k)) throw new DeployOptionError(`endpoints.${k}`, `unknown endpoint; known: ${ENDPOINT_NAMES.join(', ')}`);
      let url: URL;
      try {
        url = new URL(String(v));
      } catch {
        throw new DeployOptionError(`endpoints.${k}`, `must be a URL, got ${shown(v)}`);
      }
      if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new DeployOptionError(`endpoints.${k}`, `must be an http(s) URL, got ${shown(v)}`);
    }
  }
}

/** The endpoint's base URL, without a trailing slash. */
export function endpointOf(options: LifecycleOptions, api: EndpointName): string {
  return (options.endpoints?.[api] ?? DEFAULT_HOSTS[api]).replace(/\/$/, '');
}

/**
 * Constructor options for a generated `@google-cloud/*` client on its REST transport (`fallback`),
 * which honours `protocol`, so the real client can talk to an http loopback server in tests.
 */
export function restClientOptions(options: LifecycleOptions, api: EndpointName, auth: unknown): Record<string, unknown> {
  const url = new URL(endpointOf(options, api));
  const protocol = url.protocol.replace(':', '');
  return { fallback: true, apiEndpoint: url.hostname, port: Number(url.port || (protocol === 'http' ? 80 : 443)), protocol, authClient: auth, projectId: options.project };
}

/**
 * Imports an SDK the lifecycle commands need but the runtime does not: it is an optional peer of
 * @onefn/gcp, so a missing one is named with the command that installs it.
 */
export async function importSdk<T>(name: string, load: () => Promise<T>): Promise<T> {
  try {
    return await load();
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    if ((code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') && String((error as Error).message).includes(name)) {
      throw new GcpLifecycleError('MISSING_PACKAGE', `this command needs ${name}, an optional peer of @onefn/gcp: npm i -D ${name}`, { cause: error });
    }
    throw error;
  }
}

/** The API's own message, out of a gax or gaxios error. */
export function apiMessage(error: unknown): string {
  const e = error as { details?: unknown; message?: unknown; response?: { data?: { error?: { message?: string } } } };
  let said = e.response?.data?.error?.message ?? (typeof e.details === 'string' && e.details ? e.details : undefined) ?? String(e.message ?? error);
  // gaxios on a streamed response leaves the API's JSON error document as the message.
  if (said.startsWith('{')) {
    try {
      const doc = JSON.parse(said) as { error?: { message?: unknown } };
      if (typeof doc.error?.message === 'string') said = doc.error.message;
    } catch {
      // Not JSON after all: keep it as it is.
    }
  }
  return said.split('\n')[0]?.slice(0, 300) ?? '';
}

/** 5 is NOT_FOUND in google.rpc.Code; the REST transport may report the HTTP status instead. */
export function isNotFound(error: unknown): boolean {
  const code = (error as { code?: unknown }).code;
  return code === 5 || code === 404;
}

/** 16 is UNAUTHENTICATED; `invalid_grant` is an expired or revoked refresh token. */
function isAuthFailure(error: unknown): boolean {
  const code = (error as { code?: unknown }).code;
  return code === 16 || code === 401 || /invalid_grant|invalid_rapt|reauth/i.test(apiMessage(error));
}

const LOGIN = 'gcloud auth application-default login (or set GOOGLE_APPLICATION_CREDENTIALS)';

/** A failed API call as a typed error: refused credentials name the login step; anything else keeps the API's message. */
export function apiError(what: string, error: unknown): OnefnError {
  if (error instanceof OnefnError) return error;
  if (isAuthFailure(error)) return new CredentialsError('Google Cloud', LOGIN, new Error(apiMessage(error)));
  return new GcpLifecycleError('GOOGLE_API_ERROR', `${what} failed: ${apiMessage(error)}`, { cause: error });
}

/**
 * The credentials, resolved before any client exists: without them, a client's own background auth
 * call would reject unhandled after the error line (an uncaught googleauth stack).
 */
export async function resolveAuth(options: LifecycleOptions): Promise<unknown> {
  const auth = options.auth ?? new (await import('google-auth-library')).GoogleAuth({ scopes: ['https://www.googleapis.com/auth/cloud-platform'] });
  const getClient = (auth as { getClient?: () => Promise<unknown> }).getClient;
  if (typeof getClient !== 'function') throw new DeployOptionError('auth', 'must be a GoogleAuth (with getClient())');
  try {
    await getClient.call(auth);
  } catch (error) {
    throw new CredentialsError('Google Cloud', LOGIN, error);
  }
  return auth;
}

/** The function's full resource name. */
export function functionResource(options: LifecycleOptions): string {
  return `projects/${options.project}/locations/${options.region}/functions/${options.function}`;
}

/** The last segment of a resource name (`.../revisions/api-00002-abc` -> `api-00002-abc`). */
export const shortName = (name: string): string => name.slice(name.lastIndexOf('/') + 1);

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** A long-running operation as the generated clients hand it back. */
export interface Operation {
  name?: string | null;
  done?: boolean | null;
  error?: { message?: string | null } | null;
}

/** Waits for an operation, polling with `check` (a client's `check...Progress`). */
export async function waitForOperation(options: LifecycleOptions, what: string, op: Operation, check: (name: string) => Promise<Operation>): Promise<void> {
  const started = Date.now();
  let current = op;
  for (;;) {
    if (current.done) {
      if (current.error) throw new GcpLifecycleError('GOOGLE_API_ERROR', `${what} failed: ${current.error.message ?? 'the operation failed'}`);
      return;
    }
    if (!current.name) throw new GcpLifecycleError('GOOGLE_API_ERROR', `${what}: the API returned an operation with no name`);
    if (Date.now() - started > (options.operationTimeoutMs ?? 10 * 60_000)) throw new GcpLifecycleError('GOOGLE_API_ERROR', `${what}: gave up waiting on ${current.name}`);
    await sleep(options.pollIntervalMs ?? 2000);
    options.onProgress?.(`${options.function}: waiting on ${current.name}`);
    try {
      current = await check(current.name);
    } catch (error) {
      throw apiError(`${what} (polling ${current.name})`, error);
    }
  }
}

/** The Cloud Functions v2 client on its REST transport. */
export async function functionsClient(options: LifecycleOptions, auth: unknown) {
  const { v2 } = await import('@google-cloud/functions');
  return new v2.FunctionServiceClient(restClientOptions(options, 'functions', auth) as ConstructorParameters<typeof v2.FunctionServiceClient>[0]);
}

/** The label deploy puts on every function it makes (see function-spec.ts): the proof of ownership. */
export const OWNER_LABEL = { key: 'deployed-by', value: 'onefn' } as const;
