import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { deploy, type DeployOptions } from '@onefn/aws/deploy';
import { FakeAws } from './fake-aws.js';

const app = (name: string): string => fileURLToPath(new URL(`./app/${name}.ts`, import.meta.url));
const ROLE = 'arn:aws:iam::123456789012:role/onefn-test';
const ACCOUNT = '123456789012';
const aliasArn = (fn: string): string => `arn:aws:lambda:us-east-1:${ACCOUNT}:function:${fn}:live`;
const BASIC = 'arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole';
const IAM_OPS = new Set(['GetRole', 'CreateRole', 'AttachRolePolicy', 'PutRolePolicy']);
// With the SDK's waiters after CreateFunction (GetFunction) and PublishVersion (GetFunctionConfiguration of the version).
const FIRST_DEPLOY = ['GetFunction', 'CreateFunction', 'GetFunction', 'GetFunction', 'GetFunction', 'GetAlias', 'PublishVersion', 'GetFunctionConfiguration', 'GetFunctionConfiguration', 'CreateAlias'];

describe('deploy wires SNS, S3 and IAM against a loopback AWS', () => {
  let aws: FakeAws;
  let lines: string[];
  const run = (overrides: Partial<DeployOptions> = {}) =>
    deploy({
      entry: app('deploy-triggers'),
      region: 'us-east-1',
      role: ROLE,
      endpoint: aws.endpoint,
      credentials: { accessKeyId: 'AKIAFAKEFAKEFAKE', secretAccessKey: 'fake-secret' },
      pacing: { retryDelayMs: 1, pollMs: 1 },
      onProgress: (line) => lines.push(line),
      env: {},
      ...overrides,
    });
  const input = (op: string) => aws.calls.find((c) => c.op === op)!.input;

  beforeEach(async () => {
    aws = await new FakeAws().start();
    lines = [];
  });
  afterEach(async () => {
    await aws.stop();
  });

  describe('a topic', () => {
    it('allows SNS to invoke the alias, then subscribes the alias', async () => {
      const topic = aws.sns.createTopic('audit');
      const result = await run({ function: 'audit' });
      expect(aws.ops()).toEqual([...FIRST_DEPLOY, 'GetPolicy', 'AddPermission', 'ListSubscriptionsByTopic', 'Subscribe']);
      expect(input('AddPermission')).toMatchObject({ FunctionName: 'audit', Qualifier: 'live', Action: 'lambda:InvokeFunction', Principal: 'sns.amazonaws.com', SourceArn: topic });
      expect(input('Subscribe')).toMatchObject({ TopicArn: topic, Protocol: 'lambda', Endpoint: aliasArn('audit') });
      expect(aws.sns.topics.get(topic)).toEqual([expect.objectContaining({ Protocol: 'lambda', Endpoint: aliasArn('audit') })]);
      expect(result.functions).toEqual([expect.objectContaining({ name: 'audit', endpoint: topic, trigger: 'SNS topic audit' })]);
    });

    it('does not subscribe twice, even when the subscription is past the first page', async () => {
      const topic = aws.sns.createTopic('audit');
      await run({ function: 'audit' });
      const subscriptions = aws.sns.topics.get(topic)!;
      // 150 others ahead of ours: SNS answers 100 per page.
      subscriptions.unshift(...Array.from({ length: 150 }, (_, i) => ({ SubscriptionArn: `${topic}:other-${i}`, Owner: ACCOUNT, Protocol: 'https', Endpoint: `https://example.com/${i}`, TopicArn: topic })));
      aws.calls.length = 0;
      await run({ function: 'audit' });
      expect(aws.ops()).toEqual(['GetFunction', 'GetAlias', 'GetPolicy', 'ListSubscriptionsByTopic', 'ListSubscriptionsByTopic']);
      expect(aws.calls.filter((c) => c.op === 'ListSubscriptionsByTopic').map((c) => c.input['NextToken'])).toEqual([undefined, '100']);
      expect(subscriptions.filter((s) => s.Protocol === 'lambda')).toHaveLength(1);
    });

    it('surfaces an SNS error with its message', async () => {
      // No topic created: SNS answers NotFound.
      await expect(run({ function: 'audit' })).rejects.toMatchObject({ name: 'NotFoundException', message: 'Topic does not exist' });
      aws.sns.createTopic('audit');
      aws.failNext('Subscribe', 403, 'AuthorizationError', 'User: arn:aws:iam::123456789012:user/ci is not authorized to perform: SNS:Subscribe');
      await expect(run({ function: 'audit' })).rejects.toMatchObject({ message: 'User: arn:aws:iam::123456789012:user/ci is not authorized to perform: SNS:Subscribe' });
    });
  });

  describe('a bucket', () => {
    const others = {
      topics: [{ Id: 'to-topic', Target: `arn:aws:sns:us-east-1:${ACCOUNT}:uploads`, Events: ['s3:ObjectCreated:Put'], Rules: [{ Name: 'prefix', Value: 'docs/' }] }],
      queues: [{ Id: 'to-queue', Target: `arn:aws:sqs:us-east-1:${ACCOUNT}:ingest`, Events: ['s3:ObjectRemoved:Delete'], Rules: [] }],
      lambdas: [{ Id: 'someone-else', Target: `arn:aws:lambda:us-east-1:${ACCOUNT}:function:indexer`, Events: ['s3:ObjectCreated:*'], Rules: [{ Name: 'suffix', Value: '.pdf' }] }],
      eventBridge: true,
    };

    it('allows S3 to invoke the alias, then adds its entry to the bucket configuration, keeping the others', async () => {
      aws.s3.createBucket('acme.uploads', structuredClone(others));
      const result = await run({ function: 'thumbnails' });
      expect(aws.ops()).toEqual([...FIRST_DEPLOY, 'GetPolicy', 'AddPermission', 'GetBucketNotificationConfiguration', 'PutBucketNotificationConfiguration']);
      expect(input('AddPermission')).toMatchObject({
        FunctionName: 'thumbnails', Qualifier: 'live', Action: 'lambda:InvokeFunction', Principal: 's3.amazonaws.com', SourceArn: 'arn:aws:s3:::acme.uploads', SourceAccount: ACCOUNT,
      });
      expect(input('AddPermission')['StatementId']).toMatch(/^[a-zA-Z0-9-_]{1,100}$/);
      const bucket = aws.s3.buckets.get('acme.uploads')!;
      expect(bucket.topics).toEqual(others.topics.map((t) => ({ ...t, Rules: [{ Name: 'Prefix', Value: 'docs/' }] })));
      expect(bucket.queues).toEqual(others.queues);
      expect(bucket.eventBridge).toBe(true);
      expect(bucket.lambdas).toEqual([
        { ...others.lambdas[0], Rules: [{ Name: 'Suffix', Value: '.pdf' }] },
        { Id: 'onefn-thumbnails', Target: aliasArn('thumbnails'), Events: ['s3:ObjectCreated:*', 's3:ObjectRemoved:*'], Rules: [{ Name: 'prefix', Value: 'images/' }, { Name: 'suffix', Value: '.png' }] },
      ]);
      expect(result.functions).toEqual([expect.objectContaining({ name: 'thumbnails', endpoint: 'arn:aws:s3:::acme.uploads' })]);
    });

    it.each([
      ['thumbnails', 'acme.uploads', ['s3:ObjectCreated:*', 's3:ObjectRemoved:*'], [{ Name: 'prefix', Value: 'images/' }, { Name: 'suffix', Value: '.png' }]],
      ['cleanup', 'acme-archive', ['s3:ObjectRemoved:*'], []],
    ])('%s: subscribes to the changes asked for, with its filter; a second deploy changes nothing', async (fn, bucket, events, rules) => {
      aws.s3.createBucket(bucket);
      await run({ function: fn });
      expect(aws.s3.buckets.get(bucket)!.lambdas).toEqual([{ Id: `onefn-${fn}`, Target: aliasArn(fn), Events: events, Rules: rules }]);
      aws.calls.length = 0;
      await run({ function: fn });
      expect(aws.ops()).toEqual(['GetFunction', 'GetAlias', 'GetPolicy', 'GetBucketNotificationConfiguration']);
    });

    it('replaces its own entry when the definition changed, rather than adding a second', async () => {
      aws.s3.createBucket('acme.uploads', { lambdas: [{ Id: 'onefn-thumbnails', Target: aliasArn('thumbnails'), Events: ['s3:ObjectCreated:*'], Rules: [{ Name: 'prefix', Value: 'old/' }] }] });
      await run({ function: 'thumbnails' });
      expect(aws.s3.buckets.get('acme.uploads')!.lambdas).toEqual([
        { Id: 'onefn-thumbnails', Target: aliasArn('thumbnails'), Events: ['s3:ObjectCreated:*', 's3:ObjectRemoved:*'], Rules: [{ Name: 'prefix', Value: 'images/' }, { Name: 'suffix', Value: '.png' }] },
      ]);
    });

    it('surfaces an S3 error with its message', async () => {
      await expect(run({ function: 'cleanup' })).rejects.toMatchObject({ name: 'NoSuchBucket', message: 'The specified bucket does not exist' });
      expect(aws.writes().slice(-1)).toEqual(['AddPermission']);
      aws.s3.createBucket('acme-archive');
      aws.failNext('PutBucketNotificationConfiguration', 400, 'InvalidArgument', 'Unable to validate the following destination configurations');
      await expect(run({ function: 'cleanup' })).rejects.toMatchObject({ name: 'InvalidArgument', message: 'Unable to validate the following destination configurations' });
    });
  });

  describe('an execution role (createRole)', () => {
    const withRole = (overrides: Partial<DeployOptions>) => run({ role: undefined, createRole: true, ...overrides });
    const iamCalls = () => aws.calls.filter((c) => IAM_OPS.has(c.op)).map((c) => [c.op, c.input['RoleName']]);

    it('creates the role with the Lambda trust policy before the function, which waits for it to become assumable', async () => {
      await withRole({ entry: app('deploy-events'), function: 'orders' });
      expect(aws.ops().slice(0, 7)).toEqual(['GetFunction', 'GetRole', 'CreateRole', 'AttachRolePolicy', 'PutRolePolicy', 'CreateFunction', 'CreateFunction']);
      expect(JSON.parse(String(input('CreateRole')['AssumeRolePolicyDocument']))).toEqual({
        Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' }],
      });
      expect(input('CreateRole')['RoleName']).toBe('onefn-orders');
      expect(aws.functions.get('orders')!.config['Role']).toBe(`arn:aws:iam::${ACCOUNT}:role/onefn-orders`);
      // IAM is eventually consistent: the first CreateFunction is refused and retried.
      expect(lines).toContain('  InvalidParameterValueException, retrying in 1 ms');
    });

    it.each([
      ['deploy-events', 'orders', { 'onefn-queue': { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: ['sqs:ReceiveMessage', 'sqs:DeleteMessage', 'sqs:GetQueueAttributes'], Resource: `arn:aws:sqs:us-east-1:${ACCOUNT}:orders` }] } }],
      ['deploy-events', 'nightly', {}],
      ['deploy-triggers', 'audit', {}],
      ['deploy-triggers', 'cleanup', {}],
    ])('%s/%s: grants logs, and only what its trigger needs', async (entry, fn, inline) => {
      aws.sns.createTopic('audit');
      aws.s3.createBucket('acme-archive');
      await withRole({ entry: app(entry), function: fn });
      const role = aws.iam.roles.get(`onefn-${fn}`)!;
      expect(role.attached).toEqual([BASIC]);
      expect(Object.fromEntries([...role.inline].map(([name, doc]) => [name, JSON.parse(doc) as unknown]))).toEqual(inline);
    });

    it('reuses the role on a second deploy, with no IAM call', async () => {
      await withRole({ entry: app('deploy-events'), function: 'orders' });
      aws.calls.length = 0;
      await withRole({ entry: app('deploy-events'), function: 'orders' });
      expect(iamCalls()).toEqual([]);
      expect(aws.writes()).toEqual([]);
      expect(aws.iam.roles.size).toBe(1);
    });

    it('reuses a role left without its policies by an interrupted deploy, and gives it them', async () => {
      aws.iam.handle('CreateRole', { RoleName: 'onefn-orders', AssumeRolePolicyDocument: '{"Version":"2012-10-17","Statement":[]}' });
      aws.iam.settling.clear();
      await withRole({ entry: app('deploy-events'), function: 'orders' });
      expect(iamCalls()).toEqual([['GetRole', 'onefn-orders'], ['AttachRolePolicy', 'onefn-orders'], ['PutRolePolicy', 'onefn-orders']]);
      expect(aws.iam.roles.get('onefn-orders')!.inline.has('onefn-queue')).toBe(true);
      expect(input('CreateFunction')['Role']).toBe(`arn:aws:iam::${ACCOUNT}:role/onefn-orders`);
    });

    it('surfaces an IAM error with its message, before creating the function', async () => {
      const message = 'User: arn:aws:iam::123456789012:user/ci is not authorized to perform: iam:CreateRole on resource: arn:aws:iam::123456789012:role/onefn-orders';
      aws.failNext('CreateRole', 403, 'AccessDenied', message);
      await expect(withRole({ entry: app('deploy-events'), function: 'orders' })).rejects.toMatchObject({ name: 'AccessDenied', message });
      expect(aws.writes()).toEqual(['CreateRole']);
      aws.failNext('GetRole', 403, 'AccessDenied', 'not authorized to perform: iam:GetRole');
      await expect(withRole({ entry: app('deploy-events'), function: 'orders' })).rejects.toMatchObject({ message: 'not authorized to perform: iam:GetRole' });
    });
  });
});

describe('deploy in another partition (China, aws-cn)', () => {
  // Every ARN the helper writes takes its partition from the ARNs AWS answers with (the role's, the
  // function's); one written as arn:aws: would be refused there.
  let aws: FakeAws;
  beforeEach(async () => {
    aws = await new FakeAws({ partition: 'aws-cn', region: 'cn-north-1' }).start();
  });
  afterEach(async () => {
    await aws.stop();
  });
  const run = (entry: string, fn: string) =>
    deploy({
      entry: app(entry), function: fn, region: 'cn-north-1', createRole: true, endpoint: aws.endpoint,
      credentials: { accessKeyId: 'AKIAFAKEFAKEFAKE', secretAccessKey: 'fake-secret' }, pacing: { retryDelayMs: 1, pollMs: 1 }, env: {},
    });
  const inputs = (op: string) => aws.calls.filter((c) => c.op === op).map((c) => c.input);

  it('writes role, queue, topic and bucket ARNs in the function\'s partition', async () => {
    const topic = aws.sns.createTopic('audit');
    expect(topic).toBe(`arn:aws-cn:sns:cn-north-1:${ACCOUNT}:audit`);
    aws.s3.createBucket('acme-archive');
    await run('deploy-events', 'orders');
    await run('deploy-triggers', 'audit');
    await run('deploy-triggers', 'cleanup');
    expect(inputs('AttachRolePolicy').map((i) => i['PolicyArn'])).toEqual(Array(3).fill('arn:aws-cn:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole'));
    expect(JSON.parse(String(inputs('PutRolePolicy')[0]?.['PolicyDocument']))).toMatchObject({ Statement: [{ Resource: `arn:aws-cn:sqs:cn-north-1:${ACCOUNT}:orders` }] });
    expect(inputs('AddPermission').map((i) => i['SourceArn'])).toEqual([topic, 'arn:aws-cn:s3:::acme-archive']);
    expect(inputs('Subscribe')).toEqual([expect.objectContaining({ TopicArn: topic, Endpoint: `arn:aws-cn:lambda:cn-north-1:${ACCOUNT}:function:audit:live` })]);
    expect(aws.s3.buckets.get('acme-archive')?.lambdas).toEqual([expect.objectContaining({ Target: `arn:aws-cn:lambda:cn-north-1:${ACCOUNT}:function:cleanup:live` })]);
  });
});
