// The outputs rig on AWS: the adapter's own driver (@onefn/aws/resources, the real SQS, SNS and S3
// clients) against the loopback data plane of the adapter's tests, and what that data plane recorded
// turned into the events Lambda receives: an SQS batch, an S3 ObjectCreated:Put notification, an SNS
// notification. https://docs.aws.amazon.com/lambda/latest/dg/with-sqs.html,
// https://docs.aws.amazon.com/AmazonS3/latest/userguide/notification-content-structure.html,
// https://docs.aws.amazon.com/lambda/latest/dg/with-sns.html
import { createHash } from 'node:crypto';
import { wrap, type SqsBatchResponse } from '@onefn/aws';
import { createAwsDriver } from '@onefn/aws/resources';
import { lambdaContext } from '@onefn/aws/testing';
import type { ResourceDriverSource } from 'onefn/runtime';
import { FakeDataPlane } from '../../adapters/aws/test/fake-data-plane.js';
import type { HttpAnswer, HttpProbe, OutputResources, OutputRig } from './suite.js';

const ACCOUNT = '123456789012';
const REGION = 'us-east-1';
const md5 = (bytes: string | Buffer): string => createHash('md5').update(bytes).digest('hex');

/**
 * An object key as S3 writes it in event notifications: URL-encoded, a space as "+" ("red flower.jpg"
 * arrives as "red+flower.jpg"), "/" kept.
 */
const s3EventKey = (key: string): string => encodeURIComponent(key).replace(/%20/g, '+').replace(/%2F/g, '/');

export async function awsOutputs(
  resources: OutputResources,
  http: (definitions: Parameters<OutputRig['http']>[0], request: HttpProbe, source: ResourceDriverSource) => Promise<HttpAnswer>,
): Promise<OutputRig> {
  // The SDK warns once per process that its 2027 releases need Node 22; npm test stays quiet.
  process.env['AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED'] = 'true';
  const fake = await new FakeDataPlane().start();
  // The settings `onefn deploy aws` writes; the physical names are the logical ones here.
  const env: Record<string, string> = {};
  for (const q of resources.queues) env[`ONEFN_QUEUE_${q.toUpperCase().replace(/-/g, '_')}_URL`] = `${fake.endpoint}/${ACCOUNT}/${q}`;
  for (const t of resources.topics) env[`ONEFN_TOPIC_${t.toUpperCase().replace(/-/g, '_')}_ARN`] = `arn:aws:sns:${REGION}:${ACCOUNT}:${t}`;
  for (const b of resources.buckets) env[`ONEFN_BUCKET_${b.toUpperCase().replace(/-/g, '_')}`] = b;
  const driver = await createAwsDriver({
    env,
    clientConfig: { region: REGION, endpoint: fake.endpoint, credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' }, maxAttempts: 1 },
  });
  const source: ResourceDriverSource = () => driver;
  const options = { resources: source };
  let queueTaken = 0;

  return {
    http: (definitions, request) => http(definitions, request, source),

    async deliverQueued(definition, queue) {
      const url = `${fake.endpoint}/${ACCOUNT}/${queue}`;
      const pending = fake.queued.slice(queueTaken).filter((m) => m.queueUrl === url);
      queueTaken = fake.queued.length;
      const sent = Date.now();
      // One batch, as the event source mapping polls it.
      const event = {
        Records: pending.map((m, i) => ({
          messageId: m.messageId,
          receiptHandle: `AQEB${Buffer.from(`${m.messageId}-receipt`).toString('base64')}`,
          body: m.body,
          attributes: { ApproximateReceiveCount: '1', SentTimestamp: String(sent + i), SenderId: 'AIDAEXAMPLE', ApproximateFirstReceiveTimestamp: String(sent + i + 1) },
          messageAttributes: {},
          md5OfBody: md5(m.body),
          eventSource: 'aws:sqs',
          eventSourceARN: `arn:aws:sqs:${REGION}:${ACCOUNT}:${queue}`,
          awsRegion: REGION,
        })),
      };
      const result = (await wrap(definition, options)(event as never, lambdaContext())) as SqsBatchResponse;
      return { delivered: pending.length, redelivered: result.batchItemFailures.map((f) => f.itemIdentifier) };
    },

    async deliverStored(definition, bucket, key) {
      const put = fake.objects.get(`${bucket}/${key}`);
      if (!put) return { failed: true };
      const event = {
        Records: [
          {
            eventVersion: '2.1',
            eventSource: 'aws:s3',
            awsRegion: REGION,
            eventTime: put.modified.toISOString(),
            eventName: 'ObjectCreated:Put',
            userIdentity: { principalId: 'AWS:AIDAEXAMPLE' },
            requestParameters: { sourceIPAddress: '127.0.0.1' },
            responseElements: { 'x-amz-request-id': 'C3D13FE58DE4C810', 'x-amz-id-2': 'FMyUVURIY8/IgAtTv8xRjskZQpcIZ9KG4V5Wp6S7S/JRWeUWerMUE5JgHvANOjpD' },
            s3: {
              s3SchemaVersion: '1.0',
              configurationId: 'onefn',
              bucket: { name: bucket, ownerIdentity: { principalId: 'A3NL1KOZZKExample' }, arn: `arn:aws:s3:::${bucket}` },
              // The eTag without the quotes S3 puts around it in headers.
              object: { key: s3EventKey(key), size: put.body.byteLength, eTag: put.etag.replace(/"/g, ''), sequencer: '0055AED6DCD90281E5' },
            },
          },
        ],
      };
      try {
        await wrap(definition, options)(event as never, lambdaContext());
        return { failed: false };
      } catch {
        return { failed: true };
      }
    },

    async deliverPublished(definition, topic) {
      const arn = `arn:aws:sns:${REGION}:${ACCOUNT}:${topic}`;
      // Every subscription gets every message.
      const pending = fake.published.filter((m) => m.topicArn === arn);
      let failed = 0;
      // SNS invokes a subscribed function once per notification, asynchronously.
      for (const m of pending) {
        const event = {
          Records: [
            {
              EventSource: 'aws:sns',
              EventVersion: '1.0',
              EventSubscriptionArn: `${arn}:2bcfbf39-05c3-41de-beaa-fcfcc21c8f55`,
              Sns: {
                Type: 'Notification',
                MessageId: m.messageId,
                TopicArn: arn,
                Subject: m.subject ?? null,
                Message: m.message,
                Timestamp: new Date().toISOString(),
                SignatureVersion: '1',
                Signature: 'EXAMPLE',
                SigningCertUrl: 'https://sns.us-east-1.amazonaws.com/SimpleNotificationService-0000000000000000000000.pem',
                UnsubscribeUrl: `https://sns.us-east-1.amazonaws.com/?Action=Unsubscribe&SubscriptionArn=${arn}:2bcfbf39`,
                MessageAttributes: Object.fromEntries(Object.entries(m.attributes).map(([k, v]) => [k, { Type: 'String', Value: v }])),
              },
            },
          ],
        };
        try {
          await wrap(definition, options)(event as never, lambdaContext());
        } catch {
          failed++;
        }
      }
      return { delivered: pending.length, failed };
    },

    async stop() {
      await fake.stop();
    },
  };
}
