import type { v2 as FunctionsV2 } from '@google-cloud/functions';
import { buildArchive } from './archive.js';
import type { IgnoredVariable } from './environment.js';
import { functionSpec, type FunctionSpec } from './function-spec.js';
import { CredentialsError } from 'onefn/build';
import { DeployOptionError, validateOptions, type DeployOptions } from './options.js';
import { type Auth, ensureSchedulerJob, ensureStorageTrigger, grantResourceRole, setPublicAccess, uploadArchive } from './rest.js';
import { resourceBindings } from './resources.js';

/** What happened to one function. */
export interface DeployedFunction {
  readonly name: string;
  readonly kind: string;
  readonly action: 'created' | 'updated' | 'planned';
  readonly url: string | undefined;
  readonly entryPoint: string;
  readonly trigger: string;
  /** Environment variables asked for but not set, because onefn or Cloud Run owns them. */
  readonly ignoredEnv: readonly IgnoredVariable[];
  /** The function's `NODE_OPTIONS` (`--enable-source-maps` with `sourcemap`), or undefined when none is set. */
  readonly nodeOptions: string | undefined;
}

export interface DeployResult {
  readonly dryRun: boolean;
  /** The source archive's SHA-256 (base64, as Cloud Storage reports it) and size. */
  readonly sha256: string;
  readonly bytes: number;
  readonly functions: readonly DeployedFunction[];
}

const nodeOptionsOf = (spec: FunctionSpec): string | undefined => spec.resource.serviceConfig.environmentVariables['NODE_OPTIONS'];

/** A Google API call failed; `message` is the API's own message. */
export class DeployError extends Error {
  constructor(
    message: string,
    readonly status?: number | string,
  ) {
    super(message);
    this.name = 'DeployError';
  }
}

type Client = InstanceType<typeof FunctionsV2.FunctionServiceClient>;
type Operation = { name?: string | null; done?: boolean | null; error?: { message?: string } | null; result?: unknown };

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function triggerOf(spec: FunctionSpec): string {
  if (spec.schedule) return `Cloud Scheduler "${spec.schedule.cron}" (${spec.schedule.timeZone})`;
  const t = spec.resource.eventTrigger;
  if (!t) return spec.public ? 'HTTP (public)' : 'HTTP (authenticated)';
  return t.pubsubTopic ? `Pub/Sub ${t.pubsubTopic}` : `${t.eventType} on ${t.eventFilters?.[0]?.value ?? ''}${spec.extraStorageTrigger ? ` and ${spec.extraStorageTrigger.eventType}` : ''}`;
}

function apiMessage(error: unknown): string {
  const e = error as { details?: unknown; message?: unknown; response?: { data?: { error?: { message?: string } } } };
  return e.response?.data?.error?.message ?? (typeof e.details === 'string' && e.details ? e.details : undefined) ?? String(e.message ?? error);
}

/**
 * Resolves the credentials before any client exists: without them, the API client's own background
 * auth call would reject unhandled after the deploy's error line (an uncaught googleauth stack).
 */
async function checkCredentials(auth: Auth): Promise<void> {
  const getClient = (auth as { getClient?: () => Promise<unknown> }).getClient;
  if (typeof getClient !== 'function') return;
  try {
    await getClient.call(auth);
  } catch (error) {
    throw new CredentialsError('Google Cloud', 'gcloud auth application-default login (or set GOOGLE_APPLICATION_CREDENTIALS)', error);
  }
}

/** 16 is UNAUTHENTICATED in google.rpc.Code; `invalid_grant` is an expired or revoked refresh token. */
function isAuthFailure(error: unknown): boolean {
  const code = (error as { code?: unknown }).code;
  return code === 16 || code === 401 || /invalid_grant|invalid_rapt|reauth/i.test(apiMessage(error));
}

async function makeClient(options: DeployOptions, auth: Auth): Promise<Client> {
  const { v2 } = await import('@google-cloud/functions');
  const url = new URL(options.endpoints?.functions ?? 'https://cloudfunctions.googleapis.com');
  const protocol = url.protocol.replace(':', '');
  // The REST transport (`fallback`) honours `protocol`, so the real client can talk to an http
  // loopback server in tests; gRPC could not without TLS.
  return new v2.FunctionServiceClient({
    fallback: true,
    apiEndpoint: url.hostname,
    port: Number(url.port || (protocol === 'http' ? 80 : 443)),
    protocol,
    authClient: auth,
  } as ConstructorParameters<typeof v2.FunctionServiceClient>[0]);
}

async function waitFor(client: Client, op: Operation, kind: 'create' | 'update', options: DeployOptions, id: string): Promise<Record<string, unknown>> {
  const started = Date.now();
  let current: Operation = op;
  for (;;) {
    if (current.done) {
      if (current.error) throw new DeployError(`${id}: ${current.error.message ?? 'the operation failed'}`);
      return (current.result ?? {}) as Record<string, unknown>;
    }
    if (Date.now() - started > (options.operationTimeoutMs ?? 20 * 60_000)) throw new DeployError(`${id}: gave up waiting on ${current.name ?? 'the operation'}`);
    await sleep(options.pollIntervalMs ?? 5000);
    options.onProgress?.(`${id}: waiting on ${current.name ?? 'the operation'}`);
    current = (kind === 'create' ? await client.checkCreateFunctionProgress(current.name as string) : await client.checkUpdateFunctionProgress(current.name as string)) as Operation;
  }
}

async function exists(client: Client, name: string): Promise<boolean> {
  try {
    await client.getFunction({ name });
    return true;
  } catch (error) {
    // 5 is NOT_FOUND in google.rpc.Code.
    if ((error as { code?: unknown }).code === 5 || (error as { code?: unknown }).code === 404) return false;
    throw new DeployError(`reading ${name}: ${apiMessage(error)}`, (error as { code?: number }).code);
  }
}

/**
 * Deploys a module to Cloud Functions (2nd gen): builds the archive once, then for each planned
 * function asks for an upload URL, uploads, creates the function or updates it with an update mask,
 * waits on the long-running operation, and sets up what sits around it (the public invoker binding,
 * a second storage trigger, the Cloud Scheduler job). Options are checked before any call; with
 * `dryRun` nothing is called and no credentials are needed.
 *
 * @example
 * const result = await deploy({ entry: 'src/api.ts', project: 'my-project', region: 'europe-west1', onProgress: console.log })
 * console.log(result.functions.map((f) => f.url))
 */
export async function deploy(options: DeployOptions): Promise<DeployResult> {
  validateOptions(options);
  const progress = options.onProgress ?? (() => {});
  const built = await buildArchive({ entry: options.entry, routedName: options.routedName, sourcemap: options.sourcemap === true });
  const specs = built.plans.map((plan) => functionSpec(plan, options));
  progress(`built ${built.zip.byteLength} bytes (sha256 ${built.sha256}) for ${specs.map((s) => s.id).join(', ')}`);
  const mark = options.dryRun ? 'plan: ' : '';
  for (const s of specs) for (const v of s.ignoredEnv) progress(`${mark}${s.id}: env ${v.name} ignored: ${v.reason}`);
  if (options.sourcemap) for (const s of specs) progress(`${mark}${s.id}: ${options.dryRun ? 'would set' : 'setting'} NODE_OPTIONS=${nodeOptionsOf(s) ?? ''} (source maps, index.js.map in the archive)`);
  // Least privilege for the declared uses: each role on each topic or bucket, for the function's service
  // account. Without --service-account the runtime's default account is not known here, so the plan
  // says what it needs and the deploy grants nothing.
  const member = options.serviceAccount ? `serviceAccount:${options.serviceAccount}` : undefined;
  for (const s of specs) {
    for (const b of resourceBindings(s.plan, options.project).bindings) {
      if (!member) progress(`${mark}${s.id}: needs ${b.role} on ${b.resource} for the runtime's default service account (not granted: pass --service-account to have deploy grant it)`);
      else if (options.dryRun) progress(`plan: ${s.id}: would grant ${b.role} on ${b.resource} to ${member}`);
    }
  }
  if (options.dryRun) {
    for (const s of specs) progress(`plan: ${s.id} (${s.plan.kind}) ${s.resource.buildConfig.runtime}, ${s.resource.serviceConfig.availableMemory}, ${s.resource.serviceConfig.timeoutSeconds}s, ${triggerOf(s)}`);
    return { dryRun: true, sha256: built.sha256, bytes: built.zip.byteLength, functions: specs.map((s) => ({ name: s.id, kind: s.plan.kind, action: 'planned', url: undefined, entryPoint: s.plan.name, trigger: triggerOf(s), ignoredEnv: s.ignoredEnv, nodeOptions: nodeOptionsOf(s) })) };
  }
  const auth = (options.auth ?? new (await import('google-auth-library')).GoogleAuth({ scopes: ['https://www.googleapis.com/auth/cloud-platform'] })) as Auth;
  if (typeof (auth as { request?: unknown }).request !== 'function') throw new DeployOptionError('auth', 'must be a GoogleAuth (or have request() and fetch())');
  await checkCredentials(auth);
  const client = await makeClient(options, auth);
  const parent = `projects/${options.project}/locations/${options.region}`;
  const out: DeployedFunction[] = [];
  try {
    for (const spec of specs) {
      const id = spec.id;
      progress(`${id}: requesting an upload URL`);
      let upload;
      try {
        [upload] = await client.generateUploadUrl({ parent });
      } catch (error) {
        // The first call: credentials that loaded but were refused (expired, revoked) fail here.
        if (isAuthFailure(error)) throw new CredentialsError('Google Cloud', 'gcloud auth application-default login', new Error(apiMessage(error)));
        throw new DeployError(`${id}: generateUploadUrl failed: ${apiMessage(error)}`, (error as { code?: number }).code);
      }
      if (!upload.uploadUrl || !upload.storageSource) throw new DeployError(`${id}: generateUploadUrl returned no uploadUrl`);
      progress(`${id}: uploading the source`);
      await uploadArchive(upload.uploadUrl, built.zip);
      const resource = { ...spec.resource, buildConfig: { ...spec.resource.buildConfig, source: { storageSource: upload.storageSource as Record<string, unknown> } } };
      const update = await exists(client, resource.name);
      progress(`${id}: ${update ? 'updating' : 'creating'} the function`);
      let op: Operation;
      try {
        [op] = (update
          ? await client.updateFunction({ function: resource, updateMask: { paths: spec.updateMask } })
          : await client.createFunction({ parent, functionId: id, function: resource })) as unknown as [Operation];
      } catch (error) {
        throw new DeployError(`${id}: ${update ? 'updateFunction' : 'createFunction'} failed: ${apiMessage(error)}`, (error as { code?: number }).code);
      }
      const fn = await waitFor(client, op, update ? 'update' : 'create', options, id);
      const serviceConfig = (fn['serviceConfig'] ?? {}) as { uri?: string; service?: string };
      const url = serviceConfig.uri ?? (typeof fn['url'] === 'string' ? fn['url'] : undefined);
      const service = serviceConfig.service || `${parent}/services/${id.toLowerCase()}`;
      // A new function starts with no invoker binding; one that exists may have been public before and
      // must not stay open once its definition says otherwise.
      if (spec.public || update) {
        const change = await setPublicAccess(auth, options, service, spec.public);
        if (change === 'granted') progress(`${id}: allowed unauthenticated calls (roles/run.invoker for allUsers)`);
        if (change === 'revoked') progress(`${id}: removed unauthenticated access (allUsers from roles/run.invoker)`);
      }
      if (spec.extraStorageTrigger) {
        progress(`${id}: adding the Eventarc trigger for ${spec.extraStorageTrigger.eventType}`);
        await ensureStorageTrigger(auth, options, id, service, spec.extraStorageTrigger);
      }
      if (spec.schedule) {
        if (!url) throw new DeployError(`${id}: the function has no URL for Cloud Scheduler to call`);
        progress(`${id}: scheduling "${spec.schedule.cron}" (${spec.schedule.timeZone})`);
        await ensureSchedulerJob(auth, options, id, url, spec.schedule);
      }
      if (member) {
        for (const b of resourceBindings(spec.plan, options.project).bindings) {
          const change = await grantResourceRole(auth, options, b.resource, b.role, member).catch((error: unknown) => {
            throw new DeployError(`${id}: ${error instanceof Error ? error.message : String(error)}`, (error as { status?: number }).status);
          });
          progress(`${id}: ${change === 'granted' ? 'granted' : 'already has'} ${b.role} on ${b.resource} ${change === 'granted' ? 'to' : 'for'} ${member}`);
        }
      }
      progress(`${id}: ${update ? 'updated' : 'created'}${url ? ` at ${url}` : ''}`);
      out.push({ name: id, kind: spec.plan.kind, action: update ? 'updated' : 'created', url, entryPoint: spec.plan.name, trigger: triggerOf(spec), ignoredEnv: spec.ignoredEnv, nodeOptions: nodeOptionsOf(spec) });
    }
  } finally {
    await client.close().catch(() => {});
  }
  return { dryRun: false, sha256: built.sha256, bytes: built.zip.byteLength, functions: out };
}
