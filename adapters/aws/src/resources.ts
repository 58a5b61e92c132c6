/**
 * `@onefn/aws/resources`: the resource driver for AWS. Queues are SQS, topics SNS, buckets S3, each
 * reached with the AWS SDK v3 client, loaded on first use (a dynamic import) and created once per
 * container. A function that declares no `uses` never imports this module, so its bundle is unchanged.
 *
 * Bundles do not carry the SDK: `onefn build aws` leaves `@aws-sdk/*` as imports, which the Lambda
 * Node.js runtimes (nodejs20.x, nodejs22.x) satisfy with the SDK v3 they ship
 * (https://docs.aws.amazon.com/lambda/latest/dg/lambda-nodejs.html). Build with
 * `externalAwsSdk: false` to pin this package's SDK version inside the zip instead.
 *
 * Where each resource is comes from settings that `onefn deploy aws` writes:
 * `ONEFN_QUEUE_<NAME>_URL` (the SQS queue URL), `ONEFN_TOPIC_<NAME>_ARN` (the SNS topic ARN) and
 * `ONEFN_BUCKET_<NAME>` (the S3 bucket name).
 *
 * @example
 * import { wrap } from '@onefn/aws'
 * import { awsResources } from '@onefn/aws/resources'
 * export const handler = wrap(worker, { resources: awsResources })
 */
import type { S3Client } from '@aws-sdk/client-s3';
import type { SNSClient } from '@aws-sdk/client-sns';
import type { SQSClient } from '@aws-sdk/client-sqs';
import {
  loadOptional, onceDriver, ProviderError, readResourceSetting, type ObjectData, type ObjectInfo, type ObjectPage, type OutgoingMessage, type ResourceDriver,
  type ResourceDriverSource, type ResourceLimits, type SendOutcome, type SignUrlRequest,
} from 'onefn/runtime';
import { OUTPUT_PACKAGES } from './packages.js';

/**
 * What SQS, SNS and S3 accept. SQS and SNS take 256 KiB per message by default (an SQS queue can be
 * raised to 1 MiB, but SNS cannot, and a queue created with defaults keeps 256 KiB); SendMessageBatch
 * takes 10 entries, split here at 256 KiB per call; DelaySeconds is 0-900; SQS and SNS carry at most 10
 * message attributes; a SigV4 presigned URL lasts at most 7 days.
 * https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/quotas-messages.html
 * https://docs.aws.amazon.com/AmazonS3/latest/userguide/ShareObjectPreSignedURL.html
 */
export const AWS_LIMITS: ResourceLimits = Object.freeze({
  messageBytes: 256 * 1024,
  batchEntries: 10,
  batchBytes: 256 * 1024,
  maxDelaySeconds: 900,
  groups: true,
  dedupe: true,
  attributes: 10,
  maxUrlSeconds: 7 * 24 * 3600,
});

/** Client settings for the driver; by default the SDK's own chain (region, credentials, endpoint from the environment). */
export interface AwsDriverOptions {
  /** Where the resource settings are read. Default `process.env`. */
  env?: Readonly<Record<string, string | undefined>>;
  /** Passed to every client: `region`, `endpoint`, `credentials`, `maxAttempts`... */
  clientConfig?: Readonly<Record<string, unknown>>;
}

interface Clients {
  sqs: SQSClient;
  sns: SNSClient;
  s3: S3Client;
  sqsApi: typeof import('@aws-sdk/client-sqs');
  snsApi: typeof import('@aws-sdk/client-sns');
  s3Api: typeof import('@aws-sdk/client-s3');
}

// What a missing SDK package is reported against: `@onefn/aws outputs needs @aws-sdk/client-sqs: npm i -D ...`.
const FEATURE = '@onefn/aws outputs';

/** An SDK error as a `ProviderError`: the service's error code and message, and the HTTP status. */
function refusal(resource: string, error: unknown): ProviderError {
  const e = error as { name?: unknown; Code?: unknown; message?: unknown; $metadata?: { httpStatusCode?: number } };
  const code = typeof e.Code === 'string' ? e.Code : typeof e.name === 'string' ? e.name : 'Error';
  const status = e.$metadata?.httpStatusCode;
  return new ProviderError(resource, code, typeof e.message === 'string' ? e.message : String(error), { cause: error, ...(status === undefined ? {} : { status }) });
}

function isMissing(error: unknown): boolean {
  const e = error as { name?: unknown; $metadata?: { httpStatusCode?: number } };
  return e.name === 'NoSuchKey' || e.name === 'NotFound' || e.$metadata?.httpStatusCode === 404;
}

function info(key: string, o: { ContentLength?: number | undefined; Size?: number | undefined; ETag?: string | undefined; ContentType?: string | undefined; LastModified?: Date | undefined }): ObjectInfo {
  return { key, size: o.ContentLength ?? o.Size ?? 0, etag: o.ETag, contentType: o.ContentType, lastModified: o.LastModified };
}

/**
 * A message's SQS fields, only those it has: an input with undefined members costs the SDK's
 * serializer and its log filter (which runs on every call, logger or not) a walk over each of them.
 */
function entry<T extends object>(input: T, m: OutgoingMessage): T & { DelaySeconds?: number; MessageGroupId?: string; MessageDeduplicationId?: string } {
  const out: T & { DelaySeconds?: number; MessageGroupId?: string; MessageDeduplicationId?: string } = input;
  if (m.delaySeconds !== undefined) out.DelaySeconds = m.delaySeconds;
  if (m.groupId !== undefined) out.MessageGroupId = m.groupId;
  if (m.dedupeId !== undefined) out.MessageDeduplicationId = m.dedupeId;
  return out;
}

class AwsDriver implements ResourceDriver {
  readonly limits = AWS_LIMITS;
  /** Queue URLs by queue name, read from the settings once (a setting lookup, and `process.env` above all, costs on every send). */
  private readonly queueUrls = new Map<string, string>();
  constructor(
    private readonly c: Clients,
    private readonly env: Readonly<Record<string, string | undefined>>,
  ) {}

  private async guard<T>(resource: string, run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (error) {
      throw refusal(resource, error);
    }
  }

  private queueUrl(queue: string): string {
    let url = this.queueUrls.get(queue);
    // A missing setting is not kept: it throws each time, and one set later is found.
    if (url === undefined) this.queueUrls.set(queue, (url = readResourceSetting(this.env, 'queue', queue, '_URL')));
    return url;
  }

  async sendMessages(queue: string, messages: readonly OutgoingMessage[]): Promise<readonly SendOutcome[]> {
    const QueueUrl = this.queueUrl(queue);
    const { SendMessageCommand, SendMessageBatchCommand } = this.c.sqsApi;
    if (messages.length === 1) {
      const m = messages[0] as OutgoingMessage;
      let out: { MessageId?: string | undefined };
      try {
        out = await this.c.sqs.send(new SendMessageCommand(entry({ QueueUrl, MessageBody: m.body }, m)));
      } catch (error) {
        throw refusal(`queue:${queue}`, error);
      }
      return [{ ok: true, id: out.MessageId ?? '' }];
    }
    const out = await this.guard(`queue:${queue}`, () =>
      this.c.sqs.send(new SendMessageBatchCommand({ QueueUrl, Entries: messages.map((m, i) => entry({ Id: String(i), MessageBody: m.body }, m)) })),
    );
    // Each entry is answered by its Id, in Successful or in Failed; one answered in neither is reported failed, never dropped.
    const byId = new Map<string, SendOutcome>();
    for (const s of out.Successful ?? []) byId.set(s.Id ?? '', { ok: true, id: s.MessageId ?? '' });
    for (const f of out.Failed ?? []) byId.set(f.Id ?? '', { ok: false, code: f.Code ?? 'Failed', message: f.Message ?? 'refused' });
    return messages.map((_, i) => byId.get(String(i)) ?? { ok: false, code: 'NoResult', message: 'SQS gave no result for this entry' });
  }

  async publish(topic: string, messages: readonly OutgoingMessage[]): Promise<readonly SendOutcome[]> {
    const TopicArn = readResourceSetting(this.env, 'topic', topic, '_ARN');
    const { PublishCommand } = this.c.snsApi;
    const outcomes: SendOutcome[] = [];
    for (const m of messages) {
      const MessageAttributes = Object.fromEntries(Object.entries(m.attributes).map(([k, v]) => [k, { DataType: 'String', StringValue: v }]));
      const out = await this.guard(`topic:${topic}`, () =>
        this.c.sns.send(new PublishCommand({ TopicArn, Message: m.body, ...(Object.keys(MessageAttributes).length ? { MessageAttributes } : {}), MessageGroupId: m.groupId })),
      );
      outcomes.push({ ok: true, id: out.MessageId ?? '' });
    }
    return outcomes;
  }

  private bucket(name: string): string {
    return readResourceSetting(this.env, 'bucket', name);
  }

  async putObject(bucket: string, key: string, bytes: Uint8Array, contentType: string): Promise<{ etag: string | undefined }> {
    const Bucket = this.bucket(bucket);
    const out = await this.guard(`bucket:${bucket}`, () => this.c.s3.send(new this.c.s3Api.PutObjectCommand({ Bucket, Key: key, Body: bytes, ContentType: contentType })));
    return { etag: out.ETag };
  }

  async getObject(bucket: string, key: string): Promise<ObjectData | undefined> {
    const Bucket = this.bucket(bucket);
    try {
      const out = await this.c.s3.send(new this.c.s3Api.GetObjectCommand({ Bucket, Key: key }));
      const bytes = out.Body ? await out.Body.transformToByteArray() : new Uint8Array();
      return { ...info(key, out), size: bytes.byteLength, bytes };
    } catch (error) {
      if (isMissing(error)) return undefined;
      throw refusal(`bucket:${bucket}`, error);
    }
  }

  async headObject(bucket: string, key: string): Promise<ObjectInfo | undefined> {
    const Bucket = this.bucket(bucket);
    try {
      return info(key, await this.c.s3.send(new this.c.s3Api.HeadObjectCommand({ Bucket, Key: key })));
    } catch (error) {
      if (isMissing(error)) return undefined;
      throw refusal(`bucket:${bucket}`, error);
    }
  }

  async deleteObject(bucket: string, key: string): Promise<void> {
    const Bucket = this.bucket(bucket);
    await this.guard(`bucket:${bucket}`, () => this.c.s3.send(new this.c.s3Api.DeleteObjectCommand({ Bucket, Key: key })));
  }

  async listObjects(bucket: string, prefix: string, cursor: string | undefined): Promise<ObjectPage> {
    const Bucket = this.bucket(bucket);
    const out = await this.guard(`bucket:${bucket}`, () =>
      this.c.s3.send(new this.c.s3Api.ListObjectsV2Command({ Bucket, ...(prefix ? { Prefix: prefix } : {}), ...(cursor ? { ContinuationToken: cursor } : {}) })),
    );
    return {
      objects: (out.Contents ?? []).map((o) => info(o.Key ?? '', o)),
      next: out.IsTruncated && out.NextContinuationToken ? out.NextContinuationToken : undefined,
    };
  }

  async signUrl(bucket: string, key: string, request: SignUrlRequest): Promise<string> {
    const Bucket = this.bucket(bucket);
    const { getSignedUrl } = await loadOptional(FEATURE, OUTPUT_PACKAGES, () => import('@aws-sdk/s3-request-presigner'));
    const { GetObjectCommand, PutObjectCommand } = this.c.s3Api;
    const command =
      request.method === 'GET'
        ? new GetObjectCommand({ Bucket, Key: key })
        : new PutObjectCommand({ Bucket, Key: key, ...(request.contentType ? { ContentType: request.contentType } : {}) });
    return this.guard(`bucket:${bucket}`, () => getSignedUrl(this.c.s3, command, { expiresIn: request.expiresInSeconds }));
  }
}

/**
 * Makes the AWS driver: loads the three SDK clients (dynamic imports, so a bundle that never uses a
 * resource never loads them) and creates each client once. Throttling and transient failures are
 * retried by the SDK's own standard retry strategy (`maxAttempts` in `clientConfig` changes it).
 */
export async function createAwsDriver(options: AwsDriverOptions = {}): Promise<ResourceDriver> {
  const [sqsApi, snsApi, s3Api] = await loadOptional(FEATURE, OUTPUT_PACKAGES, () =>
    Promise.all([import('@aws-sdk/client-sqs'), import('@aws-sdk/client-sns'), import('@aws-sdk/client-s3')]),
  );
  const config = options.clientConfig ?? {};
  return new AwsDriver(
    { sqs: new sqsApi.SQSClient(config), sns: new snsApi.SNSClient(config), s3: new s3Api.S3Client({ forcePathStyle: Boolean(config['endpoint']), ...config }), sqsApi, snsApi, s3Api },
    options.env ?? process.env,
  );
}

/** The driver source `onefn build aws` wires into a function that declares uses: one driver per container. */
export const awsResources: ResourceDriverSource = onceDriver(() => createAwsDriver());
