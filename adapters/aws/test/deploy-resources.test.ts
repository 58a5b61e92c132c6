import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { deploy, type DeployOptions } from '@onefn/aws/deploy';
import { FakeAws } from './fake-aws.js';

// Deploy derives least-privilege grants and the driver's settings from the declared uses.
const APP = fileURLToPath(new URL('./app/resources-app.ts', import.meta.url));
const SECRET = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYFAKEKEY';

describe('deploying functions that declare uses', () => {
  let aws: FakeAws;
  let lines: string[];
  const run = (overrides: Partial<DeployOptions> = {}) =>
    deploy({
      entry: APP,
      region: 'eu-west-1',
      createRole: true,
      endpoint: aws.endpoint,
      credentials: { accessKeyId: 'AKIAFAKEFAKEFAKE', secretAccessKey: SECRET },
      pacing: { retryDelayMs: 1, pollMs: 1 },
      onProgress: (line) => lines.push(line),
      env: {},
      ...overrides,
    });

  beforeEach(async () => {
    aws = await new FakeAws({ partition: 'aws', region: 'eu-west-1' }).start();
    lines = [];
  });
  afterEach(async () => {
    await aws.stop();
  });

  it('shows every grant and setting in --dry-run, and calls nothing', async () => {
    await run({ dryRun: true });
    expect(aws.calls).toEqual([]);
    expect(lines.filter((l) => l.includes('would grant') || l.includes('would set'))).toEqual([
      'api: would grant sqs:SendMessage on arn:aws:sqs:eu-west-1:<account>:orders',
      'api: would set ONEFN_QUEUE_ORDERS_URL=https://sqs.eu-west-1.amazonaws.com/<account>/orders',
      'onReport: would grant s3:ListBucket on arn:aws:s3:::reports',
      'onReport: would grant s3:GetObject on arn:aws:s3:::reports/*',
      'onReport: would grant sns:Publish on arn:aws:sns:eu-west-1:<account>:order-done',
      'onReport: would set ONEFN_BUCKET_REPORTS=reports',
      'onReport: would set ONEFN_TOPIC_ORDER_DONE_ARN=arn:aws:sns:eu-west-1:<account>:order-done',
      'worker: would grant s3:PutObject on arn:aws:s3:::reports/*',
      'worker: would set ONEFN_BUCKET_REPORTS=reports',
    ]);
    expect(lines.filter((l) => l.includes('would create execution role'))).toEqual(['api', 'onReport', 'worker'].map((f) => `${f}: would create execution role onefn-${f} if it does not exist (trust lambda.amazonaws.com; CloudWatch Logs, and the grants below)`));
    expect(lines.filter((l) => l.includes('would create') && !l.includes('execution role'))).toEqual([
      'api: would create queue orders if it does not exist',
      'onReport: would create bucket reports if it does not exist',
      'onReport: would create topic order-done if it does not exist',
      'worker: would create bucket reports if it does not exist',
    ]);
  });

  it('creates a declared queue, topic or bucket that does not exist, and leaves existing ones alone', async () => {
    aws.missingQueues.add('orders');
    await run({ function: 'api' });
    expect(aws.ops().filter((op) => /Queue|Topic|Bucket/.test(op))).toEqual(['GetQueueUrl', 'CreateQueue']);
    expect(lines).toContain('api: created queue orders');
    // Deployed again: the queue exists now, nothing is created.
    aws.calls.length = 0;
    await run({ function: 'api' });
    expect(aws.ops().filter((op) => /Queue|Topic|Bucket/.test(op))).toEqual(['GetQueueUrl']);
    // The report handler's bucket is missing (created in the region) and its topic made idempotently.
    aws.calls.length = 0;
    await run({ function: 'onReport' });
    expect(aws.ops().filter((op) => /Topic|Bucket/.test(op) && !/Notification/.test(op))).toEqual(['HeadBucket', 'CreateBucket', 'CreateTopic']);
    expect(aws.s3.buckets.has('reports')).toBe(true);
  });

  it('puts exactly the declared actions on the execution role, and writes the settings the driver reads', async () => {
    await run({ function: 'api' });
    const policies = aws.calls.filter((c) => c.op === 'PutRolePolicy').map((c) => [c.input['PolicyName'], JSON.parse(String(c.input['PolicyDocument']))]);
    expect(policies).toEqual([
      ['onefn-resources', { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: ['sqs:SendMessage'], Resource: 'arn:aws:sqs:eu-west-1:123456789012:orders' }] }],
    ]);
    const create = aws.calls.find((c) => c.op === 'CreateFunction')!.input as { Environment: { Variables: Record<string, string> } };
    expect(create.Environment.Variables).toMatchObject({ ONEFN_QUEUE_ORDERS_URL: 'https://sqs.eu-west-1.amazonaws.com/123456789012/orders' });
  });
});
