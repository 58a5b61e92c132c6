/**
 * The IAM bindings `destroy` takes back: the roles deploy grants a function's service account on the
 * topics and buckets it declares it uses (see resources.ts), read back from the function's own
 * `ONEFN_*` settings, which deploy writes for each use.
 */
import { apiError, endpointOf, importSdk, OWNER_LABEL, type LifecycleOptions } from './lifecycle.js';

/** An IAM policy as both APIs return it. */
interface Policy {
  bindings?: Array<{ role?: string | null; members?: string[] | null; condition?: unknown }> | null;
  etag?: unknown;
  version?: number | null;
}

/** Reads and writes the IAM policy of one kind of resource. */
export interface PolicyStore {
  get(resource: string): Promise<Policy>;
  set(resource: string, policy: Policy): Promise<void>;
  close(): Promise<void>;
}

/** One binding destroy removes: `member` out of `role` on `resource`. */
export interface Binding {
  readonly resource: string;
  readonly role: string;
  readonly member: string;
  readonly store: PolicyStore;
}

// The roles deploy grants for declared uses (resources.ts): the publisher on a topic, and the object
// roles on a bucket. Only these are ever taken back.
const TOPIC_ROLES = ['roles/pubsub.publisher'];
const BUCKET_ROLES = ['roles/storage.objectViewer', 'roles/storage.objectCreator', 'roles/storage.objectUser'];
// The settings deploy writes for uses: ONEFN_<KIND>_<NAME> (onefn/runtime's resourceSetting, no suffix on GCP).
const SETTING = /^ONEFN_(QUEUE|TOPIC|BUCKET)_[A-Z0-9_]+$/;
const TOPIC = /^projects\/[a-z][a-z0-9-]{4,28}[a-z0-9]\/topics\/[A-Za-z][\w.~+%-]{2,254}$/;
const BUCKET = /^[a-z0-9][a-z0-9._-]{1,220}[a-z0-9]$/;
// The Compute Engine default account: deploy grants nothing without --service-account, so bindings on
// it were never deploy's to take back.
const DEFAULT_ACCOUNT = /-compute@developer\.gserviceaccount\.com$/;

interface Facts {
  readonly name: string;
  readonly serviceAccount: string;
  readonly env: Readonly<Record<string, string>>;
}

/** The resources a function's settings name, as `projects/<p>/topics/<t>` or `buckets/<b>`. */
export function usedResources(env: Readonly<Record<string, string>>): Array<{ resource: string; roles: string[] }> {
  const out: Array<{ resource: string; roles: string[] }> = [];
  for (const [key, value] of Object.entries(env)) {
    const kind = SETTING.exec(key)?.[1];
    if (!kind) continue;
    if (kind === 'BUCKET' && BUCKET.test(value)) out.push({ resource: `buckets/${value}`, roles: BUCKET_ROLES });
    else if (kind !== 'BUCKET' && TOPIC.test(value)) out.push({ resource: value, roles: TOPIC_ROLES });
  }
  return out;
}

type FunctionLister = {
  listFunctions(request: { parent: string }): Promise<[Array<{ name?: string | null; labels?: Record<string, string> | null; serviceConfig?: { serviceAccountEmail?: string | null; environmentVariables?: Record<string, string> | null } | null }>, ...unknown[]]>;
};

/**
 * Topic policies through @google-cloud/pubsub on its own transport, gRPC: on REST its IAM calls go
 * through gax's generic IAM mixin, which POSTs `:getIamPolicy` where Pub/Sub binds a GET
 * (https://cloud.google.com/pubsub/docs/reference/rest/v1/projects.topics/getIamPolicy). An http
 * endpoint (a loopback server, an emulator) is reached as the client reaches an emulator.
 */
async function pubsubStore(options: LifecycleOptions, auth: unknown): Promise<PolicyStore> {
  const { PubSub } = await importSdk('@google-cloud/pubsub', () => import('@google-cloud/pubsub'));
  const endpoint = options.endpoints?.pubsub;
  const pubsub = new PubSub({ auth: auth as never, projectId: options.project, ...(endpoint ? { apiEndpoint: endpoint.replace(/\/$/, '') } : {}) });
  return {
    get: async (resource) => (await pubsub.topic(resource).iam.getPolicy())[0] as Policy,
    set: async (resource, policy) => void (await pubsub.topic(resource).iam.setPolicy(policy as never)),
    close: () => pubsub.close(),
  };
}

async function storageStore(options: LifecycleOptions, auth: unknown): Promise<PolicyStore> {
  const { Storage } = await importSdk('@google-cloud/storage', () => import('@google-cloud/storage'));
  // With an endpoint of its own the client sends no credentials unless told to (it takes it for an emulator).
  const storage = new Storage({ apiEndpoint: endpointOf(options, 'storage'), useAuthWithCustomEndpoint: true, authClient: auth as never, projectId: options.project });
  const bucket = (resource: string) => storage.bucket(resource.slice('buckets/'.length));
  return {
    get: async (resource) => (await bucket(resource).iam.getPolicy({ requestedPolicyVersion: 3 }))[0] as Policy,
    set: async (resource, policy) => void (await bucket(resource).iam.setPolicy(policy as never)),
    close: async () => {},
  };
}

const holds = (policy: Policy, role: string, member: string): boolean =>
  (policy.bindings ?? []).some((b) => b.role === role && !b.condition && (b.members ?? []).includes(member));

/**
 * The bindings to take back: for each topic or bucket the function's settings name, each of onefn's
 * roles there that its service account holds unconditionally. A resource another onefn function of
 * the same account still uses keeps its bindings (they are shared), and is listed in `kept`.
 */
export async function bindingsToRemove(
  options: LifecycleOptions, auth: unknown, functions: FunctionLister, facts: Facts, stores: PolicyStore[], kept: Array<{ kind: string; id: string; reason: string }>,
): Promise<Binding[]> {
  const used = usedResources(facts.env);
  if (!used.length) return [];
  if (!facts.serviceAccount || DEFAULT_ACCOUNT.test(facts.serviceAccount)) {
    for (const u of used) kept.push({ kind: 'iam binding', id: `on ${u.resource}`, reason: 'the function runs as the default service account, on which deploy grants nothing' });
    return [];
  }
  const member = `serviceAccount:${facts.serviceAccount}`;
  let others: Awaited<ReturnType<FunctionLister['listFunctions']>>[0];
  try {
    [others] = await functions.listFunctions({ parent: `projects/${options.project}/locations/${options.region}` });
  } catch (error) {
    throw apiError('listing the functions (to find shared bindings)', error);
  }
  const sharers = others.filter((f) => f.name !== facts.name && f.labels?.[OWNER_LABEL.key] === OWNER_LABEL.value && f.serviceConfig?.serviceAccountEmail === facts.serviceAccount);
  let topics: PolicyStore | undefined;
  let buckets: PolicyStore | undefined;
  const out: Binding[] = [];
  for (const u of used) {
    const sharer = sharers.find((f) => usedResources(f.serviceConfig?.environmentVariables ?? {}).some((o) => o.resource === u.resource));
    if (sharer) {
      kept.push({ kind: 'iam binding', id: `${member} on ${u.resource}`, reason: `${(sharer.name ?? '').split('/').pop()} runs as the same account and uses it too` });
      continue;
    }
    let store: PolicyStore;
    if (u.resource.startsWith('buckets/')) store = buckets ??= await storageStore(options, auth);
    else store = topics ??= await pubsubStore(options, auth);
    if (!stores.includes(store)) stores.push(store);
    let policy: Policy;
    try {
      policy = await store.get(u.resource);
    } catch (error) {
      throw apiError(`reading the IAM policy of ${u.resource}`, error);
    }
    for (const role of u.roles) if (holds(policy, role, member)) out.push({ resource: u.resource, role, member, store });
  }
  return out;
}

/** Takes `member` out of `role`, keeping every other binding; writes with the etag it read, so a concurrent change is not lost. */
export async function removeBinding(b: Binding): Promise<'deleted' | 'absent'> {
  try {
    const policy = await b.store.get(b.resource);
    if (!holds(policy, b.role, b.member)) return 'absent';
    const bindings = (policy.bindings ?? [])
      .map((x) => (x.role === b.role && !x.condition ? { ...x, members: (x.members ?? []).filter((m) => m !== b.member) } : x))
      .filter((x) => (x.members ?? []).length > 0);
    await b.store.set(b.resource, { ...policy, bindings });
    return 'deleted';
  } catch (error) {
    throw apiError(`removing ${b.role} on ${b.resource} from ${b.member}`, error);
  }
}
