import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { bucket, defineHttp, defineQueue, json, MessageTooLargeError, PartialBatchError, ProviderError, queue, ResourceUnavailableError, topic } from 'onefn';
import { wrap, type LambdaV2Result } from '@onefn/aws';
import { lambdaHttpV2Handler } from '@onefn/aws/entry';
import { AWS_LIMITS, createAwsDriver } from '@onefn/aws/resources';
import { functionUrlEvent, lambdaContext, sqsEvent } from '@onefn/aws/testing';
import { FakeDataPlane } from './fake-data-plane.js';

// The AWS resource driver with the real SDK clients (@aws-sdk/client-sqs, client-sns, client-s3 and
// s3-request-presigner) against a loopback server that records the exact calls they make.

// The SDK warns once per process that its 2027 releases need Node 22; npm test stays quiet.
process.env['AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED'] = 'true';

const Order = z.object({ id: z.string(), total: z.number() });
const orders = queue('orders', { schema: Order });
const events = topic('order-events');
const reports = bucket('reports');

const fake = new FakeDataPlane();
let env: Record<string, string>;
let driver: Awaited<ReturnType<typeof createAwsDriver>>;

beforeAll(async () => {
  await fake.start();
  env = {
    ONEFN_QUEUE_ORDERS_URL: `${fake.endpoint}/123456789012/orders`,
    ONEFN_TOPIC_ORDER_EVENTS_ARN: 'arn:aws:sns:us-east-1:123456789012:order-events',
    ONEFN_BUCKET_REPORTS: 'reports-7f3a',
  };
  driver = await createAwsDriver({
    env,
    clientConfig: { region: 'us-east-1', endpoint: fake.endpoint, credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' }, maxAttempts: 1 },
  });
});
afterAll(() => fake.stop());
beforeEach(() => {
  fake.calls.length = 0;
  fake.failEntries.clear();
  fake.objects.clear();
});

/** Runs `body` inside an HTTP function on Lambda (a Function URL event), returning what it threw and the answer. */
async function run(uses: never, body: (r: any) => Promise<unknown>): Promise<{ error: unknown; value: unknown; answer: LambdaV2Result }> {
  let error: unknown;
  let value: unknown;
  const api = defineHttp({
    uses,
    handler: async (_req, ctx) => {
      try {
        value = await body((ctx as unknown as { resources: unknown }).resources);
      } catch (e) {
        error = e;
      }
      return json({ ok: true });
    },
  });
  const answer = await lambdaHttpV2Handler([api], { resources: () => driver })(functionUrlEvent({ method: 'POST', path: '/' }), lambdaContext());
  return { error, value, answer };
}

describe('SQS', () => {
  it('sends one message with SendMessage, with its delay, group and deduplication ids', async () => {
    const { error, value } = await run({ orders: orders.send } as never, (r) => r.orders.send({ id: 'o-1', total: 5 }, { delaySeconds: 30, groupId: 'g-1', dedupeId: 'd-1' }));
    expect(error).toBeUndefined();
    expect(value).toEqual({ id: 'sqs-1' });
    expect(fake.calls).toEqual([
      { op: 'SendMessage', input: { QueueUrl: env['ONEFN_QUEUE_ORDERS_URL'], MessageBody: '{"id":"o-1","total":5}', DelaySeconds: 30, MessageGroupId: 'g-1', MessageDeduplicationId: 'd-1' } },
    ]);
  });

  it('splits SendMessageBatch at 10 entries and at 256 KiB per call', async () => {
    const jobs = queue('jobs');
    env['ONEFN_QUEUE_JOBS_URL'] = `${fake.endpoint}/123456789012/jobs.fifo`;
    const { error, value } = await run({ jobs: jobs.send } as never, (r) => r.jobs.sendBatch(Array.from({ length: 23 }, (_, i) => ({ n: i })), { groupId: 'g' }));
    expect(error).toBeUndefined();
    expect((value as { ids: string[] }).ids).toHaveLength(23);
    expect(fake.calls.map((c) => [c.op, (c.input['Entries'] as unknown[]).length])).toEqual([['SendMessageBatch', 10], ['SendMessageBatch', 10], ['SendMessageBatch', 3]]);
    expect(fake.calls[0]?.input['Entries']).toContainEqual({ Id: '0', MessageBody: '{"n":0}', MessageGroupId: 'g' });
    // Four bodies of 100 KiB: 256 KiB per call holds two.
    fake.calls.length = 0;
    const big = 'x'.repeat(100 * 1024);
    await run({ jobs: jobs.send } as never, (r) => r.jobs.sendBatch([big, big, big, big]));
    expect(fake.calls.map((c) => (c.input['Entries'] as unknown[]).length)).toEqual([2, 2]);
  });

  it('refuses a message over 256 KiB before any call, and sends one at exactly the limit', async () => {
    const jobs = queue('jobs');
    const over = await run({ jobs: jobs.send } as never, (r) => r.jobs.send('x'.repeat(AWS_LIMITS.messageBytes - 1)));
    expect(over.error).toBeInstanceOf(MessageTooLargeError);
    expect(fake.calls).toEqual([]);
    const fits = await run({ jobs: jobs.send } as never, (r) => r.jobs.send('x'.repeat(AWS_LIMITS.messageBytes - 2)));
    expect(fits.error).toBeUndefined();
    expect(fake.ops()).toEqual(['SendMessage']);
  });

  it('reports entries SQS refused in a batch, by index', async () => {
    fake.failEntries.add('1');
    const { error } = await run({ orders: orders.send } as never, (r) => r.orders.sendBatch([{ id: 'a', total: 1 }, { id: 'b', total: 2 }, { id: 'c', total: 3 }]));
    expect(error).toBeInstanceOf(PartialBatchError);
    expect((error as PartialBatchError).sent.map((s) => s.index)).toEqual([0, 2]);
    expect((error as PartialBatchError).failed).toMatchObject([{ index: 1, error: { providerCode: 'InvalidParameterValue', providerMessage: 'refused entry' } }]);
  });

  it("turns SQS's refusal into a ProviderError with its code, message and status", async () => {
    fake.failNext('SendMessage', 400, 'QueueDoesNotExist', 'The specified queue does not exist.');
    const { error, answer } = await run({ orders: orders.send } as never, (r) => r.orders.send({ id: 'a', total: 1 }));
    expect(error).toBeInstanceOf(ProviderError);
    expect(error).toMatchObject({ providerCode: 'QueueDoesNotExist', providerMessage: 'The specified queue does not exist.', status: 400, resource: 'queue:orders' });
    expect(answer.statusCode).toBe(200);
  });

  it('names the missing setting when deploy did not write it', async () => {
    const audit = queue('audit-log');
    const { error } = await run({ audit: audit.send } as never, (r) => r.audit.send({}));
    expect(error).toBeInstanceOf(ResourceUnavailableError);
    expect((error as Error).message).toContain('ONEFN_QUEUE_AUDIT_LOG_URL');
    expect(fake.calls).toEqual([]);
    // A missing setting is not remembered: once written, the next send finds it.
    env['ONEFN_QUEUE_AUDIT_LOG_URL'] = `${fake.endpoint}/123456789012/audit-log`;
    try {
      const again = await run({ audit: audit.send } as never, (r) => r.audit.send({ n: 1 }));
      expect(again.error).toBeUndefined();
      expect(fake.calls).toEqual([{ op: 'SendMessage', input: { QueueUrl: `${fake.endpoint}/123456789012/audit-log`, MessageBody: '{"n":1}' } }]);
    } finally {
      delete env['ONEFN_QUEUE_AUDIT_LOG_URL'];
    }
  });

  it('sends from a queue consumer on Lambda too (an SQS event in, SendMessage out)', async () => {
    const worker = defineQueue({ queue: 'inbox', uses: { orders: orders.send }, handler: async (msg, ctx) => void (await ctx.resources.orders.send(msg.body as { id: string; total: number })) });
    const answer = await wrap(worker, { resources: () => driver })(sqsEvent([{ body: { id: 'o-9', total: 9 } }], { queue: 'inbox' }), lambdaContext());
    expect(answer).toEqual({ batchItemFailures: [] });
    expect(fake.calls).toMatchObject([{ op: 'SendMessage', input: { MessageBody: '{"id":"o-9","total":9}' } }]);
  });
});

describe('SNS', () => {
  it('publishes with string message attributes, and a CloudEvent as ce- attributes', async () => {
    const { error } = await run({ events: events.publish } as never, async (r) => {
      await r.events.publish({ id: 1 }, { attributes: { kind: 'created' } });
      await r.events.publishEvent({ type: 'order.created', source: '/orders', id: 'e-1', time: new Date('2026-01-01T00:00:00Z'), data: { id: 1 } });
    });
    expect(error).toBeUndefined();
    expect(fake.calls[0]).toEqual({
      op: 'Publish',
      input: {
        TopicArn: env['ONEFN_TOPIC_ORDER_EVENTS_ARN'], Message: '{"id":1}',
        'MessageAttributes.entry.1.Name': 'kind', 'MessageAttributes.entry.1.Value.DataType': 'String', 'MessageAttributes.entry.1.Value.StringValue': 'created',
      },
    });
    const second = fake.calls[1]?.input as Record<string, string>;
    const attributes = Object.fromEntries(
      Object.keys(second).filter((k) => k.endsWith('.Name')).map((k) => [second[k], second[k.replace('.Name', '.Value.StringValue')]]),
    );
    expect(attributes).toEqual({ 'ce-specversion': '1.0', 'ce-type': 'order.created', 'ce-source': '/orders', 'ce-id': 'e-1', 'ce-time': '2026-01-01T00:00:00.000Z', 'ce-datacontenttype': 'application/json' });
  });

  it("turns SNS's refusal into a ProviderError", async () => {
    fake.failNext('Publish', 403, 'AuthorizationError', 'User is not authorized to perform: SNS:Publish');
    const { error } = await run({ events: events.publish } as never, (r) => r.events.publish({}));
    expect(error).toMatchObject({ providerCode: 'AuthorizationError', status: 403 });
  });
});

describe('S3', () => {
  it('puts, gets, heads, lists page by page and deletes, on the bucket the setting names', async () => {
    fake.pageSize = 2;
    const seen: Record<string, unknown> = {};
    const { error } = await run({ reports: reports.allow('read', 'write', 'delete') } as never, async (r) => {
      seen['etag'] = (await r.reports.put('daily/a b.json', '{"n":1}', { contentType: 'application/json' })).etag;
      await r.reports.put('daily/2.txt', 'två');
      await r.reports.put('daily/3.bin', new Uint8Array([0, 1, 255]));
      const got = await r.reports.get('daily/a b.json');
      seen['json'] = got.json();
      seen['type'] = got.contentType;
      seen['bytes'] = [...(await r.reports.get('daily/3.bin')).bytes()];
      seen['head'] = await r.reports.head('daily/2.txt');
      seen['missing'] = await r.reports.get('daily/none');
      seen['missingHead'] = await r.reports.head('daily/none');
      const keys: string[] = [];
      for await (const o of r.reports.list('daily/')) keys.push(o.key);
      seen['keys'] = keys;
      await r.reports.delete('daily/2.txt');
    });
    expect(error).toBeUndefined();
    expect(seen).toMatchObject({
      json: { n: 1 }, type: 'application/json', bytes: [0, 1, 255], missing: undefined, missingHead: undefined,
      head: { key: 'daily/2.txt', size: 4, contentType: 'text/plain; charset=utf-8' }, keys: ['daily/2.txt', 'daily/3.bin', 'daily/a b.json'],
    });
    expect(seen['etag']).toMatch(/^"[0-9a-f]{32}"$/);
    expect(fake.calls[0]).toMatchObject({ op: 'PutObject', input: { Bucket: 'reports-7f3a', Key: 'daily/a b.json', ContentType: 'application/json', Body: '{"n":1}' } });
    expect(fake.ops()).toEqual(['PutObject', 'PutObject', 'PutObject', 'GetObject', 'GetObject', 'HeadObject', 'GetObject', 'HeadObject', 'ListObjectsV2', 'ListObjectsV2', 'DeleteObject']);
    expect(fake.calls.filter((c) => c.op === 'ListObjectsV2').map((c) => c.input['continuation-token'])).toEqual([undefined, 'daily/3.bin']);
    expect([...fake.objects.keys()].sort()).toEqual(['reports-7f3a/daily/3.bin', 'reports-7f3a/daily/a b.json']);
  });

  it('presigns download and upload URLs with SigV4, for the given lifetime, without calling S3', async () => {
    const { value, error } = await run({ reports: reports.allow('read', 'write') } as never, async (r) => [
      await r.reports.downloadUrl('daily/a b.json', { expiresInSeconds: 60 }),
      await r.reports.uploadUrl('in/x.png', { contentType: 'image/png' }),
    ]);
    expect(error).toBeUndefined();
    const [download, upload] = (value as string[]).map((u) => new URL(u));
    expect(download?.pathname).toBe('/reports-7f3a/daily/a%20b.json');
    expect(download?.searchParams.get('X-Amz-Algorithm')).toBe('AWS4-HMAC-SHA256');
    expect(download?.searchParams.get('X-Amz-Expires')).toBe('60');
    expect(upload?.searchParams.get('X-Amz-Expires')).toBe('900');
    expect(upload?.searchParams.get('X-Amz-SignedHeaders')).toContain('host');
    expect(fake.calls).toEqual([]);
  });

  it("turns S3's refusal into a ProviderError", async () => {
    fake.failNext('PutObject', 403, 'AccessDenied', 'Access Denied');
    const { error } = await run({ reports: reports.write } as never, (r) => r.reports.put('k', 'v'));
    expect(error).toMatchObject({ code: 'PROVIDER_REFUSED', providerCode: 'AccessDenied', providerMessage: 'Access Denied', status: 403, resource: 'bucket:reports' });
  });
});
