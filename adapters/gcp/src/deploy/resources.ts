import { planUses, resourceSetting, type FunctionPlan } from 'onefn/runtime';

/** One IAM binding a function's declared uses need, on one topic or bucket. */
export interface ResourceBinding {
  /** `projects/<p>/topics/<t>` or `buckets/<b>`. */
  readonly resource: string;
  readonly role: string;
}

// The narrowest predefined roles for each declared action
// (https://cloud.google.com/pubsub/docs/access-control, https://cloud.google.com/storage/docs/access-control/iam-roles).
// No predefined Storage role allows delete alone: objectUser (read, write, delete) is the narrowest.
const BUCKET_ROLES: Readonly<Record<string, string>> = { read: 'roles/storage.objectViewer', write: 'roles/storage.objectCreator', delete: 'roles/storage.objectUser' };

/**
 * What a planned function's declared uses need on Google Cloud: the role per topic or bucket for its
 * service account, and the settings @onefn/gcp/resources reads (the topic's full name, the bucket).
 *
 * @example
 * resourceBindings(plan, 'demo') // { bindings: [{ resource: 'projects/demo/topics/orders', role: 'roles/pubsub.publisher' }], env: { ONEFN_QUEUE_ORDERS: 'projects/demo/topics/orders' } }
 */
export function resourceBindings(plan: FunctionPlan, project: string): { bindings: ResourceBinding[]; env: Record<string, string> } {
  const bindings: ResourceBinding[] = [];
  const env: Record<string, string> = {};
  const given = plan.settings.env ?? {};
  for (const use of planUses(plan)) {
    const setting = resourceSetting(use.kind, use.name);
    if (use.kind === 'bucket') {
      const bucket = given[setting] ?? use.name;
      env[setting] = bucket;
      for (const role of new Set(use.actions.map((a) => BUCKET_ROLES[a] as string))) bindings.push({ resource: `buckets/${bucket}`, role });
    } else {
      const topic = given[setting] ?? `projects/${project}/topics/${use.name}`;
      env[setting] = topic;
      bindings.push({ resource: topic, role: 'roles/pubsub.publisher' });
    }
  }
  return { bindings, env };
}
