import { toUnixCron, type FunctionPlan } from 'onefn/runtime';
import { functionEnvironment, type IgnoredVariable } from './environment.js';
import { checkBucketName, topicName } from './names.js';
import { DeployOptionError, placeOf, type DeployOptions } from './options.js';

/** The Cloud Functions v2 `Function` resource onefn sends (REST JSON field names). */
export interface FunctionResource {
  name: string;
  environment: 'GEN_2';
  labels: Record<string, string>;
  buildConfig: { runtime: string; entryPoint: string; source?: { storageSource: Record<string, unknown> } };
  serviceConfig: {
    availableMemory: string;
    timeoutSeconds: number;
    maxInstanceCount?: number;
    environmentVariables: Record<string, string>;
    serviceAccountEmail?: string;
    ingressSettings: 'ALLOW_ALL';
    /** Each deploy serves its own revision, even after `rollback` moved the traffic to an older one. */
    allTrafficOnLatestRevision: true;
  };
  eventTrigger?: {
    eventType: string;
    pubsubTopic?: string;
    eventFilters?: Array<{ attribute: string; value: string }>;
    retryPolicy: 'RETRY_POLICY_RETRY';
    serviceAccountEmail?: string;
  };
}

/** What one planned function deploys as: the function, and what goes around it. */
export interface FunctionSpec {
  readonly plan: FunctionPlan;
  readonly id: string;
  readonly resource: FunctionResource;
  /** Fields sent as the update mask when the function exists. */
  readonly updateMask: string[];
  /** allUsers as Cloud Run invoker: only for HTTP definitions marked public. */
  readonly public: boolean;
  /** A storage function serving both changes needs a second Eventarc trigger for deletions. */
  readonly extraStorageTrigger: { readonly bucket: string; readonly eventType: string } | undefined;
  /** A Cloud Scheduler job calling the function over HTTP. */
  readonly schedule: { readonly cron: string; readonly timeZone: string } | undefined;
  /** The Pub/Sub topic (full name) or the bucket its trigger listens on: deploy creates it when missing. */
  readonly source: { readonly kind: 'topic' | 'bucket'; readonly name: string } | undefined;
  /** Variables asked for that the function does not get (see `functionEnvironment`). */
  readonly ignoredEnv: readonly IgnoredVariable[];
}

const STORAGE_EVENT = { created: 'google.cloud.storage.object.v1.finalized', deleted: 'google.cloud.storage.object.v1.deleted' } as const;
// Function ids: letters, digits, hyphens and underscores, starting with a letter, at most 63.
const FUNCTION_ID = /^[A-Za-z][A-Za-z0-9_-]{0,62}$/;

/** The function's id and resource name; Cloud Run lower-cases the service name. */
export function functionName(options: Pick<DeployOptions, 'project' | 'region'>, id: string): string {
  const { project, region } = placeOf(options as DeployOptions);
  return `projects/${project}/locations/${region}/functions/${id}`;
}

/**
 * Maps a planned function to its Cloud Functions resource: runtime and entry point (the planned name
 * is the `--target` the archive registers, and the function id, with `-<stage>` for a stage), memory, timeout, instances and
 * environment (see `functionEnvironment`), and the Eventarc trigger for topics and buckets.
 */
export function functionSpec(plan: FunctionPlan, options: DeployOptions): FunctionSpec {
  // A stage goes into the function's id (and so its service, job and trigger names); the entry point
  // stays the planned name, which is what the archive registers.
  const id = options.stage ? `${plan.name}-${options.stage}` : plan.name;
  if (!FUNCTION_ID.test(id)) throw new DeployOptionError('name', `"${id}" is not a valid Cloud Functions id`);
  const isEvent = plan.kind !== 'http' && plan.kind !== 'schedule';
  const timeout = options.timeout ?? plan.settings.timeout ?? 60;
  // https://cloud.google.com/functions/docs/configuring/timeout: 60 min for HTTP, 9 min for events.
  if (isEvent && timeout > 540) throw new DeployOptionError('timeout', `${id} is event-driven; its timeout can be at most 540 s, got ${timeout}`);
  const memory = options.memory ?? plan.settings.memory ?? 256;
  const env = functionEnvironment(plan, options);
  const { project } = placeOf(options);
  const resource: FunctionResource = {
    name: functionName(options, id),
    environment: 'GEN_2',
    labels: { 'deployed-by': 'onefn' },
    buildConfig: { runtime: options.runtime ?? 'nodejs22', entryPoint: plan.name },
    serviceConfig: {
      availableMemory: `${memory}M`,
      timeoutSeconds: timeout,
      environmentVariables: env.variables,
      ingressSettings: 'ALLOW_ALL',
      allTrafficOnLatestRevision: true,
    },
  };
  if (options.maxInstances !== undefined) resource.serviceConfig.maxInstanceCount = options.maxInstances;
  if (options.serviceAccount) resource.serviceConfig.serviceAccountEmail = options.serviceAccount;
  let extraStorageTrigger: FunctionSpec['extraStorageTrigger'];
  let schedule: FunctionSpec['schedule'];
  let source: FunctionSpec['source'];
  if (plan.kind === 'message') {
    const trigger = plan.definition.kind === 'message' ? plan.definition.trigger : undefined;
    const topic = topicName(trigger?.name ?? id, project);
    resource.eventTrigger = { eventType: 'google.cloud.pubsub.topic.v1.messagePublished', pubsubTopic: topic, retryPolicy: 'RETRY_POLICY_RETRY' };
    source = { kind: 'topic', name: topic };
  } else if (plan.kind === 'storage' && plan.definition.kind === 'storage') {
    const { bucket, changes } = plan.definition.trigger;
    checkBucketName(bucket, `${id}'s trigger`);
    source = { kind: 'bucket', name: bucket };
    const [first, second] = changes.map((c) => STORAGE_EVENT[c]);
    resource.eventTrigger = { eventType: first as string, eventFilters: [{ attribute: 'bucket', value: bucket }], retryPolicy: 'RETRY_POLICY_RETRY' };
    // A function has one event trigger; the other change gets an Eventarc trigger of its own.
    if (second) extraStorageTrigger = { bucket, eventType: second };
  } else if (plan.kind === 'schedule' && plan.definition.kind === 'schedule') {
    // A plan shows the job with the account marked unknown; a deploy cannot make it without one.
    if (!options.serviceAccount && !options.dryRun) throw new DeployOptionError('serviceAccount', `${id} is a schedule; Cloud Scheduler needs a service account to call the function with`);
    schedule = { cron: toUnixCron(plan.definition.trigger.schedule), timeZone: plan.definition.trigger.timeZone };
  } else if (plan.kind === 'cloudevent' && plan.definition.kind === 'cloudevent' && plan.definition.trigger.topic !== undefined) {
    // Bound to a topic: its messages, each carrying a CloudEvent in binary mode, through Eventarc.
    const topic = topicName(plan.definition.trigger.topic, project);
    resource.eventTrigger = { eventType: 'google.cloud.pubsub.topic.v1.messagePublished', pubsubTopic: topic, retryPolicy: 'RETRY_POLICY_RETRY' };
    source = { kind: 'topic', name: topic };
  } else if (plan.kind === 'cloudevent') {
    throw new DeployOptionError('entry', `${id} is a generic CloudEvent definition; its Eventarc trigger cannot be derived, deploy it with an explicit trigger`);
  }
  if (resource.eventTrigger && options.serviceAccount) resource.eventTrigger.serviceAccountEmail = options.serviceAccount;
  const updateMask = ['buildConfig.runtime', 'buildConfig.entryPoint', 'buildConfig.source', 'serviceConfig.availableMemory', 'serviceConfig.timeoutSeconds', 'serviceConfig.environmentVariables', 'serviceConfig.allTrafficOnLatestRevision', 'labels'];
  if (options.maxInstances !== undefined) updateMask.push('serviceConfig.maxInstanceCount');
  if (options.serviceAccount) updateMask.push('serviceConfig.serviceAccountEmail');
  if (resource.eventTrigger) updateMask.push('eventTrigger');
  return { plan, id, resource, updateMask, public: plan.kind === 'http' && plan.public, extraStorageTrigger, schedule, source, ignoredEnv: env.ignored };
}
