import { CreateRoleCommand, GetRoleCommand, PutRolePolicyCommand, type IAMClient } from '@aws-sdk/client-iam';
import type { GetScheduleCommandOutput, SchedulerClient } from '@aws-sdk/client-scheduler';
import { errorName } from './clients.js';
import { AwsDeployError, optionalSdk } from './errors.js';
import { ownedTags, scheduleName, schedulerRoleName } from './names.js';

/** EventBridge Scheduler's client, an optional peer loaded only for schedules with a time zone. */
export const SCHEDULER_PACKAGE = '@aws-sdk/client-scheduler';
export const loadScheduler = (): Promise<typeof import('@aws-sdk/client-scheduler')> => optionalSdk(SCHEDULER_PACKAGE, () => import('@aws-sdk/client-scheduler'));

/** Where a schedule points: the alias, in the function's account and region. */
export interface ScheduleTarget {
  name: string;
  /** The alias's ARN. */
  arn: string;
  region: string;
  account: string;
  partition: string;
  progress: (line: string) => void;
}

/**
 * The payload each run delivers: the shape of an EventBridge scheduled event, with `source`
 * `aws.scheduler` and Scheduler's own context attributes, which it fills in at each run
 * (https://docs.aws.amazon.com/scheduler/latest/UserGuide/managing-schedule-context-attributes.html).
 * A Lambda target with no Input would get `{}`, which says nothing about the run; this one is read by
 * the adapter as a schedule tick (detect.ts `isScheduledEvent`), with the due time and the schedule's name.
 */
export function schedulerInput(t: Pick<ScheduleTarget, 'account' | 'region'>): string {
  return JSON.stringify({
    version: '0',
    id: '<aws.scheduler.execution-id>',
    'detail-type': 'Scheduled Event',
    source: 'aws.scheduler',
    account: t.account,
    time: '<aws.scheduler.scheduled-time>',
    region: t.region,
    resources: ['<aws.scheduler.schedule-arn>'],
    detail: {},
  });
}

/** Trust for Scheduler, in this account only (the confused-deputy guard its guide recommends). */
function schedulerTrust(account: string): string {
  return JSON.stringify({
    Version: '2012-10-17',
    Statement: [{ Effect: 'Allow', Principal: { Service: 'scheduler.amazonaws.com' }, Action: 'sts:AssumeRole', Condition: { StringEquals: { 'aws:SourceAccount': account } } }],
  });
}

/** lambda:InvokeFunction on the alias, and nothing else. */
export function schedulerPolicy(aliasArn: string): string {
  return JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: ['lambda:InvokeFunction'], Resource: aliasArn }] });
}

/** The role Scheduler assumes: created (tagged) the first time; its one policy put again every deploy (idempotent). */
async function ensureSchedulerRole(iam: IAMClient, t: ScheduleTarget): Promise<string> {
  const RoleName = schedulerRoleName(t.name);
  let arn: string | undefined;
  try {
    arn = (await iam.send(new GetRoleCommand({ RoleName }))).Role?.Arn;
  } catch (error) {
    if (errorName(error) !== 'NoSuchEntityException' && errorName(error) !== 'NoSuchEntity') throw error;
  }
  if (!arn) {
    const tags = Object.entries(ownedTags(t.name)).map(([Key, Value]) => ({ Key, Value }));
    arn = (await iam.send(new CreateRoleCommand({ RoleName, AssumeRolePolicyDocument: schedulerTrust(t.account), Description: `onefn: EventBridge Scheduler invokes ${t.name}`, Tags: tags }))).Role?.Arn;
    if (!arn) throw new AwsDeployError('DEPLOY_FAILED', `IAM returned no ARN for role ${RoleName}`);
    t.progress(`${t.name}: created scheduler role ${RoleName}`);
  }
  await iam.send(new PutRolePolicyCommand({ RoleName, PolicyName: 'onefn-invoke', PolicyDocument: schedulerPolicy(t.arn) }));
  return arn;
}

export async function getSchedule(scheduler: SchedulerClient, Name: string): Promise<GetScheduleCommandOutput | undefined> {
  const { GetScheduleCommand } = await loadScheduler();
  try {
    return await scheduler.send(new GetScheduleCommand({ Name }));
  } catch (error) {
    if (errorName(error) === 'ResourceNotFoundException') return undefined;
    throw error;
  }
}

/**
 * A schedule with a time zone: an EventBridge Scheduler schedule (`ScheduleExpressionTimezone`) that
 * invokes the alias through a role allowed exactly that. Created, or updated when anything differs;
 * an unchanged one is left alone. Returns the schedule's ARN.
 */
export async function wireSchedule(scheduler: SchedulerClient, iam: IAMClient, t: ScheduleTarget, schedule: { expression: string; timeZone: string }): Promise<string> {
  const { CreateScheduleCommand, UpdateScheduleCommand } = await loadScheduler();
  const Name = scheduleName(t.name);
  const base = {
    Name,
    ScheduleExpression: schedule.expression,
    ScheduleExpressionTimezone: schedule.timeZone,
    FlexibleTimeWindow: { Mode: 'OFF' as const },
    State: 'ENABLED' as const,
    Description: `onefn: runs ${t.name}`,
  };
  const Input = schedulerInput(t);
  const current = await getSchedule(scheduler, Name);
  const same =
    current !== undefined &&
    current.ScheduleExpression === base.ScheduleExpression &&
    current.ScheduleExpressionTimezone === base.ScheduleExpressionTimezone &&
    current.State === 'ENABLED' &&
    current.FlexibleTimeWindow?.Mode === 'OFF' &&
    current.Target?.Arn === t.arn &&
    current.Target?.Input === Input &&
    (current.Target?.RoleArn ?? '').endsWith(`:role/${schedulerRoleName(t.name)}`);
  // An unchanged schedule calls nothing more: its role was put in place when it was written.
  if (current && same) return current.Arn ?? Name;
  const RoleArn = await ensureSchedulerRole(iam, t);
  const wanted = { ...base, Target: { Arn: t.arn, RoleArn, Input } };
  if (!current) {
    const { ScheduleArn } = await scheduler.send(new CreateScheduleCommand(wanted));
    t.progress(`${t.name}: schedule ${Name} ${schedule.expression} in ${schedule.timeZone}`);
    return ScheduleArn ?? Name;
  }
  // UpdateSchedule replaces the whole schedule: every field is given again.
  await scheduler.send(new UpdateScheduleCommand(wanted));
  t.progress(`${t.name}: schedule ${Name} now ${schedule.expression} in ${schedule.timeZone}`);
  return current.Arn ?? Name;
}
