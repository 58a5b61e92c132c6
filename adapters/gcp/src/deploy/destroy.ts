/**
 * `destroy` on Google Cloud: removes what `deploy` made for one function, and nothing else, with a
 * plan first. Ownership is proved before anything is planned: the function carries the label deploy
 * sets (`deployed-by: onefn`), its Cloud Scheduler job calls that function's URL, an Eventarc trigger
 * carries the same label and points at the function's service, and an IAM binding is one deploy
 * grants for a declared use (the function's `ONEFN_*` settings name the topic or bucket).
 */
import { DeployOptionError } from 'onefn/build';
import {
  apiError, apiMessage, endpointOf, functionResource, functionsClient, GcpLifecycleError, importSdk, isNotFound, OWNER_LABEL, resolveAuth, restClientOptions, shortName,
  validateLifecycle, waitForOperation, type LifecycleOptions, type Operation,
} from './lifecycle.js';
import { bindingsToRemove, removeBinding, type PolicyStore } from './destroy-bindings.js';

export interface DestroyOptions extends LifecycleOptions {
  /** Only print the plan; nothing that changes state is called. */
  dryRun?: boolean;
}

/** One thing destroy removes (or would), in the order it goes. */
export interface DestroyedItem {
  /** `scheduler job`, `eventarc trigger`, `iam binding` or `function`. */
  readonly kind: string;
  readonly id: string;
  readonly action: 'planned' | 'deleted' | 'absent';
}

/** Something destroy found but leaves, and why. */
export interface KeptItem {
  readonly kind: string;
  readonly id: string;
  readonly reason: string;
}

export interface DestroyResult {
  readonly function: string;
  readonly dryRun: boolean;
  readonly resources: readonly DestroyedItem[];
  readonly kept: readonly KeptItem[];
}

interface FunctionFacts {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly service: string;
  readonly url: string;
  readonly serviceAccount: string;
  readonly env: Readonly<Record<string, string>>;
  readonly ownTrigger: string;
}

type FunctionMessage = {
  name?: string | null;
  url?: string | null;
  labels?: Record<string, string> | null;
  serviceConfig?: { service?: string | null; uri?: string | null; serviceAccountEmail?: string | null; environmentVariables?: Record<string, string> | null } | null;
  eventTrigger?: { trigger?: string | null } | null;
};

function factsOf(fn: FunctionMessage): FunctionFacts {
  return {
    name: fn.name ?? '',
    labels: fn.labels ?? {},
    service: fn.serviceConfig?.service ?? '',
    url: fn.serviceConfig?.uri ?? fn.url ?? '',
    serviceAccount: fn.serviceConfig?.serviceAccountEmail ?? '',
    env: fn.serviceConfig?.environmentVariables ?? {},
    ownTrigger: fn.eventTrigger?.trigger ?? '',
  };
}

// An API never enabled in the project answers 403 SERVICE_DISABLED ("... API has not been used in
// project N before or it is disabled"): deploy cannot have made anything there.
const isApiDisabled = (error: unknown): boolean => /SERVICE_DISABLED|has not been used in project .* or it is disabled/.test(apiMessage(error) + String((error as { reason?: unknown }).reason ?? ''));

const isOnefn = (labels: Readonly<Record<string, string>>): boolean => labels[OWNER_LABEL.key] === OWNER_LABEL.value;

/** The part of google-auth-library's GoogleAuth used for Eventarc. */
interface RequestAuth {
  request<T = unknown>(opts: { url: string; method?: string }): Promise<{ data: T }>;
}

interface Trigger {
  name?: string;
  labels?: Record<string, string>;
  destination?: { cloudRun?: { service?: string; region?: string } };
}

/**
 * Eventarc triggers onefn made for the service: its label, and a Cloud Run destination that is the
 * function's service. The function's own trigger is left out: deleting the function deletes it.
 * No `@google-cloud/eventarc` client is published on npm, so these two calls go through
 * google-auth-library's authorized request (https://cloud.google.com/eventarc/docs/reference/rest/v1/projects.locations.triggers).
 */
async function onefnTriggers(auth: RequestAuth, options: DestroyOptions, facts: FunctionFacts): Promise<string[]> {
  const base = `${endpointOf(options, 'eventarc')}/v1/projects/${options.project}/locations/${options.region}/triggers`;
  const found: string[] = [];
  let pageToken = '';
  for (let page = 0; page < 50; page++) {
    const { data } = await auth.request<{ triggers?: Trigger[]; nextPageToken?: string }>({ url: `${base}?pageSize=100${pageToken ? `&pageToken=${encodeURIComponent(pageToken)}` : ''}`, method: 'GET' });
    for (const t of data.triggers ?? []) {
      if (!t.name || t.name === facts.ownTrigger || !isOnefn(t.labels ?? {})) continue;
      const run = t.destination?.cloudRun;
      if (run?.service === shortName(facts.service) && (run.region ?? options.region) === options.region) found.push(t.name);
    }
    pageToken = data.nextPageToken ?? '';
    if (!pageToken) break;
  }
  return found;
}

/**
 * Removes a function and what deploy made around it: its Cloud Scheduler job, its extra Eventarc
 * triggers, the IAM bindings deploy granted its service account for declared uses, then the function
 * (Cloud Functions deletes its Cloud Run service, its own trigger and that trigger's subscription).
 * Topics and buckets stay: they hold data and may serve other functions. A function without onefn's
 * label is refused before anything is planned.
 *
 * @example
 * const plan = await destroy({ project: 'my-project', region: 'europe-west1', function: 'api', dryRun: true })
 * console.log(plan.resources.map((r) => `${r.kind} ${r.id}`))
 */
export async function destroy(options: DestroyOptions): Promise<DestroyResult> {
  validateLifecycle(options, ['dryRun']);
  if (options.dryRun !== undefined && typeof options.dryRun !== 'boolean') throw new DeployOptionError('dryRun', 'must be true or false');
  const progress = options.onProgress ?? (() => {});
  const dryRun = options.dryRun === true;
  const scheduler = await importSdk('@google-cloud/scheduler', () => import('@google-cloud/scheduler'));
  const auth = await resolveAuth(options);
  const functions = await functionsClient(options, auth);
  const jobs = new scheduler.v1.CloudSchedulerClient(restClientOptions(options, 'scheduler', auth) as ConstructorParameters<typeof scheduler.v1.CloudSchedulerClient>[0]);
  const stores: PolicyStore[] = [];
  const id = options.function;
  const name = functionResource(options);
  try {
    let facts: FunctionFacts;
    try {
      const [fn] = await functions.getFunction({ name });
      facts = factsOf(fn as FunctionMessage);
    } catch (error) {
      if (isNotFound(error)) throw new GcpLifecycleError('FUNCTION_NOT_FOUND', `no function ${id} in project ${options.project}, region ${options.region}; nothing to destroy`);
      throw apiError(`reading the function ${id}`, error);
    }
    if (!isOnefn(facts.labels)) {
      throw new GcpLifecycleError('NOT_OWNED', `${id} was not deployed by onefn (it has no label ${OWNER_LABEL.key}=${OWNER_LABEL.value}); destroy removes only what onefn made, so it leaves it alone`);
    }
    const plan: Array<{ kind: string; id: string; remove: () => Promise<'deleted' | 'absent'> }> = [];
    const kept: KeptItem[] = [];

    // The schedule: deploy names the job after the function and points it at the function's URL.
    const jobName = `projects/${options.project}/locations/${options.region}/jobs/${id}`;
    try {
      const [job] = await jobs.getJob({ name: jobName });
      if (facts.url && job.httpTarget?.uri === facts.url) {
        plan.push({
          kind: 'scheduler job', id: jobName,
          remove: async () => {
            try {
              await jobs.deleteJob({ name: jobName });
              return 'deleted';
            } catch (error) {
              if (isNotFound(error)) return 'absent';
              throw apiError(`deleting the scheduler job ${id}`, error);
            }
          },
        });
      } else kept.push({ kind: 'scheduler job', id: jobName, reason: `it calls ${job.httpTarget?.uri ?? 'something else'}, not ${id}` });
    } catch (error) {
      if (isApiDisabled(error)) kept.push({ kind: 'scheduler job', id: jobName, reason: 'the Cloud Scheduler API is not enabled in the project, so deploy made no job' });
      else if (!isNotFound(error)) throw apiError(`reading the scheduler job ${id}`, error);
    }

    // Extra Eventarc triggers (a storage function serving both changes has one).
    const requester = auth as RequestAuth;
    let triggers: string[];
    try {
      triggers = facts.service ? await onefnTriggers(requester, options, facts) : [];
    } catch (error) {
      if (!isApiDisabled(error)) throw apiError('listing the Eventarc triggers', error);
      triggers = [];
      kept.push({ kind: 'eventarc trigger', id: `projects/${options.project}/locations/${options.region}/triggers`, reason: 'the Eventarc API is not enabled in the project, so deploy made no trigger' });
    }
    for (const trigger of triggers) {
      plan.push({
        kind: 'eventarc trigger', id: trigger,
        remove: async () => {
          try {
            const { data } = await requester.request<Operation>({ url: `${endpointOf(options, 'eventarc')}/v1/${trigger}`, method: 'DELETE' });
            await waitForOperation(options, `deleting the trigger ${shortName(trigger)}`, data, async (op) => (await requester.request<Operation>({ url: `${endpointOf(options, 'eventarc')}/v1/${op}`, method: 'GET' })).data);
            return 'deleted';
          } catch (error) {
            if (isNotFound(error) || (error as { response?: { status?: number } }).response?.status === 404) return 'absent';
            throw apiError(`deleting the trigger ${shortName(trigger)}`, error);
          }
        },
      });
    }

    // The bindings deploy granted the function's service account for its declared uses.
    const bindings = await bindingsToRemove(options, auth, functions, facts, stores, kept);
    for (const b of bindings) {
      plan.push({ kind: 'iam binding', id: `${b.role} on ${b.resource} for ${b.member}`, remove: () => removeBinding(b) });
    }

    plan.push({
      kind: 'function', id: name,
      remove: async () => {
        try {
          const [op] = (await functions.deleteFunction({ name })) as unknown as [Operation];
          await waitForOperation(options, `deleting ${id}`, op, async (n) => (await functions.checkDeleteFunctionProgress(n)) as unknown as Operation);
          return 'deleted';
        } catch (error) {
          if (isNotFound(error)) return 'absent';
          throw apiError(`deleting the function ${id}`, error);
        }
      },
    });

    // The whole plan is known (and printed) before anything is deleted.
    for (const k of kept) progress(`plan: ${id}: keeping ${k.kind} ${k.id}: ${k.reason}`);
    for (const p of plan) progress(`plan: ${id}: ${dryRun ? 'would delete' : 'deleting'} ${p.kind} ${p.id}`);
    if (dryRun) {
      return { function: id, dryRun, resources: plan.map((p) => ({ kind: p.kind, id: p.id, action: 'planned' })), kept };
    }
    const done: DestroyedItem[] = [];
    for (const p of plan) {
      progress(`${id}: deleting ${p.kind} ${p.id}`);
      const action = await p.remove();
      if (action === 'absent') progress(`${id}: ${p.kind} ${p.id} was already gone`);
      done.push({ kind: p.kind, id: p.id, action });
    }
    progress(`${id}: destroyed`);
    return { function: id, dryRun, resources: done, kept };
  } finally {
    await Promise.all([functions.close(), jobs.close(), ...stores.map((s) => s.close())].map((p) => p.catch(() => {})));
  }
}
