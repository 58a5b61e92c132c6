import { DeleteRuleCommand, DescribeRuleCommand, ListTargetsByRuleCommand, RemoveTargetsCommand } from '@aws-sdk/client-eventbridge';
import {
  DeleteRoleCommand, DeleteRolePolicyCommand, DetachRolePolicyCommand, GetRoleCommand, ListAttachedRolePoliciesCommand, ListRolePoliciesCommand,
} from '@aws-sdk/client-iam';
import { RemovePermissionCommand } from '@aws-sdk/client-lambda';
import { errorName, type AwsClients } from './clients.js';
import { isOwned, ruleName, scheduleName, schedulerRoleName } from './names.js';
import { getSchedule, loadScheduler } from './scheduler.js';

/**
 * One thing a teardown removes: found by reading first (so a plan can be shown and `--dry-run` calls
 * nothing that changes state), removed by `run`, which answers `absent` when it was gone meanwhile.
 */
export interface Step {
  /** What it is, in AWS's words (`EventBridge rule`, `IAM role`...). */
  readonly kind: string;
  /** Its name or ARN. */
  readonly id: string;
  run(): Promise<'deleted' | 'absent'>;
}

/** Runs `call`; a resource that is already gone counts as `absent`. */
export async function gone(call: () => Promise<unknown>, missing: readonly string[] = ['ResourceNotFoundException']): Promise<'deleted' | 'absent'> {
  try {
    await call();
    return 'deleted';
  } catch (error) {
    if (missing.includes(errorName(error) ?? '')) return 'absent';
    throw error;
  }
}

const NO_SUCH_ENTITY = ['NoSuchEntity', 'NoSuchEntityException'];

/**
 * An IAM role, if onefn created it for function `fn` (its tags say so): the steps that detach its
 * managed policies, delete its inline ones, then the role. A role without onefn's tags is not
 * touched; `kept` names it.
 */
export async function roleSteps(clients: AwsClients, RoleName: string, fn: string): Promise<{ steps: Step[]; kept: string | undefined }> {
  let tags;
  try {
    tags = (await clients.iam.send(new GetRoleCommand({ RoleName }))).Role?.Tags;
  } catch (error) {
    if (NO_SUCH_ENTITY.includes(errorName(error) ?? '')) return { steps: [], kept: undefined };
    throw error;
  }
  if (!isOwned(tags, fn)) return { steps: [], kept: RoleName };
  const attached: string[] = [];
  let Marker: string | undefined;
  do {
    const page = await clients.iam.send(new ListAttachedRolePoliciesCommand({ RoleName, Marker }));
    for (const p of page.AttachedPolicies ?? []) if (p.PolicyArn) attached.push(p.PolicyArn);
    Marker = page.IsTruncated ? page.Marker : undefined;
  } while (Marker);
  const inline: string[] = [];
  do {
    const page = await clients.iam.send(new ListRolePoliciesCommand({ RoleName, Marker }));
    inline.push(...(page.PolicyNames ?? []));
    Marker = page.IsTruncated ? page.Marker : undefined;
  } while (Marker);
  const policies = [...attached.map((a) => `attached ${a.split('/').pop() ?? a}`), ...inline.map((n) => `inline ${n}`)];
  return {
    kept: undefined,
    steps: [{
      kind: 'IAM role',
      id: policies.length ? `${RoleName} (${policies.join(', ')})` : RoleName,
      async run() {
        // IAM refuses to delete a role that still has policies.
        for (const PolicyArn of attached) await gone(() => clients.iam.send(new DetachRolePolicyCommand({ RoleName, PolicyArn })), NO_SUCH_ENTITY);
        for (const PolicyName of inline) await gone(() => clients.iam.send(new DeleteRolePolicyCommand({ RoleName, PolicyName })), NO_SUCH_ENTITY);
        return gone(() => clients.iam.send(new DeleteRoleCommand({ RoleName })), NO_SUCH_ENTITY);
      },
    }],
  };
}

/** Whether an ARN names function `fn` (any qualifier): arn:<partition>:lambda:<region>:<account>:function:<fn>[:<qualifier>]. */
export function namesFunction(arn: string | undefined, fn: string): boolean {
  const parts = (arn ?? '').split(':');
  return parts[2] === 'lambda' && parts[5] === 'function' && parts[6] === fn;
}

/**
 * onefn's EventBridge rule for `fn`: the target onefn put (its function, id `onefn`), then the rule
 * itself unless someone added other targets to it.
 */
export async function ruleSteps(clients: AwsClients, fn: string): Promise<Step[]> {
  const Name = ruleName(fn);
  try {
    await clients.events.send(new DescribeRuleCommand({ Name }));
  } catch (error) {
    if (errorName(error) === 'ResourceNotFoundException') return [];
    throw error;
  }
  const { Targets = [] } = await clients.events.send(new ListTargetsByRuleCommand({ Rule: Name }));
  const ours = Targets.filter((t) => namesFunction(t.Arn, fn)).map((t) => t.Id ?? '');
  const steps: Step[] = [];
  if (ours.length) {
    steps.push({ kind: 'EventBridge target', id: `${Name}/${ours.join(',')}`, run: () => gone(() => clients.events.send(new RemoveTargetsCommand({ Rule: Name, Ids: ours }))) });
  }
  if (ours.length === Targets.length) steps.push({ kind: 'EventBridge rule', id: Name, run: () => gone(() => clients.events.send(new DeleteRuleCommand({ Name }))) });
  return steps;
}

/**
 * onefn's EventBridge Scheduler schedule for `fn` (only one whose target is that function), and the
 * role onefn made for it. With `optional`, a missing @aws-sdk/client-scheduler means no schedule to
 * look for (a schedule with a time zone cannot have been deployed without it).
 */
export async function scheduleSteps(clients: AwsClients, fn: string, optional = false): Promise<{ steps: Step[]; kept: string | undefined }> {
  let scheduler;
  try {
    scheduler = await clients.scheduler();
  } catch (error) {
    if (optional && (error as { code?: string }).code === 'MISSING_PACKAGE') return { steps: [], kept: undefined };
    throw error;
  }
  const Name = scheduleName(fn);
  const current = await getSchedule(scheduler, Name);
  const steps: Step[] = [];
  if (current && namesFunction(current.Target?.Arn, fn)) {
    const { DeleteScheduleCommand } = await loadScheduler();
    steps.push({ kind: 'EventBridge Scheduler schedule', id: current.Arn ?? Name, run: () => gone(() => scheduler.send(new DeleteScheduleCommand({ Name }))) });
  }
  const role = await roleSteps(clients, schedulerRoleName(fn), fn);
  return { steps: [...steps, ...role.steps], kept: role.kept };
}

interface SwitchOptions {
  dryRun: boolean;
  progress: (line: string) => void;
  optional?: boolean;
}

async function runAll(steps: Step[], fn: string, progress: (line: string) => void): Promise<void> {
  for (const step of steps) if ((await step.run()) === 'deleted') progress(`${fn}: removed ${step.kind} ${step.id}`);
}

/** Removes onefn's Scheduler schedule (and its role) for a schedule that now runs as an EventBridge rule. */
export async function removeSchedule(clients: AwsClients, fn: string, o: SwitchOptions): Promise<void> {
  const { steps } = await scheduleSteps(clients, fn, o.optional);
  if (!o.dryRun) await runAll(steps, fn, o.progress);
}

/** Removes onefn's rule (target, rule, and the statement that let it invoke) for a schedule that now runs on Scheduler. */
export async function removeRule(clients: AwsClients, t: { name: string; alias: string }, o: SwitchOptions): Promise<void> {
  const steps = await ruleSteps(clients, t.name);
  if (steps.length === 0) return;
  const StatementId = `onefn-events-${ruleName(t.name)}`.replace(/[^a-zA-Z0-9_-]/g, '_').slice(0, 100);
  steps.push({
    kind: 'permission',
    id: StatementId,
    run: () => gone(() => clients.lambda.send(new RemovePermissionCommand({ FunctionName: t.name, Qualifier: t.alias, StatementId }))),
  });
  if (!o.dryRun) await runAll(steps, t.name, o.progress);
}
