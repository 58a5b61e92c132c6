import { CredentialsError } from 'onefn/build';
import { buildArchive } from './archive.js';
import { googleClients, type FunctionsClient, type GoogleClients } from './clients.js';
import type { IgnoredVariable } from './environment.js';
import { ApiError, DeployError } from './errors.js';
import { functionSpec, type FunctionSpec } from './function-spec.js';
import { DeployOptionError, placeOf, UNKNOWN, validateOptions, type DeployOptions } from './options.js';
import { type Auth, ensureBucket, ensureSchedulerJob, ensureStorageTrigger, ensureTopic, grantResourceRole, setPublicAccess, uploadArchive } from './rest.js';
import { resourceBindings } from './resources.js';

export { ApiError, DeployError };

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

/** A topic or bucket the functions use or listen on, and what deploy did about it. */
export interface DeployedResource {
  readonly kind: 'topic' | 'bucket';
  /** The topic's full name, or the bucket's name. */
  readonly name: string;
  /** `planned` in a dry run; `created` when deploy made it (labelled `deployed-by: onefn`); `exists` when it was left alone. */
  readonly action: 'planned' | 'created' | 'exists';
  /** The functions that use it or are triggered by it. */
  readonly functions: readonly string[];
  /** Where a missing bucket is created: the functions' region (undefined for a topic, which is global). */
  readonly location: string | undefined;
}

/** A setting a plan could not know without its flag. */
export type UnknownSetting = 'project' | 'region' | 'serviceAccount';

export interface DeployResult {
  readonly dryRun: boolean;
  /** The project and region deployed to; in a plan made without them, the `<unknown: pass --...>` marks. */
  readonly project: string;
  readonly region: string;
  /** What the plan could not know without a flag (always empty for a deploy). */
  readonly unknown: readonly UnknownSetting[];
  /** The source archive's SHA-256 (base64, as Cloud Storage reports it) and size. */
  readonly sha256: string;
  readonly bytes: number;
  readonly functions: readonly DeployedFunction[];
  /** Every topic and bucket the functions use or listen on; deploy creates the missing ones. */
  readonly resources: readonly DeployedResource[];
}

const nodeOptionsOf = (spec: FunctionSpec): string | undefined => spec.resource.serviceConfig.environmentVariables['NODE_OPTIONS'];

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
  const e = (error instanceof ApiError ? error.cause : error) as { code?: unknown } | undefined;
  const code = e?.code;
  return code === 16 || code === 401 || /invalid_grant|invalid_rapt|reauth/i.test(apiMessage(e));
}

async function waitFor(client: FunctionsClient, op: Operation, kind: 'create' | 'update', options: DeployOptions, id: string): Promise<Record<string, unknown>> {
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

async function exists(client: FunctionsClient, name: string): Promise<boolean> {
  try {
    await client.getFunction({ name });
    return true;
  } catch (error) {
    // 5 is NOT_FOUND in google.rpc.Code.
    if ((error as { code?: unknown }).code === 5 || (error as { code?: unknown }).code === 404) return false;
    throw new ApiError(`reading ${name} failed: ${apiMessage(error)}`, (error as { code?: number }).code, { cause: error });
  }
}

/**
 * Every topic and bucket the functions use (their declared `uses`) or listen on (a queue or topic
 * consumer's topic, a storage function's bucket), each once, in the order first met.
 */
function resourcesOf(specs: readonly FunctionSpec[], project: string): Array<{ kind: 'topic' | 'bucket'; name: string; functions: string[] }> {
  const found = new Map<string, { kind: 'topic' | 'bucket'; name: string; functions: string[] }>();
  for (const s of specs) {
    const all = [...(s.source ? [s.source] : []), ...resourceBindings(s.plan, project).resources];
    for (const r of all) {
      const key = `${r.kind}:${r.name}`;
      const entry = found.get(key) ?? { kind: r.kind, name: r.name, functions: [] };
      if (!entry.functions.includes(s.id)) entry.functions.push(s.id);
      found.set(key, entry);
    }
  }
  return [...found.values()];
}

/**
 * Deploys a module to Cloud Functions (2nd gen): builds the archive once; creates each topic and
 * bucket the functions use or listen on that does not exist yet (labelled `deployed-by: onefn`;
 * existing ones are left alone); then for each planned function asks for an upload URL, uploads,
 * creates the function or updates it with an update mask, waits on the long-running operation, and
 * sets up what sits around it (the public invoker binding, a second storage trigger, the Cloud
 * Scheduler job, the roles its declared uses need). Every call goes through Google's own clients,
 * created once per deploy and closed at the end. Options are checked before any call; with `dryRun`
 * nothing is called and no credentials are needed, and a missing project, region or service account
 * is shown as unknown rather than refused.
 *
 * @example
 * const result = await deploy({ entry: 'src/api.ts', project: 'my-project', region: 'europe-west1', onProgress: console.log })
 * console.log(result.functions.map((f) => f.url))
 */
export async function deploy(options: DeployOptions): Promise<DeployResult> {
  validateOptions(options);
  const progress = options.onProgress ?? (() => {});
  const { project, region } = placeOf(options);
  const unknown: UnknownSetting[] = [];
  if (!options.project) unknown.push('project');
  if (!options.region) unknown.push('region');
  const built = await buildArchive({ entry: options.entry, routedName: options.routedName, sourcemap: options.sourcemap === true });
  const specs = built.plans.map((plan) => functionSpec(plan, options));
  if (!options.serviceAccount && specs.some((s) => s.schedule)) unknown.push('serviceAccount');
  progress(`built ${built.zip.byteLength} bytes (sha256 ${built.sha256}) for ${specs.map((s) => s.id).join(', ')}`);
  const mark = options.dryRun ? 'plan: ' : '';
  if (options.dryRun && unknown.length) progress(`plan: not known without flags: ${unknown.map((u) => UNKNOWN[u]).join(', ')}`);
  for (const s of specs) for (const v of s.ignoredEnv) progress(`${mark}${s.id}: env ${v.name} ignored: ${v.reason}`);
  if (options.sourcemap) for (const s of specs) progress(`${mark}${s.id}: ${options.dryRun ? 'would set' : 'setting'} NODE_OPTIONS=${nodeOptionsOf(s) ?? ''} (source maps, index.js.map in the archive)`);
  const needed = resourcesOf(specs, project);
  // Least privilege for the declared uses: each role on each topic or bucket, for the function's service
  // account. Without --service-account the runtime's default account is not known here, so the plan
  // says what it needs and the deploy grants nothing.
  const member = options.serviceAccount ? `serviceAccount:${options.serviceAccount}` : undefined;
  if (options.dryRun) {
    for (const r of needed) progress(`plan: would create ${r.kind} ${r.name}${r.kind === 'bucket' ? ` in ${region}` : ''} (if missing), for ${r.functions.join(', ')}`);
  }
  for (const s of specs) {
    for (const b of resourceBindings(s.plan, project).bindings) {
      if (!member) progress(`${mark}${s.id}: needs ${b.role} on ${b.resource} for the runtime's default service account (not granted: pass --service-account to have deploy grant it)`);
      else if (options.dryRun) progress(`plan: ${s.id}: would grant ${b.role} on ${b.resource} to ${member}`);
    }
  }
  const summary = (s: FunctionSpec, action: DeployedFunction['action'], url: string | undefined): DeployedFunction => ({ name: s.id, kind: s.plan.kind, action, url, entryPoint: s.plan.name, trigger: triggerOf(s), ignoredEnv: s.ignoredEnv, nodeOptions: nodeOptionsOf(s) });
  const resourceOut = (r: (typeof needed)[number], action: DeployedResource['action']): DeployedResource => ({ kind: r.kind, name: r.name, action, functions: r.functions, location: r.kind === 'bucket' ? region : undefined });
  if (options.dryRun) {
    for (const s of specs) {
      progress(`plan: ${s.id} (${s.plan.kind}) ${s.resource.buildConfig.runtime}, ${s.resource.serviceConfig.availableMemory}, ${s.resource.serviceConfig.timeoutSeconds}s, ${triggerOf(s)}`);
      if (s.schedule) progress(`plan: ${s.id}: would schedule a Cloud Scheduler job calling it with an OIDC token for ${options.serviceAccount ?? UNKNOWN.serviceAccount}`);
      if (s.public) progress(`plan: ${s.id}: would allow unauthenticated calls (roles/run.invoker for allUsers)`);
    }
    return { dryRun: true, project, region, unknown, sha256: built.sha256, bytes: built.zip.byteLength, functions: specs.map((s) => summary(s, 'planned', undefined)), resources: needed.map((r) => resourceOut(r, 'planned')) };
  }
  const auth = (options.auth ?? new (await import('google-auth-library')).GoogleAuth({ scopes: ['https://www.googleapis.com/auth/cloud-platform'] })) as Auth;
  if (typeof (auth as { request?: unknown }).request !== 'function') throw new DeployOptionError('auth', 'must be a GoogleAuth (or have request() and fetch())');
  await checkCredentials(auth);
  const clients = googleClients(options, auth);
  try {
    return await run(options, { project, region }, specs, needed, clients, auth, built, { summary, resourceOut, member });
  } catch (error) {
    // Credentials that loaded but were refused (expired, revoked) fail at the first call, whichever it is.
    if (isAuthFailure(error)) throw new CredentialsError('Google Cloud', 'gcloud auth application-default login', new Error(apiMessage(error instanceof ApiError ? error.cause : error)));
    throw error;
  } finally {
    await clients.close();
  }
}

async function run(
  options: DeployOptions,
  where: { project: string; region: string },
  specs: readonly FunctionSpec[],
  needed: ReturnType<typeof resourcesOf>,
  clients: GoogleClients,
  auth: Auth,
  built: { zip: Uint8Array; sha256: string },
  make: {
    summary: (s: FunctionSpec, action: DeployedFunction['action'], url: string | undefined) => DeployedFunction;
    resourceOut: (r: ReturnType<typeof resourcesOf>[number], action: DeployedResource['action']) => DeployedResource;
    member: string | undefined;
  },
): Promise<DeployResult> {
  const progress = options.onProgress ?? (() => {});
  const resources: DeployedResource[] = [];
  // Before any function: a trigger needs its topic or bucket to exist, and grants need their resource.
  for (const r of needed) {
    const presence = r.kind === 'topic' ? await ensureTopic(clients, r.name) : await ensureBucket(clients, r.name, where.region);
    progress(presence === 'created' ? `created ${r.kind} ${r.name}${r.kind === 'bucket' ? ` in ${where.region}` : ''} (label deployed-by=onefn)` : `${r.kind} ${r.name} exists; left as it is`);
    resources.push(make.resourceOut(r, presence));
  }
  const client = await clients.functions();
  const parent = `projects/${where.project}/locations/${where.region}`;
  const out: DeployedFunction[] = [];
  for (const spec of specs) {
    const id = spec.id;
    progress(`${id}: requesting an upload URL`);
    let upload;
    try {
      [upload] = await client.generateUploadUrl({ parent });
    } catch (error) {
      throw new ApiError(`${id}: generateUploadUrl failed: ${apiMessage(error)}`, (error as { code?: number }).code, { cause: error });
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
      throw new ApiError(`${id}: ${update ? 'updateFunction' : 'createFunction'} failed: ${apiMessage(error)}`, (error as { code?: number }).code, { cause: error });
    }
    const fn = await waitFor(client, op, update ? 'update' : 'create', options, id);
    const serviceConfig = (fn['serviceConfig'] ?? {}) as { uri?: string; service?: string };
    const url = serviceConfig.uri ?? (typeof fn['url'] === 'string' ? fn['url'] : undefined);
    const service = serviceConfig.service || `${parent}/services/${id.toLowerCase()}`;
    // A new function starts with no invoker binding; one that exists may have been public before and
    // must not stay open once its definition says otherwise.
    if (spec.public || update) {
      const change = await setPublicAccess(clients, service, spec.public);
      if (change === 'granted') progress(`${id}: allowed unauthenticated calls (roles/run.invoker for allUsers)`);
      if (change === 'revoked') progress(`${id}: removed unauthenticated access (allUsers from roles/run.invoker)`);
    }
    if (spec.extraStorageTrigger) {
      progress(`${id}: adding the Eventarc trigger for ${spec.extraStorageTrigger.eventType}`);
      await ensureStorageTrigger(auth, options, where, id, service, spec.extraStorageTrigger);
    }
    if (spec.schedule) {
      if (!url) throw new DeployError(`${id}: the function has no URL for Cloud Scheduler to call`);
      progress(`${id}: scheduling "${spec.schedule.cron}" (${spec.schedule.timeZone})`);
      // functionSpec refuses a schedule without a service account before any call.
      await ensureSchedulerJob(clients, { ...where, serviceAccount: options.serviceAccount as string }, id, url, spec.schedule);
    }
    if (make.member) {
      for (const b of resourceBindings(spec.plan, where.project).bindings) {
        const change = await grantResourceRole(clients, b.resource, b.role, make.member).catch((error: unknown) => {
          throw new ApiError(`${id}: ${error instanceof Error ? error.message : String(error)}`, (error as { status?: number }).status, { cause: error instanceof ApiError ? error.cause : error });
        });
        progress(`${id}: ${change === 'granted' ? 'granted' : 'already has'} ${b.role} on ${b.resource} ${change === 'granted' ? 'to' : 'for'} ${make.member}`);
      }
    }
    progress(`${id}: ${update ? 'updated' : 'created'}${url ? ` at ${url}` : ''}`);
    out.push(make.summary(spec, update ? 'updated' : 'created', url));
  }
  return { dryRun: false, project: where.project, region: where.region, unknown: [], sha256: built.sha256, bytes: built.zip.byteLength, functions: out, resources };
}
