import type { GoogleClients } from './clients.js';
import { endpointOf } from './clients.js';
import { ApiError } from './errors.js';
import type { DeployOptions } from './options.js';

export { ApiError };

/** The part of google-auth-library's GoogleAuth used here: authorized JSON requests (Eventarc). */
export interface Auth {
  request<T = unknown>(opts: { url: string; method?: string; data?: unknown; headers?: Record<string, string> }): Promise<{ data: T; status: number }>;
}

/** An error's status: the HTTP status (Cloud Storage, google-auth-library) or the RPC code (gax). */
function statusOf(error: unknown): number | string | undefined {
  const e = error as { code?: unknown; status?: unknown; response?: { status?: unknown } };
  const s = e.response?.status ?? e.code ?? e.status;
  return typeof s === 'number' || typeof s === 'string' ? s : undefined;
}

/** The API's own message, without gax's "5 NOT_FOUND: " prefix. */
function messageOf(error: unknown): string {
  const e = error as { details?: unknown; message?: unknown; response?: { data?: { error?: { message?: string } } } };
  const said = e.response?.data?.error?.message ?? (typeof e.details === 'string' && e.details ? e.details : undefined) ?? String(e.message ?? error);
  return said.replace(/^\d+ [A-Z_]+: /, '').split('\n')[0]?.slice(0, 300) ?? '';
}

// google.rpc.Code, and the HTTP status a JSON API (Cloud Storage) answers with for the same.
const CODES = { notFound: [5, 404], alreadyExists: [6, 409] } as const;
const is = (error: unknown, which: keyof typeof CODES): boolean => (CODES[which] as readonly unknown[]).includes((error as { code?: unknown }).code);

/** Runs one API call; a failure is an ApiError naming the call, its status and the API's message. */
async function call<T>(what: string, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    if (error instanceof ApiError) throw error;
    const status = statusOf(error);
    throw new ApiError(`${what} failed (${status ?? 'no answer'}): ${messageOf(error)}`, status, { cause: error });
  }
}

/**
 * PUTs the archive to the signed URL from generateUploadUrl. No client does this: the URL is already
 * signed (the storage client would sign again, and Cloud Storage refuses a request carrying both), so
 * it is the documented plain PUT with `content-type: application/zip` and no Authorization header
 * (https://cloud.google.com/functions/docs/reference/rest/v2/projects.locations.functions/generateUploadUrl).
 */
export async function uploadArchive(url: string, zip: Uint8Array): Promise<void> {
  const res = await fetch(url, { method: 'PUT', headers: { 'content-type': 'application/zip' }, body: zip as Uint8Array<ArrayBuffer> });
  if (!res.ok) throw new ApiError(`uploading the source failed (${res.status}): ${(await res.text()).slice(0, 200)}`, res.status);
}

interface Binding {
  role?: string | null;
  members?: string[] | null;
  condition?: unknown;
}
interface Policy {
  version?: number | null;
  bindings?: Binding[] | null;
  etag?: unknown;
}

const INVOKER = 'roles/run.invoker';
const EVERYONE = 'allUsers';

/** What {@link setPublicAccess} changed. */
export type AccessChange = 'granted' | 'revoked' | 'unchanged';

const membersOf = (b: Binding): string[] => b.members ?? [];

/**
 * Makes `allUsers` a Cloud Run invoker of the function's service, or takes it away, keeping every
 * other binding: read the policy (Cloud Run v2 ServicesClient.getIamPolicy), change that one member,
 * write it back with the etag it was read with (IAM refuses a stale etag rather than lose a concurrent
 * change). Nothing is written when the policy already says what is wanted, so an unchanged deploy
 * makes no IAM write. Only `allUsers`, the member onefn grants, is removed; an `allAuthenticatedUsers`
 * someone added is theirs.
 */
export async function setPublicAccess(clients: GoogleClients, service: string, open: boolean): Promise<AccessChange> {
  const run = await clients.run();
  const [policy] = (await call(`reading the IAM policy of ${service}`, () => run.getIamPolicy({ resource: service }))) as [Policy, ...unknown[]];
  const bindings = policy.bindings ?? [];
  // A conditional binding does not grant unconditionally, so it never counts as open access.
  const invokers = bindings.filter((b) => b.role === INVOKER && !b.condition);
  const isOpen = bindings.some((b) => b.role === INVOKER && membersOf(b).includes(EVERYONE));
  let next: Binding[];
  if (open) {
    if (invokers.some((b) => membersOf(b).includes(EVERYONE))) return 'unchanged';
    const invoker = invokers[0];
    next = invoker ? bindings.map((b) => (b === invoker ? { ...b, members: [...membersOf(b), EVERYONE] } : b)) : [...bindings, { role: INVOKER, members: [EVERYONE] }];
  } else {
    if (!isOpen) return 'unchanged';
    next = bindings.map((b) => (b.role === INVOKER ? { ...b, members: membersOf(b).filter((m) => m !== EVERYONE) } : b)).filter((b) => b.role !== INVOKER || membersOf(b).length > 0);
  }
  await call(`writing the IAM policy of ${service}`, () => run.setIamPolicy({ resource: service, policy: { ...policy, bindings: next } as never }));
  return open ? 'granted' : 'revoked';
}

/**
 * Gives `member` a role on a topic (`projects/<p>/topics/<t>`, through @google-cloud/pubsub's topic IAM) or a
 * bucket (`buckets/<b>`, through @google-cloud/storage), keeping every other binding: read the policy,
 * add the member, write it back with the etag it was read with. Nothing is written when the member
 * already has the role unconditionally.
 * Pub/Sub: https://cloud.google.com/pubsub/docs/reference/rest/v1/projects.topics/setIamPolicy;
 * Storage: https://cloud.google.com/storage/docs/json_api/v1/buckets/setIamPolicy.
 */
export async function grantResourceRole(clients: GoogleClients, resource: string, role: string, member: string): Promise<'granted' | 'unchanged'> {
  const bucket = /^buckets\/(.+)$/.exec(resource)?.[1];
  const add = (policy: Policy): Binding[] | undefined => {
    const bindings = policy.bindings ?? [];
    const holder = bindings.find((b) => b.role === role && !b.condition);
    if (holder && membersOf(holder).includes(member)) return undefined;
    return holder ? bindings.map((b) => (b === holder ? { ...b, members: [...membersOf(b), member] } : b)) : [...bindings, { role, members: [member] }];
  };
  if (bucket) {
    const iam = (await clients.storage()).bucket(bucket).iam;
    const [policy] = await call(`reading the IAM policy of ${resource}`, () => iam.getPolicy());
    const next = add(policy as Policy);
    if (!next) return 'unchanged';
    await call(`granting ${role} on ${resource}`, () => iam.setPolicy({ ...policy, bindings: next } as never));
    return 'granted';
  }
  const iam = (await clients.pubsub()).topic(resource).iam;
  const [policy] = await call(`reading the IAM policy of ${resource}`, () => iam.getPolicy());
  const next = add(policy as Policy);
  if (!next) return 'unchanged';
  await call(`granting ${role} on ${resource}`, () => iam.setPolicy({ ...policy, bindings: next } as never));
  return 'granted';
}

/** What {@link ensureTopic} and {@link ensureBucket} found. */
export type Presence = 'created' | 'exists';

/** The label deploy puts on what it creates, as on the functions: destroy proves ownership by it. */
export const ONEFN_LABELS: Readonly<Record<string, string>> = Object.freeze({ 'deployed-by': 'onefn' });

/**
 * Creates the Pub/Sub topic (labelled `deployed-by: onefn`) when it does not exist, and leaves an
 * existing one alone: GetTopic, then CreateTopic on NOT_FOUND. Another deploy creating it between the
 * two (ALREADY_EXISTS) counts as existing.
 */
export async function ensureTopic(clients: GoogleClients, topic: string): Promise<Presence> {
  const pubsub = await clients.pubsub();
  try {
    await pubsub.topic(topic).getMetadata();
    return 'exists';
  } catch (error) {
    if (!is(error, 'notFound')) throw new ApiError(`reading topic ${topic} failed (${statusOf(error) ?? 'no answer'}): ${messageOf(error)}`, statusOf(error), { cause: error });
  }
  try {
    await pubsub.createTopic({ name: topic, labels: { ...ONEFN_LABELS } });
    return 'created';
  } catch (error) {
    if (is(error, 'alreadyExists')) return 'exists';
    throw new ApiError(`creating topic ${topic} failed (${statusOf(error) ?? 'no answer'}): ${messageOf(error)}`, statusOf(error), { cause: error });
  }
}

/**
 * Creates the bucket in `location` (the function's region; a storage trigger must be in its bucket's
 * region), labelled `deployed-by: onefn`, when it does not exist, and leaves an existing one alone.
 * Bucket names are global: one that exists in another project answers 403 to the read, which is an
 * error naming that, not a create.
 */
export async function ensureBucket(clients: GoogleClients, bucket: string, location: string): Promise<Presence> {
  const storage = await clients.storage();
  try {
    await storage.bucket(bucket).getMetadata();
    return 'exists';
  } catch (error) {
    const status = statusOf(error);
    if (status === 403) throw new ApiError(`bucket ${bucket} exists but this account cannot read it (403): bucket names are global, it may belong to another project; name another bucket in the definition's env`, 403, { cause: error });
    if (!is(error, 'notFound')) throw new ApiError(`reading bucket ${bucket} failed (${status ?? 'no answer'}): ${messageOf(error)}`, status, { cause: error });
  }
  try {
    await storage.createBucket(bucket, { location, labels: { ...ONEFN_LABELS } } as never);
    return 'created';
  } catch (error) {
    if (is(error, 'alreadyExists')) return 'exists';
    throw new ApiError(`creating bucket ${bucket} failed (${statusOf(error) ?? 'no answer'}): ${messageOf(error)}`, statusOf(error), { cause: error });
  }
}

/**
 * Creates the Cloud Scheduler job that POSTs to the function with an OIDC token, or updates it when it
 * exists (CreateJob, then UpdateJob with a mask on ALREADY_EXISTS).
 */
export async function ensureSchedulerJob(
  clients: GoogleClients,
  where: { project: string; region: string; serviceAccount: string },
  id: string,
  uri: string,
  schedule: { cron: string; timeZone: string },
): Promise<'created' | 'updated'> {
  const scheduler = await clients.scheduler();
  const parent = `projects/${where.project}/locations/${where.region}`;
  const job = {
    name: `${parent}/jobs/${id}`,
    schedule: schedule.cron,
    timeZone: schedule.timeZone,
    httpTarget: { uri, httpMethod: 'POST' as const, oidcToken: { serviceAccountEmail: where.serviceAccount, audience: uri } },
  };
  try {
    await scheduler.createJob({ parent, job });
    return 'created';
  } catch (error) {
    if (!is(error, 'alreadyExists')) throw new ApiError(`creating the scheduler job failed (${statusOf(error) ?? 'no answer'}): ${messageOf(error)}`, statusOf(error), { cause: error });
  }
  await call('updating the scheduler job', () => scheduler.updateJob({ job, updateMask: { paths: ['schedule', 'timeZone', 'httpTarget'] } }));
  return 'updated';
}

/**
 * The Eventarc trigger for a storage function's second event type (a function holds one trigger).
 * Through google-auth-library's authorized request: `@google-cloud/eventarc` cannot be installed from
 * the registry this project builds with, so this is the one call still written against the REST
 * reference (https://cloud.google.com/eventarc/docs/reference/rest/v1/projects.locations.triggers/create).
 */
export async function ensureStorageTrigger(auth: Auth, options: Pick<DeployOptions, 'endpoints' | 'serviceAccount'>, where: { project: string; region: string }, id: string, service: string, trigger: { bucket: string; eventType: string }): Promise<void> {
  const parent = `projects/${where.project}/locations/${where.region}`;
  const triggerId = `${id}-${trigger.eventType.split('.').pop() ?? 'event'}`.toLowerCase().replace(/_/g, '-').slice(0, 63);
  const body: Record<string, unknown> = {
    eventFilters: [
      { attribute: 'type', value: trigger.eventType },
      { attribute: 'bucket', value: trigger.bucket },
    ],
    destination: { cloudRun: { service: service.split('/').pop(), region: where.region } },
    labels: { ...ONEFN_LABELS },
  };
  if (options.serviceAccount) body['serviceAccount'] = options.serviceAccount;
  const root = endpointOf(options, 'eventarc').href.replace(/\/$/, '');
  try {
    await auth.request({ url: `${root}/v1/${parent}/triggers?triggerId=${encodeURIComponent(triggerId)}`, method: 'POST', data: body });
  } catch (error) {
    if (statusOf(error) === 409) return;
    throw new ApiError(`creating the Eventarc trigger failed (${statusOf(error) ?? 'no answer'}): ${messageOf(error)}`, statusOf(error), { cause: error });
  }
}
