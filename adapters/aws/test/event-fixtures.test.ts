import { describe, expect, it } from 'vitest';
import {
  defineCloudEvent, defineHttp, defineQueue, defineSchedule, defineStorage, defineTopic, json, UnsupportedEventError,
  type CloudEvent, type Message, type ScheduleEvent, type StorageEvent,
} from 'onefn';
import { wrap } from '@onefn/aws';
import { allFixtures, fixture, lambdaContext } from './fixtures.js';

function collector<T>() {
  const seen: T[] = [];
  return { seen, handler: async (item: T) => void seen.push(item) };
}

// Every event fixture a table below names; the last test checks that, with the HTTP tables, that is all of them.
const covered = new Set<string>();
function files<T extends readonly [string, ...unknown[]]>(rows: readonly T[]): T[] {
  for (const row of rows) covered.add(row[0]);
  return [...rows];
}

/** The bucket a fixture's S3 notification comes from: a storage definition serves one bucket. */
const bucketOf = (event: unknown): string => {
  const e = event as { Records?: Array<{ s3: { bucket: { name: string } } }>; detail?: { bucket: { name: string } } };
  return e.Records?.[0]?.s3.bucket.name ?? (e.detail?.bucket.name as string);
};

const pick = (m: Message) => ({ id: m.id, body: m.body, attributes: m.attributes, attempt: m.attempt, source: m.source, publishedAt: m.publishedAt?.toISOString() });

describe('SQS fixtures', () => {
  it.each(files([
    ['sqs/sqs-batch-two-records.json', [
      { id: '059f36b4-87a3-44ab-83d2-661975830a7d', body: 'Test message.', attributes: { testAttr: '100' }, attempt: 1, source: 'my-queue', publishedAt: '2018-12-17T21:37:29.183Z' },
      { id: '2e1424d4-f796-459a-8184-9c92662be6da', body: { message: 'foo1' }, attributes: {}, attempt: 1, source: 'my-queue', publishedAt: '2018-12-17T21:37:30.636Z' },
    ]],
    ['sqs/sqs-single-record-message-attributes.json', 1],
    ['sqs/sqs-batch-two-records-trace-attributes.json', 2],
  ] as const))('%s gives one message per record', async (file, expected) => {
    const { seen, handler } = collector<Message>();
    const result = await wrap(defineQueue({ queue: 'q', handler }))(fixture(file), lambdaContext());
    expect(result).toEqual({ batchItemFailures: [] });
    const records = (fixture(file) as { Records: Array<{ messageId: string; body: string }> }).Records;
    expect(seen.map((m) => m.id)).toEqual(records.map((r) => r.messageId));
    expect(seen.map((m) => m.text())).toEqual(records.map((r) => r.body));
    if (typeof expected !== 'number') expect(seen.map(pick)).toEqual(expected);
  });

  const batch = (ids: string[], arn = 'arn:aws:sqs:us-east-1:123456789012:orders') => ({
    Records: ids.map((id) => ({ messageId: id, body: JSON.stringify({ id }), attributes: { ApproximateReceiveCount: '2' }, eventSource: 'aws:sqs', eventSourceARN: arn })),
  });

  it('reports only the failed messages of a standard queue batch', async () => {
    const ran: string[] = [];
    const def = defineQueue({ queue: 'orders', handler: (m) => { ran.push(m.id); if (m.id === 'b' || m.id === 'd') throw new Error('no'); } });
    const result = await wrap(def)(batch(['a', 'b', 'c', 'd']), lambdaContext());
    expect(ran).toEqual(['a', 'b', 'c', 'd']);
    expect(result).toEqual({ batchItemFailures: [{ itemIdentifier: 'b' }, { itemIdentifier: 'd' }] });
  });

  it('stops a FIFO batch (ARN ends in .fifo) at the first failure and reports it and every later message', async () => {
    const ran: string[] = [];
    const def = defineQueue({ queue: 'orders.fifo', handler: (m) => { ran.push(m.id); if (m.id === 'b') throw new Error('no'); } });
    const result = await wrap(def)(batch(['a', 'b', 'c', 'd'], 'arn:aws:sqs:us-east-1:123456789012:orders.fifo'), lambdaContext());
    expect(ran).toEqual(['a', 'b']);
    expect(result).toEqual({ batchItemFailures: ['b', 'c', 'd'].map((itemIdentifier) => ({ itemIdentifier })) });
  });

  it('keeps order when the definition says ordered, whatever the ARN', async () => {
    const def = defineQueue({ queue: 'orders', ordered: true, handler: (m) => { if (m.id === 'a') throw new Error('no'); } });
    expect(await wrap(def)(batch(['a', 'b']), lambdaContext())).toEqual({ batchItemFailures: [{ itemIdentifier: 'a' }, { itemIdentifier: 'b' }] });
  });

  it('rejects a record without a messageId before any handler runs', async () => {
    const { seen, handler } = collector<Message>();
    const event = batch(['a']);
    (event.Records as Array<Record<string, unknown>>).push({ body: 'x', eventSource: 'aws:sqs' });
    await expect(wrap(defineQueue({ queue: 'q', handler }))(event, lambdaContext())).rejects.toMatchObject({ code: 'MALFORMED_EVENT' });
    expect(seen).toEqual([]);
  });
});

describe('SNS fixtures', () => {
  it.each(files([
    ['sns/sns-notification.json', { id: '95df01b4-ee98-5cb9-9903-4c221d41eb5e', body: 'Hello from SNS!', attributes: { Test: 'TestString', TestBinary: 'TestBinary' }, attempt: 1, source: 'ExampleTopic', publishedAt: '2019-01-02T12:45:07.000Z' }],
    ['sns/sns-notification-minimal-urls.json', undefined],
  ] as const))('%s', async (file, expected) => {
    const { seen, handler } = collector<Message>();
    expect(await wrap(defineTopic({ topic: 't', handler }))(fixture(file), lambdaContext())).toBeUndefined();
    const sns = (fixture(file) as { Records: Array<{ Sns: { MessageId: string; Message: string } }> }).Records[0]!.Sns;
    expect(seen.map((m) => [m.id, m.text()])).toEqual([[sns.MessageId, sns.Message]]);
    if (expected) expect(pick(seen[0]!)).toEqual(expected);
  });

  it('throws when the handler fails, so that Lambda retries the asynchronous invocation', async () => {
    const def = defineTopic({ topic: 't', handler: () => { throw new Error('secret detail'); } });
    const error = await wrap(def)(fixture('sns/sns-notification.json'), lambdaContext({ remaining: 1000 })).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'EVENT_FAILED', message: '1 of 1 events failed: 95df01b4-ee98-5cb9-9903-4c221d41eb5e' });
  });
});

describe('S3 fixtures', () => {
  it.each(files([
    ['s3/s3-object-created-put.json', { bucket: 'lambda-artifacts-deafc19498e3f2df', key: 'b21b84d653bb07b05b1e6b33684dc11b', change: 'created', size: 1305107 }],
    ['s3/s3-object-created-put-urlencoded-key.json', { bucket: 'sourcebucket', key: 'Happy Face.jpg', change: 'created', size: 1024, version: 'version', etag: 'd41d8cd98f00b204e9800998ecf8427e' }],
    ['s3/s3-object-removed-delete.json', { key: 'b21b84d653bb07b05b1e6b33684dc11b', change: 'deleted' }],
    ['s3/s3-eventbridge-object-created.json', { bucket: 'example-bucket', key: 'IMG_m7fzo3.jpg', change: 'created', id: 'f5f1e65c-dc3a-93ca-6c1e-b1647eac7963' }],
    ['s3/s3-eventbridge-object-deleted.json', { bucket: 'example-bucket', key: 'IMG_m7fzo3.jpg', change: 'deleted', id: '2ee9cc15-d022-99ea-1fb8-1b1bac4850f9' }],
  ] as const))('%s', async (file, expected) => {
    const { seen, handler } = collector<StorageEvent>();
    expect(await wrap(defineStorage({ bucket: bucketOf(fixture(file)), handler }))(fixture(file), lambdaContext())).toBeUndefined();
    expect(seen).toHaveLength(1);
    expect(seen[0]).toMatchObject(expected);
    expect(seen[0]!.native.provider).toBe('aws');
  });

  it.each([
    ['red+flower.jpg', 'red flower.jpg'],
    ['a%2Bb%20c+d.txt', 'a+b c d.txt'],
    ['caf%C3%A9%3A1', 'café:1'],
  ])('decodes the key %s to %s', async (raw, key) => {
    const { seen, handler } = collector<StorageEvent>();
    const event = structuredClone(fixture('s3/s3-object-created-put.json')) as { Records: Array<{ s3: { object: { key: string } } }> };
    event.Records[0]!.s3.object.key = raw;
    await wrap(defineStorage({ bucket: bucketOf(event), handler }))(event, lambdaContext());
    expect(seen[0]?.key).toBe(key);
  });

  it('skips changes the definition does not ask for, without running the handler', async () => {
    const { seen, handler } = collector<StorageEvent>();
    const event = fixture('s3/s3-object-removed-delete.json');
    await wrap(defineStorage({ bucket: bucketOf(event), changes: ['created'], handler }))(event, lambdaContext());
    expect(seen).toEqual([]);
  });

  it('refuses a notification from another bucket with a thrown UnsupportedEventError, so Lambda retries it', async () => {
    const { seen, handler } = collector<StorageEvent>();
    const error = await wrap(defineStorage({ bucket: 'uploads', handler }))(fixture('s3/s3-object-created-put.json'), lambdaContext()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UnsupportedEventError);
    expect((error as Error).message).toBe('Unsupported event: received an object change in bucket "lambda-artifacts-deafc19498e3f2df", this function serves object changes in bucket "uploads"');
    expect(seen).toEqual([]);
  });
});

describe('EventBridge fixtures', () => {
  it.each(files([
    ['eventbridge/scheduled-event.json', { id: '53dc4d37-cffa-4f76-80c9-8b7d4a4d2eaa', name: 'my-scheduled-rule', scheduledTime: '2015-10-08T16:53:06.000Z' }],
    ['eventbridge/scheduled-event-empty-detail-object.json', { id: 'fae0433b-7a0e-e383-7849-7e10153eaa47', name: 'demoschedule', scheduledTime: '2020-09-30T15:58:34.000Z' }],
  ] as const))('%s is a schedule tick', async (file, expected) => {
    const { seen, handler } = collector<ScheduleEvent>();
    await wrap(defineSchedule({ schedule: 'rate(5 minutes)', handler }))(fixture(file), lambdaContext());
    expect(seen.map((t) => ({ id: t.id, name: t.name, scheduledTime: t.scheduledTime.toISOString() }))).toEqual([expected]);
  });

  it('refuses an EventBridge event of a type it does not serve with a thrown UnsupportedEventError (it used to be acknowledged)', async () => {
    const { seen, handler } = collector<CloudEvent>();
    const def = defineCloudEvent({ types: ['OrderCreated'], handler });
    const error = await wrap(def)(fixture('eventbridge/eventbridge-custom-event.json'), lambdaContext()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UnsupportedEventError);
    expect(error).toMatchObject({ code: 'UNSUPPORTED_EVENT', received: 'a CloudEvent of type "UserSignUp" from "my.event"' });
    expect(seen).toEqual([]);
  });

  it.each(files([
    ['eventbridge/eventbridge-custom-event.json', { id: 'bd3c8258-8d30-007c-2562-64715b2d0ea8', type: 'UserSignUp', source: 'my.event', subject: undefined, extensions: { awsaccount: '601427279990', awsregion: 'eu-west-1' } }],
    ['eventbridge/eventbridge-ec2-state-change.json', { type: 'EC2 Instance State-change Notification', source: 'aws.ec2', subject: 'arn:aws:ec2:us-west-1:123456789012:instance/i-1234567890abcdef0' }],
    ['eventbridge/scheduled-event.json', { type: 'Scheduled Event', source: 'aws.events' }],
    ['s3/s3-eventbridge-object-created.json', { type: 'Object Created', source: 'aws.s3' }],
  ] as const))('%s is a CloudEvent', async (file, expected) => {
    const { seen, handler } = collector<CloudEvent>();
    await wrap(defineCloudEvent({ handler }))(fixture(file), lambdaContext());
    expect(seen).toHaveLength(1);
    expect(seen[0]).toMatchObject({ specversion: '1.0', ...expected, data: (fixture(file) as { detail: unknown }).detail });
  });
});

describe('unsupported events are rejected before user code', () => {
  let ran = 0;
  const count = () => void ran++;
  const defs = {
    http: defineHttp({ handler: () => { ran++; return json({}); } }),
    queue: defineQueue({ queue: 'q', handler: count }),
    storage: defineStorage({ bucket: 'b', handler: count }),
    schedule: defineSchedule({ schedule: 'rate(1 hour)', handler: count }),
    cloudevent: defineCloudEvent({ handler: count }),
  };

  it.each(files(allFixtures().filter((f) => f.startsWith('dynamodb/') || f.startsWith('kinesis/')).map((f) => [f] as const)))('%s is rejected by every definition', async (file) => {
    const name = file.startsWith('dynamodb/') ? 'a DynamoDB stream event' : 'a Kinesis stream event';
    for (const def of Object.values(defs)) {
      const error = await wrap(def)(fixture(file), lambdaContext()).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(UnsupportedEventError);
      expect((error as UnsupportedEventError).received).toBe(name);
    }
    expect(ran).toBe(0);
  });

  it.each([
    [null, 'null'],
    [[1, 2], 'a JSON array of 2'],
    ['hello', 'a string (5 characters)'],
    [42, 'a number'],
    [{ foo: 1 }, 'an unknown event with keys foo'],
    [{}, 'an empty object'],
  ])('%j is named in the error', async (event, received) => {
    const error = await wrap(defs.http)(event, lambdaContext()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UnsupportedEventError);
    expect((error as Error).message).toBe(`Unsupported event: received ${received}, this function serves HTTP requests (API Gateway REST or HTTP API, Function URLs, ALB)`);
    expect(ran).toBe(0);
  });

  it('an S3 event sent to an HTTP function, and an HTTP request sent to a queue consumer', async () => {
    await expect(wrap(defs.http)(fixture('s3/s3-object-created-put.json'), lambdaContext())).rejects.toThrow('received an S3 notification');
    await expect(wrap(defs.queue)(fixture('apigateway-http/http-v2-iam-auth.json'), lambdaContext())).rejects.toThrow('received an API Gateway HTTP API (v2) request, this function serves SQS and SNS messages');
    await expect(wrap(defs.schedule)(fixture('eventbridge/eventbridge-custom-event.json'), lambdaContext())).rejects.toThrow('received an EventBridge event ("UserSignUp" from my.event)');
    expect(ran).toBe(0);
  });
});

it('the tables above and the HTTP tables cover every AWS fixture', () => {
  const http = allFixtures().filter((f) => /^(alb|apigateway-http|apigateway-rest|lambda-function-url)\//.test(f));
  expect([...covered, ...http].sort()).toEqual(allFixtures());
});
