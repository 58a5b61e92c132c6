import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { deploy, type DeployOptions } from '@onefn/aws/deploy';
import { LIFECYCLE_REPORT_KEYS, runCli } from 'onefn/cli';
import { destroy, type DestroyOptions } from '@onefn/aws/deploy';
import { FakeAws } from './fake-aws.js';

const app = (name: string): string => fileURLToPath(new URL(`./app/${name}.ts`, import.meta.url));
const ROLE = 'arn:aws:iam::123456789012:role/onefn-test';
const CREDENTIALS = { accessKeyId: 'AKIAFAKEFAKEFAKE', secretAccessKey: 'fake-secret' };
const fnArn = (name: string): string => `arn:aws:lambda:us-east-1:123456789012:function:${name}`;

describe('destroy against a loopback AWS', () => {
  let aws: FakeAws;
  let lines: string[];
  const deployed = (overrides: Partial<DeployOptions> = {}) =>
    deploy({ entry: app('deploy-v1'), region: 'us-east-1', createRole: true, endpoint: aws.endpoint, credentials: CREDENTIALS, pacing: { retryDelayMs: 1, pollMs: 1 }, env: {}, ...overrides });
  const run = (overrides: Partial<DestroyOptions> = {}) =>
    destroy({ function: 'api', region: 'us-east-1', endpoint: aws.endpoint, credentials: CREDENTIALS, onProgress: (line) => lines.push(line), env: {}, ...overrides });

  beforeEach(async () => {
    aws = await new FakeAws().start();
    lines = [];
  });
  afterEach(async () => {
    await aws.stop();
  });

  it('deploy tags the function and the role it creates; a dry run plans in order and changes nothing; destroy removes exactly that', async () => {
    await deployed();
    expect(aws.functions.get('api')!.tags).toEqual({ 'onefn:managed-by': 'onefn', 'onefn:function': 'api' });
    expect(aws.iam.roles.get('onefn-api')!.tags).toEqual({ 'onefn:managed-by': 'onefn', 'onefn:function': 'api' });
    aws.calls.length = 0;

    const plan = await run({ dryRun: true });
    expect(aws.writes()).toEqual([]);
    expect(plan.resources).toEqual([
      { kind: 'Function URL', id: 'https://api.lambda-url.us-east-1.on.aws/', action: 'planned' },
      { kind: 'Lambda function', id: `${fnArn('api')} (all versions, aliases and permissions)`, action: 'planned' },
      { kind: 'IAM role', id: 'onefn-api (attached AWSLambdaBasicExecutionRole)', action: 'planned' },
    ]);
    expect(lines).toEqual([]);

    aws.calls.length = 0;
    const done = await run();
    expect(aws.writes()).toEqual(['DeleteFunctionUrlConfig', 'DeleteFunction', 'DetachRolePolicy', 'DeleteRole']);
    expect(done.resources.map((r) => r.action)).toEqual(['deleted', 'deleted', 'deleted']);
    expect(aws.functions.has('api')).toBe(false);
    expect(aws.iam.roles.has('onefn-api')).toBe(false);
    const url = aws.calls.find((c) => c.op === 'DeleteFunctionUrlConfig')!;
    expect(url.input).toMatchObject({ FunctionName: 'api', Qualifier: 'live' });
    expect(aws.calls.find((c) => c.op === 'DeleteFunction')!.input).toEqual({ FunctionName: 'api' });
  });

  it('a role the user gave is kept, and said so', async () => {
    aws.iam.roles.set('onefn-test', { RoleName: 'onefn-test', Arn: ROLE, RoleId: 'AROA1', AssumeRolePolicyDocument: '{}', Description: undefined, attached: [], inline: new Map(), tags: {} });
    await deployed({ createRole: false, role: ROLE });
    const done = await run();
    expect(done.kept).toEqual(['IAM role onefn-test (not tagged by onefn for api)']);
    expect(aws.iam.roles.has('onefn-test')).toBe(true);
    expect(aws.writes().filter((op) => /Role/.test(op))).toEqual([]);
  });

  it('removes a queue mapping, a UTC schedule\'s rule and target, and the roles; the inline queue policy goes first', async () => {
    await deployed({ entry: app('deploy-events') });
    aws.calls.length = 0;
    const orders = await run({ function: 'orders' });
    expect(orders.resources.map((r) => [r.kind, r.id])).toEqual([
      ['event source mapping', 'uuid-1 (arn:aws:sqs:us-east-1:123456789012:orders)'],
      ['Lambda function', `${fnArn('orders')} (all versions, aliases and permissions)`],
      ['IAM role', 'onefn-orders (attached AWSLambdaBasicExecutionRole, inline onefn-queue)'],
    ]);
    expect(aws.writes()).toEqual(['DeleteEventSourceMapping', 'DeleteFunction', 'DetachRolePolicy', 'DeleteRolePolicy', 'DeleteRole']);
    expect(aws.mappings).toEqual([]);

    aws.calls.length = 0;
    const nightly = await run({ function: 'nightly' });
    expect(nightly.resources.map((r) => [r.kind, r.id])).toEqual([
      ['EventBridge target', 'onefn-nightly/onefn'],
      ['EventBridge rule', 'onefn-nightly'],
      ['Lambda function', `${fnArn('nightly')} (all versions, aliases and permissions)`],
      ['IAM role', 'onefn-nightly (attached AWSLambdaBasicExecutionRole)'],
    ]);
    expect(aws.writes()).toEqual(['RemoveTargets', 'DeleteRule', 'DeleteFunction', 'DetachRolePolicy', 'DeleteRole']);
    expect(aws.calls.find((c) => c.op === 'RemoveTargets')!.input).toEqual({ Rule: 'onefn-nightly', Ids: ['onefn'] });
  });

  it('a rule someone else added a target to keeps the rule and their target', async () => {
    await deployed({ entry: app('deploy-events'), function: 'nightly' });
    aws.targets.get('onefn-nightly')!.push({ Id: 'audit', Arn: 'arn:aws:sqs:us-east-1:123456789012:audit' });
    await run({ function: 'nightly' });
    expect(aws.rules.has('onefn-nightly')).toBe(true);
    expect(aws.targets.get('onefn-nightly')).toEqual([{ Id: 'audit', Arn: 'arn:aws:sqs:us-east-1:123456789012:audit' }]);
  });

  it('a schedule with a time zone: the schedule, then the function, then both roles', async () => {
    await deployed({ entry: app('deploy-zoned') });
    aws.calls.length = 0;
    const done = await run({ function: 'nightly' });
    expect(done.resources.map((r) => [r.kind, r.id])).toEqual([
      ['EventBridge Scheduler schedule', 'arn:aws:scheduler:us-east-1:123456789012:schedule/default/onefn-nightly'],
      ['Lambda function', `${fnArn('nightly')} (all versions, aliases and permissions)`],
      ['IAM role', 'onefn-nightly (attached AWSLambdaBasicExecutionRole)'],
      ['IAM role', 'onefn-nightly-scheduler (inline onefn-invoke)'],
    ]);
    expect(aws.writes()).toEqual(['DeleteSchedule', 'DeleteFunction', 'DetachRolePolicy', 'DeleteRole', 'DeleteRolePolicy', 'DeleteRole']);
    expect(aws.scheduler.schedules.size).toBe(0);
    expect(aws.iam.roles.size).toBe(0);
  });

  it('an SNS subscription and its own bucket entry go; the topic\'s and the bucket\'s other entries stay', async () => {
    const others = { id: 'theirs', arn: 'arn:aws:lambda:us-east-1:123456789012:function:theirs' };
    aws.sns.createTopic('audit');
    aws.s3.createBucket('acme.uploads', { queues: [{ Id: 'q', Target: 'arn:aws:sqs:us-east-1:123456789012:q', Events: ['s3:ObjectCreated:*'], Rules: [] }], lambdas: [{ Id: others.id, Target: others.arn, Events: ['s3:ObjectRemoved:*'], Rules: [] }] });
    aws.s3.createBucket('acme-archive');
    await deployed({ entry: app('deploy-triggers') });
    aws.sns.handle('Subscribe', { TopicArn: 'arn:aws:sns:us-east-1:123456789012:audit', Protocol: 'lambda', Endpoint: others.arn });
    aws.calls.length = 0;

    const audit = await run({ function: 'audit' });
    expect(audit.resources.map((r) => r.kind)).toEqual(['SNS subscription', 'Lambda function', 'IAM role']);
    expect(aws.writes()).toEqual(['Unsubscribe', 'DeleteFunction', 'DetachRolePolicy', 'DeleteRole']);
    expect(aws.sns.topics.get('arn:aws:sns:us-east-1:123456789012:audit')!.map((s) => s.Endpoint)).toEqual([others.arn]);

    aws.calls.length = 0;
    const thumbnails = await run({ function: 'thumbnails' });
    expect(thumbnails.resources.map((r) => [r.kind, r.id])).toEqual([
      ['S3 notification', 'acme.uploads/onefn-thumbnails'],
      ['Lambda function', `${fnArn('thumbnails')} (all versions, aliases and permissions)`],
      ['IAM role', 'onefn-thumbnails (attached AWSLambdaBasicExecutionRole)'],
    ]);
    expect(aws.writes()).toEqual(['PutBucketNotificationConfiguration', 'DeleteFunction', 'DetachRolePolicy', 'DeleteRole']);
    const bucket = aws.s3.buckets.get('acme.uploads')!;
    expect(bucket.lambdas.map((l) => l.Id)).toEqual([others.id]);
    expect(bucket.queues.map((q) => q.Id)).toEqual(['q']);
  });

  it('a function onefn did not deploy is refused, with no change', async () => {
    aws.functions.set('legacy', { config: { FunctionName: 'legacy', FunctionArn: fnArn('legacy'), Role: ROLE }, versions: [], aliases: new Map(), urls: new Map(), policy: new Map(), busy: 0, tags: { team: 'payments' } });
    await expect(run({ function: 'legacy' })).rejects.toMatchObject({ name: 'AwsDeployError', code: 'NOT_OWNED', message: expect.stringMatching(/^legacy was not deployed by onefn \(no onefn:managed-by tag for it\)/) });
    // Tagged by onefn for another function is not this one's.
    aws.functions.get('legacy')!.tags = { 'onefn:managed-by': 'onefn', 'onefn:function': 'api' };
    await expect(run({ function: 'legacy' })).rejects.toMatchObject({ code: 'NOT_OWNED' });
    expect(aws.writes()).toEqual([]);
    await expect(run({ function: 'missing' })).rejects.toMatchObject({ code: 'NOT_FOUND', message: 'no function missing; nothing to destroy' });
  });

  it('a function deployed before onefn tagged them is tagged by its next deploy', async () => {
    await deployed();
    aws.functions.get('api')!.tags = {};
    aws.calls.length = 0;
    await deployed();
    expect(aws.writes()).toEqual(['TagResource']);
    expect(aws.calls.find((c) => c.op === 'TagResource')!.input).toEqual({ Resource: fnArn('api'), Tags: { 'onefn:managed-by': 'onefn', 'onefn:function': 'api' } });
  });

  it('something removed meanwhile counts as already gone, not as a failure', async () => {
    await deployed();
    aws.failNext('DeleteFunctionUrlConfig', 404, 'ResourceNotFoundException', 'The resource you requested does not exist.');
    const done = await run();
    expect(done.resources.map((r) => r.action)).toEqual(['absent', 'deleted', 'deleted']);
  });

  it('refuses a bad name or region before any call', async () => {
    await expect(run({ function: '../api' })).rejects.toThrow(/Invalid option "function"/);
    await expect(run({ region: 'mars-1' })).rejects.toThrow(/Invalid option "region"/);
    expect(aws.calls).toEqual([]);
  });

  it('onefn destroy aws <function> --stage --dry-run --json prints the shared report', async () => {
    await deployed({ stage: 'prod' });
    aws.calls.length = 0;
    const out: string[] = [];
    const err: string[] = [];
    const saved = { id: process.env['AWS_ACCESS_KEY_ID'], secret: process.env['AWS_SECRET_ACCESS_KEY'] };
    process.env['AWS_ACCESS_KEY_ID'] = 'AKIAFAKEFAKEFAKE';
    process.env['AWS_SECRET_ACCESS_KEY'] = 'fake-secret';
    let code: number;
    try {
      code = await runCli(['destroy', 'aws', 'api', '--stage', 'prod', '--dry-run', '--json', '--region', 'us-east-1', '--endpoint-url', aws.endpoint], {
        stdout: (t) => void out.push(t), stderr: (t) => void err.push(t), cwd: process.cwd(), env: {}, color: false,
      });
    } finally {
      for (const [k, v] of [['AWS_ACCESS_KEY_ID', saved.id], ['AWS_SECRET_ACCESS_KEY', saved.secret]] as const) {
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      }
    }
    expect(code).toBe(0);
    expect(aws.writes()).toEqual([]);
    const report = JSON.parse(out.join('')) as Record<string, unknown>;
    expect(Object.keys(report)).toEqual([...LIFECYCLE_REPORT_KEYS.destroy]);
    expect(report).toMatchObject({ command: 'destroy', provider: 'aws', stage: 'prod', dryRun: true, function: 'api-prod', detail: { region: 'us-east-1', kept: [] } });
    expect((report['resources'] as Array<{ kind: string; action: string }>).map((r) => [r.kind, r.action])).toEqual([['Function URL', 'planned'], ['Lambda function', 'planned'], ['IAM role', 'planned']]);
    expect(err.join('')).toBe('');
  });
});
