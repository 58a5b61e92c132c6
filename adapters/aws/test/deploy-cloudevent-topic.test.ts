import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { deploy } from '@onefn/aws/deploy';
import { FakeAws } from './fake-aws.js';

// defineCloudEvent({ topic }) is delivered by a subscription to that SNS topic (the CloudEvents that
// publishEvent sends there), so deploy subscribes the alias to the topic and makes no EventBridge rule.
let aws: FakeAws;
beforeEach(async () => {
  aws = await new FakeAws().start();
});
afterEach(async () => {
  await aws.stop();
});

it('subscribes a CloudEvent definition bound to a topic to that SNS topic', async () => {
  const topic = aws.sns.createTopic('order-done');
  const lines: string[] = [];
  const result = await deploy({
    entry: fileURLToPath(new URL('./app/cloudevent-topic.ts', import.meta.url)),
    function: 'announce',
    region: 'us-east-1',
    role: 'arn:aws:iam::123456789012:role/onefn-test',
    endpoint: aws.endpoint,
    credentials: { accessKeyId: 'AKIAFAKEFAKEFAKE', secretAccessKey: 'fake-secret' },
    pacing: { retryDelayMs: 1, pollMs: 1 },
    onProgress: (line) => lines.push(line),
    env: {},
  });
  expect(aws.calls.find((c) => c.op === 'Subscribe')?.input).toMatchObject({ TopicArn: topic, Protocol: 'lambda', Endpoint: 'arn:aws:lambda:us-east-1:123456789012:function:announce:live' });
  expect(aws.ops().filter((op) => op === 'PutRule' || op === 'PutTargets')).toEqual([]);
  expect(result.functions).toEqual([expect.objectContaining({ name: 'announce', endpoint: topic, trigger: 'SNS topic order-done (CloudEvents)' })]);
});
