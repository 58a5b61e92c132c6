/**
 * What `rollback`, `destroy` and `logs` share on Azure: where the app is, its checks (before any call),
 * the ARM clients on a given endpoint, the credentials check, and one typed error for what Azure answers.
 */
import type { TokenCredential } from '@azure/identity';
import { OnefnError } from 'onefn';
import { CredentialsError, DeployOptionError } from 'onefn/build';

/** What every lifecycle command takes: where the function app is, and how to reach Azure. */
export interface LifecycleOptions {
  subscriptionId: string;
  resourceGroup: string;
  /** The function app's name as `deploy --app` took it; with `stage`, `-<stage>` is appended, as deploy does. */
  app: string;
  stage?: string | undefined;
  /** The app's storage account. Default: deploy's default, the app name without hyphens, lower-cased, cut to 24. */
  storageAccount?: string | undefined;
  /** Default: DefaultAzureCredential. */
  credential?: TokenCredential | undefined;
  /** ARM endpoint. Default `https://management.azure.com`. */
  armEndpoint?: string | undefined;
  /** Lets tests use http:// loopback endpoints. */
  allowInsecureConnection?: boolean | undefined;
  progress?: ((line: string) => void) | undefined;
}

/** What went wrong, as a stable code. */
export type AzureLifecycleErrorCode = 'APP_NOT_FOUND' | 'NOT_OWNED' | 'NO_PREVIOUS_RELEASE' | 'RELEASE_NOT_FOUND' | 'NO_APP_INSIGHTS' | 'AZURE_API_ERROR' | 'MISSING_PACKAGE';

/**
 * `rollback`, `destroy` or `logs` could not do what was asked on Azure: the app is not there, was not
 * made by onefn, has no release to go back to, sends no logs to Application Insights, or an API refused
 * (with the service's message, never a token or a key).
 *
 * @example
 * try { await destroyFunctionApp(options) } catch (e) { if (e instanceof AzureLifecycleError && e.code === 'NOT_OWNED') ... }
 */
export class AzureLifecycleError extends OnefnError {
  override readonly code: AzureLifecycleErrorCode;
  constructor(code: AzureLifecycleErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
    this.name = 'AzureLifecycleError';
    this.code = code;
  }
}

/** The tag deploy puts on a function app it creates: destroy deletes only an app that carries it. */
export const OWNER_TAG = { name: 'deployed-by', value: 'onefn' } as const;

const shown = (value: unknown): string => JSON.stringify(typeof value === 'string' ? value.slice(0, 80) : value) ?? String(value);

function need(option: string, value: unknown, pattern: RegExp, what: string): string {
  if (typeof value !== 'string' || !pattern.test(value)) throw new DeployOptionError(option, `must be ${what}, got ${shown(value)}`);
  return value;
}

/** The storage account deploy uses when none is named (the same rule as `validateDeployOptions`). */
export function defaultStorageAccount(app: string): string {
  return app.replace(/-/g, '').toLowerCase().slice(0, 24).padEnd(3, '0');
}

/** The options, checked; the app and storage names with the stage applied, as deploy names them. */
export interface CheckedLifecycle {
  readonly app: string;
  readonly storageAccount: string;
  readonly armEndpoint: string;
}

/** Checks what every lifecycle command shares, before any call; `known` lists the command's own keys. */
export function validateLifecycle(options: LifecycleOptions, known: readonly string[]): CheckedLifecycle {
  if (typeof options !== 'object' || options === null) throw new DeployOptionError('options', 'must be an object');
  const keys = ['subscriptionId', 'resourceGroup', 'app', 'stage', 'storageAccount', 'credential', 'armEndpoint', 'allowInsecureConnection', 'progress', ...known];
  for (const key of Object.keys(options)) if (!keys.includes(key)) throw new DeployOptionError(key, `unknown option; known options: ${keys.join(', ')}`);
  need('subscriptionId', options.subscriptionId, /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/, 'a subscription id (a GUID)');
  need('resourceGroup', options.resourceGroup, /^[-\w._()]{1,90}$/, 'a resource group name (1-90 letters, digits, -_.())');
  if (options.stage !== undefined) need('stage', options.stage, /^[a-z][a-z0-9]{0,15}$/, '1-16 lower-case letters and digits, starting with a letter');
  const given = need('app', options.app, /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,58}[A-Za-z0-9])?$/, 'an app name (2-60 letters, digits and hyphens)');
  const app = options.stage === undefined ? given : `${given}-${options.stage}`;
  need('app', app, /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,58}[A-Za-z0-9])?$/, 'an app name of at most 60 characters with its stage');
  const storageAccount = options.storageAccount ?? defaultStorageAccount(app);
  need('storageAccount', storageAccount, /^[a-z0-9]{3,24}$/, 'a storage account name (3-24 lower-case letters and digits)');
  if (options.progress !== undefined && typeof options.progress !== 'function') throw new DeployOptionError('progress', 'must be a function');
  return { app, storageAccount, armEndpoint: endpoint('armEndpoint', options.armEndpoint, 'https://management.azure.com', options.allowInsecureConnection) };
}

/** A URL option without its trailing slash; http only for a local test server. */
export function endpoint(option: string, value: string | undefined, fallback: string, allowInsecure: boolean | undefined): string {
  const text = value ?? fallback;
  let parsed: URL;
  try {
    parsed = new URL(text);
  } catch {
    throw new DeployOptionError(option, `must be a URL, got ${shown(text)}`);
  }
  if (parsed.protocol !== 'https:' && !(parsed.protocol === 'http:' && allowInsecure)) throw new DeployOptionError(option, 'must use https (set allowInsecureConnection for a local test server)');
  return text.replace(/\/+$/, '');
}

// @azure/identity's failures: no credential in the chain could give a token, or the one found was refused.
const CREDENTIAL_ERRORS = new Set(['CredentialUnavailableError', 'AggregateAuthenticationError', 'AuthenticationRequiredError', 'AuthenticationError']);

/** One line naming `az login` for a credential failure; otherwise the API's answer as an AzureLifecycleError. */
export function azureFailure(step: string, error: unknown): OnefnError {
  if (error instanceof OnefnError) return error;
  const name = (error as { name?: unknown })?.name;
  const e = error as { message?: string; statusCode?: number; code?: string };
  if ((typeof name === 'string' && CREDENTIAL_ERRORS.has(name)) || e?.statusCode === 401) {
    return new CredentialsError('Azure', 'az login (or set AZURE_CLIENT_ID, AZURE_TENANT_ID and AZURE_CLIENT_SECRET)', error);
  }
  const said = (e?.message ?? String(error)).split('\n')[0]?.slice(0, 300) ?? '';
  return new AzureLifecycleError('AZURE_API_ERROR', `${step} failed${e?.statusCode ? ` (${e.statusCode}${e.code ? ` ${e.code}` : ''})` : ''}: ${said}`, { cause: error });
}

export function isNotFound(error: unknown): boolean {
  return (error as { statusCode?: number })?.statusCode === 404;
}

/** Runs one step: logs its name, maps its failure. */
export function stepper(progress: (line: string) => void) {
  return async <T>(name: string, run: () => Promise<T>, quiet = false): Promise<T> => {
    if (!quiet) progress(name);
    try {
      return await run();
    } catch (error) {
      throw azureFailure(name, error);
    }
  };
}

/** The smallest pipeline shape the loopback bearer policy needs (every @azure client has it). */
interface Pipelined<R> {
  pipeline: {
    removePolicy(options: { name: string }): unknown;
    addPolicy(policy: { name: string; sendRequest(request: { headers: { set(name: string, value: string): void } }, next: (request: never) => Promise<R>): Promise<R> }, options: { phase: 'Sign' }): void;
  };
}

/**
 * The SDKs' bearer policy refuses http URLs outright. For a local test server only
 * (`allowInsecureConnection`), it is replaced by one that sends the same token over loopback.
 */
export function loopbackBearer<R>(client: Pipelined<R>, credential: TokenCredential, scope: string): void {
  client.pipeline.removePolicy({ name: 'bearerTokenAuthenticationPolicy' });
  client.pipeline.addPolicy({
    name: 'onefnLoopbackBearer',
    sendRequest: async (request, next) => {
      request.headers.set('authorization', `Bearer ${(await credential.getToken(scope))?.token ?? ''}`);
      return next(request as never);
    },
  }, { phase: 'Sign' });
}

/** A credential: the given one, else DefaultAzureCredential. */
export async function credentialOf(options: LifecycleOptions): Promise<TokenCredential> {
  return options.credential ?? new (await import('@azure/identity')).DefaultAzureCredential();
}

/**
 * Imports an SDK that is an optional peer of @onefn/azure (needed only by one command): a missing
 * package is a typed error naming the install command, not a raw ERR_MODULE_NOT_FOUND.
 */
export async function optionalPeer<T>(name: string, load: () => Promise<T>): Promise<T> {
  try {
    return await load();
  } catch (error) {
    const code = (error as NodeJS.ErrnoException)?.code;
    // Only the package itself missing: a module missing inside it is a broken install, reported as is.
    if ((code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') && String((error as Error).message).includes(`'${name}'`)) {
      throw new AzureLifecycleError('MISSING_PACKAGE', `this command needs ${name}, an optional peer of @onefn/azure: npm i -D ${name}`, { cause: error });
    }
    throw error;
  }
}
