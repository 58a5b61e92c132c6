import { planUses, resourceSetting, type FunctionPlan } from 'onefn/runtime';
import { checkBucketName, topicName } from './names.js';

/** One IAM binding a function's declared uses need, on one topic or bucket. */
export interface ResourceBinding {
  /** `projects/<p>/topics/<t>` or `buckets/<b>`. */
  readonly resource: string;
  readonly role: string;
}

/** A topic (full name) or a bucket that a function uses or listens on: deploy creates it when missing. */
export interface DeclaredResource {
  readonly kind: 'topic' | 'bucket';
  /** `projects/<p>/topics/<t>` for a topic, the bucket's name for a bucket. */
  readonly name: string;
}

// The narrowest predefined roles for each declared action
// (https://cloud.google.com/pubsub/docs/access-control, https://cloud.google.com/storage/docs/access-control/iam-roles).
// No predefined Storage role allows delete alone: objectUser (read, write, delete) is the narrowest.
const BUCKET_ROLES: Readonly<Record<string, string>> = { read: 'roles/storage.objectViewer', write: 'roles/storage.objectCreator', delete: 'roles/storage.objectUser' };

/**
 * What a planned function's declared uses need on Google Cloud: the topics and buckets themselves
 * (deploy creates the missing ones), the role per topic or bucket for its service account, and the
 * settings @onefn/gcp/resources reads (the topic's full name, the bucket). A name set in the
 * definition's `env` wins over the logical name, and is checked before any call.
 *
 * @example
 * resourceBindings(plan, 'demo') // { resources: [{ kind: 'topic', name: 'projects/demo/topics/orders' }], bindings: [{ resource: 'projects/demo/topics/orders', role: 'roles/pubsub.publisher' }], env: { ONEFN_QUEUE_ORDERS: 'projects/demo/topics/orders' } }
 */
export function resourceBindings(plan: FunctionPlan, project: string): { resources: DeclaredResource[]; bindings: ResourceBinding[]; env: Record<string, string> } {
  const resources: DeclaredResource[] = [];
  const bindings: ResourceBinding[] = [];
  const env: Record<string, string> = {};
  const given = plan.settings.env ?? {};
  for (const use of planUses(plan)) {
    const setting = resourceSetting(use.kind, use.name);
    if (use.kind === 'bucket') {
      const bucket = given[setting] ?? use.name;
      checkBucketName(bucket, `${plan.name} uses bucket ${use.name} (${setting})`);
      env[setting] = bucket;
      resources.push({ kind: 'bucket', name: bucket });
      for (const role of new Set(use.actions.map((a) => BUCKET_ROLES[a] as string))) bindings.push({ resource: `buckets/${bucket}`, role });
    } else {
      const topic = topicName(given[setting] ?? use.name, project);
      env[setting] = topic;
      resources.push({ kind: 'topic', name: topic });
      bindings.push({ resource: topic, role: 'roles/pubsub.publisher' });
    }
  }
  return { resources, bindings, env };
}
