import type { DeployOptions } from './options.js';

/** The part of google-auth-library's GoogleAuth used here: authorized JSON requests. */
export interface Auth {
  request<T = unknown>(opts: { url: string; method?: string; data?: unknown; headers?: Record<string, string> }): Promise<{ data: T; status: number }>;
}

/** An API answered with an error; the message is the API's own. */
export class ApiError extends Error {
  constructor(
    message: string,
    readonly status: number | undefined,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

function base(options: DeployOptions, api: 'run' | 'scheduler' | 'eventarc' | 'pubsub' | 'storage'): string {
  const fallback = {
    run: 'https://run.googleapis.com', scheduler: 'https://cloudscheduler.googleapis.com', eventarc: 'https://eventarc.googleapis.com',
    pubsub: 'https://pubsub.googleapis.com', storage: 'https://storage.googleapis.com',
  }[api];
  return (options.endpoints?.[api] ?? fallback).replace(/\/$/, '');
}

async function call<T>(auth: Auth, what: string, opts: Parameters<Auth['request']>[0]): Promise<T> {
  try {
    return (await auth.request<T>(opts)).data;
  } catch (error) {
    const e = error as { status?: number; response?: { status?: number; data?: { error?: { message?: string } } }; message?: string };
    const status = e.response?.status ?? e.status;
    throw new ApiError(`${what} failed (${status ?? 'no answer'}): ${e.response?.data?.error?.message ?? e.message ?? String(error)}`, status);
  }
}

/**
 * PUTs the archive to the signed URL from generateUploadUrl. No Authorization header: the URL is
 * signed, and Cloud Storage refuses a request that carries both. The content type must be
 * `application/zip` (https://cloud.google.com/functions/docs/reference/rest/v2/projects.locations.functions/generateUploadUrl).
 */
export async function uploadArchive(url: string, zip: Uint8Array): Promise<void> {
  const res = await fetch(url, { method: 'PUT', headers: { 'content-type': 'application/zip' }, body: zip as Uint8Array<ArrayBuffer> });
  if (!res.ok) throw new ApiError(`uploading the source failed (${res.status}): ${(await res.text()).slice(0, 200)}`, res.status);
}

interface Policy {
  bindings?: Array<{ role: string; members: string[]; condition?: unknown }>;
  etag?: string;
}

const INVOKER = 'roles/run.invoker';
const EVERYONE = 'allUsers';

/** What {@link setPublicAccess} changed. */
export type AccessChange = 'granted' | 'revoked' | 'unchanged';

/**
 * Makes `allUsers` a Cloud Run invoker of the function's service, or takes it away, keeping every
 * other binding: read the policy, change that one member, write it back with the etag it was read
 * with (IAM refuses a stale etag rather than lose a concurrent change). Nothing is written when the
 * policy already says what is wanted, so an unchanged deploy makes no IAM write. Only `allUsers`,
 * the member onefn grants, is removed; an `allAuthenticatedUsers` someone added is theirs.
 */
export async function setPublicAccess(auth: Auth, options: DeployOptions, service: string, open: boolean): Promise<AccessChange> {
  const url = `${base(options, 'run')}/v2/${service}`;
  const policy = await call<Policy>(auth, 'getIamPolicy', { url: `${url}:getIamPolicy`, method: 'GET' });
  const bindings = policy.bindings ?? [];
  // A conditional binding does not grant unconditionally, so it never counts as open access.
  const invokers = bindings.filter((b) => b.role === INVOKER && !b.condition);
  const isOpen = bindings.some((b) => b.role === INVOKER && b.members.includes(EVERYONE));
  let next: Policy['bindings'];
  if (open) {
    if (invokers.some((b) => b.members.includes(EVERYONE))) return 'unchanged';
    const invoker = invokers[0];
    next = invoker ? bindings.map((b) => (b === invoker ? { ...b, members: [...b.members, EVERYONE] } : b)) : [...bindings, { role: INVOKER, members: [EVERYONE] }];
  } else {
    if (!isOpen) return 'unchanged';
    next = bindings
      .map((b) => (b.role === INVOKER ? { ...b, members: b.members.filter((m) => m !== EVERYONE) } : b))
      .filter((b) => b.role !== INVOKER || b.members.length > 0);
  }
  await call(auth, 'setIamPolicy', { url: `${url}:setIamPolicy`, method: 'POST', data: { policy: { ...policy, bindings: next } } });
  return open ? 'granted' : 'revoked';
}

/**
 * Gives `member` a role on a topic (`projects/<p>/topics/<t>`) or a bucket (`buckets/<b>`), keeping
 * every other binding: read the policy, add the member, write it back with the etag it was read with.
 * Nothing is written when the member already has the role unconditionally.
 * Pub/Sub: https://cloud.google.com/pubsub/docs/reference/rest/v1/projects.topics/setIamPolicy;
 * Storage: https://cloud.google.com/storage/docs/json_api/v1/buckets/setIamPolicy.
 */
export async function grantResourceRole(auth: Auth, options: DeployOptions, resource: string, role: string, member: string): Promise<'granted' | 'unchanged'> {
  const bucket = /^buckets\/(.+)$/.exec(resource)?.[1];
  const read = bucket ? { url: `${base(options, 'storage')}/storage/v1/b/${encodeURIComponent(bucket)}/iam`, method: 'GET' } : { url: `${base(options, 'pubsub')}/v1/${resource}:getIamPolicy`, method: 'GET' };
  const policy = await call<Policy>(auth, `reading the IAM policy of ${resource}`, read);
  const bindings = policy.bindings ?? [];
  const holder = bindings.find((b) => b.role === role && !b.condition);
  if (holder?.members.includes(member)) return 'unchanged';
  const next = holder ? bindings.map((b) => (b === holder ? { ...b, members: [...b.members, member] } : b)) : [...bindings, { role, members: [member] }];
  const write = bucket
    ? { url: read.url, method: 'PUT', data: { ...policy, bindings: next } }
    : { url: `${base(options, 'pubsub')}/v1/${resource}:setIamPolicy`, method: 'POST', data: { policy: { ...policy, bindings: next } } };
  await call(auth, `granting ${role} on ${resource}`, write);
  return 'granted';
}

/** Creates the Cloud Scheduler job that POSTs to the function with an OIDC token, or updates it. */
export async function ensureSchedulerJob(auth: Auth, options: DeployOptions, id: string, uri: string, schedule: { cron: string; timeZone: string }): Promise<void> {
  const parent = `projects/${options.project}/locations/${options.region}`;
  const name = `${parent}/jobs/${id}`;
  const job = {
    name,
    schedule: schedule.cron,
    timeZone: schedule.timeZone,
    httpTarget: { uri, httpMethod: 'POST', oidcToken: { serviceAccountEmail: options.serviceAccount, audience: uri } },
  };
  const root = `${base(options, 'scheduler')}/v1`;
  try {
    await call(auth, 'creating the scheduler job', { url: `${root}/${parent}/jobs`, method: 'POST', data: job });
  } catch (error) {
    if (!(error instanceof ApiError) || error.status !== 409) throw error;
    await call(auth, 'updating the scheduler job', { url: `${root}/${name}?updateMask=schedule,timeZone,httpTarget`, method: 'PATCH', data: job });
  }
}

/** The Eventarc trigger for a storage function's second event type (a function holds one trigger). */
export async function ensureStorageTrigger(auth: Auth, options: DeployOptions, id: string, service: string, trigger: { bucket: string; eventType: string }): Promise<void> {
  const parent = `projects/${options.project}/locations/${options.region}`;
  const triggerId = `${id}-${trigger.eventType.split('.').pop() ?? 'event'}`.toLowerCase().replace(/_/g, '-').slice(0, 63);
  const body: Record<string, unknown> = {
    eventFilters: [
      { attribute: 'type', value: trigger.eventType },
      { attribute: 'bucket', value: trigger.bucket },
    ],
    destination: { cloudRun: { service: service.split('/').pop(), region: options.region } },
    labels: { 'deployed-by': 'onefn' },
  };
  if (options.serviceAccount) body['serviceAccount'] = options.serviceAccount;
  try {
    await call(auth, 'creating the Eventarc trigger', { url: `${base(options, 'eventarc')}/v1/${parent}/triggers?triggerId=${triggerId}`, method: 'POST', data: body });
  } catch (error) {
    if (!(error instanceof ApiError) || error.status !== 409) throw error;
  }
}
