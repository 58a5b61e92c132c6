import { createHash } from 'node:crypto';

/** The tags deploy sets on what it creates (functions, roles, rules), and destroy reads before deleting. */
export const MANAGED_TAG = 'onefn:managed-by';
export const FUNCTION_TAG = 'onefn:function';

/** The tags for what onefn creates for function `name`. */
export function ownedTags(name: string): Record<string, string> {
  return { [MANAGED_TAG]: 'onefn', [FUNCTION_TAG]: name };
}

/** Whether tags (a record, or IAM's list of Key/Value) say onefn made it for function `name`. */
export function isOwned(tags: Record<string, string> | ReadonlyArray<{ Key?: string | undefined; Value?: string | undefined }> | undefined, name: string): boolean {
  const record = Array.isArray(tags) ? Object.fromEntries(tags.map((t) => [t.Key ?? '', t.Value ?? ''])) : ((tags ?? {}) as Record<string, string>);
  return record[MANAGED_TAG] === 'onefn' && record[FUNCTION_TAG] === name;
}

/**
 * `onefn-<function><suffix>`, at most 64 characters (IAM role names, rule and schedule names). A name
 * that would be longer keeps a hash of the whole function name, so two long names never collide.
 */
export function boundedName(fn: string, suffix = ''): string {
  const full = `onefn-${fn}${suffix}`;
  if (full.length <= 64) return full;
  const hash = createHash('sha256').update(fn).digest('hex').slice(0, 8);
  return `onefn-${fn.slice(0, 64 - 6 - 9 - suffix.length)}-${hash}${suffix}`;
}

// The execution role and the rule keep the names earlier deploys gave them (cut at 64), so that a
// redeploy finds them.
/** The execution role a created role gets. */
export const roleName = (fn: string): string => `onefn-${fn}`.slice(0, 64);
/** The role EventBridge Scheduler assumes to invoke the function. */
export const schedulerRoleName = (fn: string): string => boundedName(fn, '-scheduler');
/** The EventBridge rule (UTC schedules, CloudEvents). */
export const ruleName = (fn: string): string => `onefn-${fn}`.slice(0, 64);
/** The EventBridge Scheduler schedule (schedules with a time zone), in the default group. */
export const scheduleName = (fn: string): string => boundedName(fn);
