import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { defineSchedule, type ScheduleEvent } from 'onefn';
import { wrap } from '@onefn/aws';
import { deploy, type DeployOptions } from '@onefn/aws/deploy';
import { schedulerInput } from '@onefn/aws/deploy';
import { FakeAws } from './fake-aws.js';
import { lambdaContext } from './fixtures.js';

const app = (name: string): string => fileURLToPath(new URL(`./app/${name}.ts`, import.meta.url));
const ROLE = 'arn:aws:iam::123456789012:role/onefn-test';
const ALIAS = 'arn:aws:lambda:us-east-1:123456789012:function:nightly:live';
const TAGS = [{ Key: 'onefn:managed-by', Value: 'onefn' }, { Key: 'onefn:function', Value: 'nightly' }];

describe('a schedule with a time zone deploys as an EventBridge Scheduler schedule', () => {
  let aws: FakeAws;
  let lines: string[];
  const run = (overrides: Partial<DeployOptions> = {}) =>
    deploy({
      entry: app('deploy-zoned'),
      region: 'us-east-1',
      role: ROLE,
      endpoint: aws.endpoint,
      credentials: { accessKeyId: 'AKIAFAKEFAKEFAKE', secretAccessKey: 'fake-secret' },
      pacing: { retryDelayMs: 1, pollMs: 1 },
      onProgress: (line) => lines.push(line),
      env: {},
      ...overrides,
    });
  const inputs = (op: string) => aws.calls.filter((c) => c.op === op).map((c) => c.input);

  beforeEach(async () => {
    aws = await new FakeAws().start();
    lines = [];
  });
  afterEach(async () => {
    await aws.stop();
  });

  it('creates a least-privilege Scheduler role (tagged) and the schedule, in the time zone, targeting the alias; a repeat changes nothing', async () => {
    const result = await run();
    expect(result.functions[0]).toMatchObject({ name: 'nightly', trigger: 'EventBridge Scheduler schedule cron(30 2 ? * MON,TUE,WED,THU,FRI *) in Europe/Paris', endpoint: 'arn:aws:scheduler:us-east-1:123456789012:schedule/default/onefn-nightly' });
    // No EventBridge rule and no resource-policy statement: Scheduler invokes through its role.
    expect(aws.writes().filter((op) => /Rule|Targets|AddPermission/.test(op))).toEqual([]);
    expect(aws.ops().filter((op) => /Schedule|Role/.test(op))).toEqual(['GetSchedule', 'GetRole', 'CreateRole', 'PutRolePolicy', 'CreateSchedule']);

    const [role] = inputs('CreateRole');
    expect(role).toMatchObject({ RoleName: 'onefn-nightly-scheduler', 'Tags.member.1.Key': 'onefn:managed-by', 'Tags.member.1.Value': 'onefn', 'Tags.member.2.Key': 'onefn:function', 'Tags.member.2.Value': 'nightly' });
    expect(JSON.parse(String(role!['AssumeRolePolicyDocument']))).toEqual({
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Principal: { Service: 'scheduler.amazonaws.com' }, Action: 'sts:AssumeRole', Condition: { StringEquals: { 'aws:SourceAccount': '123456789012' } } }],
    });
    const [policy] = inputs('PutRolePolicy');
    expect(policy).toMatchObject({ RoleName: 'onefn-nightly-scheduler', PolicyName: 'onefn-invoke' });
    expect(JSON.parse(String(policy!['PolicyDocument']))).toEqual({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: ['lambda:InvokeFunction'], Resource: ALIAS }] });

    expect(inputs('CreateSchedule')).toEqual([{
      Name: 'onefn-nightly',
      ScheduleExpression: 'cron(30 2 ? * MON,TUE,WED,THU,FRI *)',
      ScheduleExpressionTimezone: 'Europe/Paris',
      FlexibleTimeWindow: { Mode: 'OFF' },
      State: 'ENABLED',
      Description: 'onefn: runs nightly',
      Target: { Arn: ALIAS, RoleArn: 'arn:aws:iam::123456789012:role/onefn-nightly-scheduler', Input: schedulerInput({ account: '123456789012', region: 'us-east-1' }) },
      // The SDK's idempotency token.
      ClientToken: expect.any(String),
    }]);

    aws.calls.length = 0;
    await run();
    expect(aws.writes()).toEqual([]);
    expect(aws.ops().filter((op) => /Schedule|Role/.test(op))).toEqual(['GetSchedule']);
  });

  it('a changed time zone updates the schedule, giving every field again', async () => {
    await run();
    aws.scheduler.schedules.get('onefn-nightly')!['ScheduleExpressionTimezone'] = 'America/New_York';
    aws.calls.length = 0;
    await run();
    expect(aws.writes()).toEqual(['PutRolePolicy', 'UpdateSchedule']);
    expect(inputs('UpdateSchedule')[0]).toMatchObject({ Name: 'onefn-nightly', ScheduleExpressionTimezone: 'Europe/Paris', FlexibleTimeWindow: { Mode: 'OFF' }, Target: { Arn: ALIAS } });
  });

  it('a UTC schedule that gains a time zone moves from its rule to Scheduler, and back, leaving nothing that would run it twice', async () => {
    await run({ entry: app('deploy-events'), function: 'nightly' });
    expect(aws.rules.has('onefn-nightly')).toBe(true);
    expect(aws.rules.get('onefn-nightly')!['Tags']).toEqual(TAGS);
    aws.calls.length = 0;

    await run();
    const trigger = (ops: string[]) => ops.filter((op) => !/Function|Version|Alias/.test(op));
    expect(trigger(aws.writes())).toEqual(['CreateRole', 'PutRolePolicy', 'CreateSchedule', 'RemoveTargets', 'DeleteRule', 'RemovePermission']);
    expect(aws.rules.has('onefn-nightly')).toBe(false);
    expect(aws.functions.get('nightly')!.policy.get('live')).toBeUndefined();
    expect(aws.scheduler.schedules.has('onefn-nightly')).toBe(true);
    aws.calls.length = 0;

    await run({ entry: app('deploy-events'), function: 'nightly' });
    expect(aws.scheduler.schedules.has('onefn-nightly')).toBe(false);
    expect(aws.iam.roles.has('onefn-nightly-scheduler')).toBe(false);
    expect(trigger(aws.writes())).toEqual(['PutRule', 'AddPermission', 'PutTargets', 'DeleteSchedule', 'DeleteRolePolicy', 'DeleteRole']);
    expect(lines).toContain('nightly: removed EventBridge Scheduler schedule arn:aws:scheduler:us-east-1:123456789012:schedule/default/onefn-nightly');
  });

  it('a role IAM has just created is retried until Scheduler can assume it (the SDK retry strategy)', async () => {
    aws.failNext('CreateSchedule', 400, 'ValidationException', 'The execution role you provide must allow AWS EventBridge Scheduler to assume the role.');
    await run();
    expect(aws.ops().filter((op) => op === 'CreateSchedule')).toHaveLength(2);
    expect(lines).toContain('  ValidationException, retrying in 1 ms');
    expect(aws.scheduler.schedules.has('onefn-nightly')).toBe(true);
  });

  it('the plan names the schedule, its role and the one grant, with no call', async () => {
    await run({ dryRun: true, role: undefined, createRole: true, region: undefined, env: { AWS_REGION: 'eu-west-3' } });
    expect(aws.calls).toEqual([]);
    expect(lines).toContain('nightly: would create schedule onefn-nightly and role onefn-nightly-scheduler (trust scheduler.amazonaws.com; lambda:InvokeFunction on arn:aws:lambda:eu-west-3:<account>:function:nightly:live only)');
    expect(lines).toContain('nightly: would point alias live at the new version and wire EventBridge Scheduler schedule cron(30 2 ? * MON,TUE,WED,THU,FRI *) in Europe/Paris');
  });
});

describe('what a Scheduler schedule delivers', () => {
  /** Scheduler's run: the schedule's Input with its context attributes filled in. */
  function delivered(input: string, at: string): unknown {
    return JSON.parse(
      input
        .replace('<aws.scheduler.execution-id>', 'd32c5kddcf5bb8c3')
        .replace('<aws.scheduler.scheduled-time>', at)
        .replace('<aws.scheduler.schedule-arn>', 'arn:aws:scheduler:eu-west-3:123456789012:schedule/default/onefn-nightly'),
    );
  }

  it('is a schedule tick to the AWS adapter: id, due time and the schedule name', async () => {
    const seen: ScheduleEvent[] = [];
    const handler = wrap(defineSchedule({ schedule: '30 2 * * *', timeZone: 'Europe/Paris', handler: (tick) => void seen.push(tick) }));
    await handler(delivered(schedulerInput({ account: '123456789012', region: 'eu-west-3' }), '2026-03-02T01:30:00Z'), lambdaContext());
    expect(seen.map((t) => ({ id: t.id, name: t.name, at: t.scheduledTime.toISOString() }))).toEqual([{ id: 'd32c5kddcf5bb8c3', name: 'onefn-nightly', at: '2026-03-02T01:30:00.000Z' }]);
  });

  it('is valid JSON whatever the account and region, and only aws.events or aws.scheduler count as ticks', async () => {
    const event = delivered(schedulerInput({ account: '123456789012', region: 'eu-west-3' }), '2026-03-02T01:30:00Z') as Record<string, unknown>;
    expect(event).toMatchObject({ source: 'aws.scheduler', 'detail-type': 'Scheduled Event', account: '123456789012', region: 'eu-west-3', detail: {} });
    const handler = wrap(defineSchedule({ schedule: '30 2 * * *', handler: () => {} }));
    await expect(handler({ ...event, source: 'acme.scheduler' }, lambdaContext())).rejects.toMatchObject({ name: 'UnsupportedEventError' });
  });
});
