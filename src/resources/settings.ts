import type { ResourceKind } from './handles.js';
import { ResourceUnavailableError } from './errors.js';

/**
 * The environment setting that tells a function where one of its resources is, as deploy writes it
 * and the adapters' drivers read it: `ONEFN_<KIND>_<NAME>` plus the adapter's suffix (`_URL`, `_ARN`,
 * or none), the name upper-cased with hyphens as underscores. `queue('order-jobs')` on AWS reads
 * `ONEFN_QUEUE_ORDER_JOBS_URL`.
 *
 * @example
 * resourceSetting('queue', 'order-jobs', '_URL') // 'ONEFN_QUEUE_ORDER_JOBS_URL'
 */
export function resourceSetting(kind: ResourceKind, name: string, suffix = ''): string {
  return `ONEFN_${kind.toUpperCase()}_${name.toUpperCase().replace(/-/g, '_')}${suffix}`;
}

/** Reads a resource's setting, or fails with a `ResourceUnavailableError` naming the setting deploy should have written. */
export function readResourceSetting(env: Readonly<Record<string, string | undefined>>, kind: ResourceKind, name: string, suffix = ''): string {
  const key = resourceSetting(kind, name, suffix);
  const value = env[key];
  if (!value) throw new ResourceUnavailableError(`${kind}:${name}`, `the setting ${key} is not set (deploy writes it; set it by hand when deploying otherwise)`);
  return value;
}
