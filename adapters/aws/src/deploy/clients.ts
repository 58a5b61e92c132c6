import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { IAMClient } from '@aws-sdk/client-iam';
import { LambdaClient, type LambdaClientConfig } from '@aws-sdk/client-lambda';
import { S3Client } from '@aws-sdk/client-s3';
import { SNSClient } from '@aws-sdk/client-sns';
import { SQSClient } from '@aws-sdk/client-sqs';
import type { SchedulerClient } from '@aws-sdk/client-scheduler';
import { loadScheduler } from './scheduler.js';

/** The AWS clients a deploy uses. Credentials come from the standard provider chain unless given. */
export interface AwsClients {
  lambda: LambdaClient;
  iam: IAMClient;
  sqs: SQSClient;
  sns: SNSClient;
  s3: S3Client;
  events: EventBridgeClient;
  /** EventBridge Scheduler, made on first use: its package is needed only for schedules with a time zone. */
  scheduler(): Promise<SchedulerClient>;
}

export interface ClientOptions {
  region: string;
  /** One endpoint for every service (a local emulator, or a test's loopback server). */
  endpoint?: string | undefined;
  credentials?: LambdaClientConfig['credentials'];
  /** How every client retries (throttling, conflicts); see retry.ts. */
  retryStrategy?: LambdaClientConfig['retryStrategy'];
}

/**
 * The SDK prints a banner about its own future Node support on the first client, in the middle of a
 * command's output; the functions onefn deploys run on Lambda's nodejs22.x whatever runs the deploy.
 * The variable is the SDK's own switch for it; a value the user set is kept.
 */
export function quietSdkBanner(): void {
  process.env['AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED'] ??= 'true';
}

const made = new WeakMap<AwsClients, Array<{ destroy(): void }>>();

export function createClients(options: ClientOptions): AwsClients {
  quietSdkBanner();
  const config = {
    region: options.region,
    ...(options.endpoint ? { endpoint: options.endpoint } : {}),
    ...(options.credentials ? { credentials: options.credentials } : {}),
    ...(options.retryStrategy ? { retryStrategy: options.retryStrategy } : {}),
  };
  let scheduler: Promise<SchedulerClient> | undefined;
  const list: Array<{ destroy(): void }> = [];
  const clients: AwsClients = {
    lambda: new LambdaClient(config),
    iam: new IAMClient(config),
    sqs: new SQSClient(config),
    sns: new SNSClient(config),
    // A single endpoint cannot serve virtual-hosted bucket names.
    s3: new S3Client({ ...config, forcePathStyle: !!options.endpoint }),
    events: new EventBridgeClient(config),
    scheduler: () =>
      (scheduler ??= loadScheduler().then(({ SchedulerClient }) => {
        const client = new SchedulerClient(config);
        list.push(client);
        return client;
      })),
  };
  list.push(clients.lambda, clients.iam, clients.sqs, clients.sns, clients.s3, clients.events);
  made.set(clients, list);
  return clients;
}

export function destroyClients(clients: AwsClients): void {
  for (const client of made.get(clients) ?? []) client.destroy();
}

/** The error name the SDK gives a service exception ("ResourceNotFoundException"). */
export function errorName(error: unknown): string | undefined {
  return typeof error === 'object' && error !== null ? (error as { name?: string }).name : undefined;
}

/**
 * The region the SDK's own provider chain finds when none is given: AWS_REGION, then the `region` of
 * the profile (AWS_PROFILE, in AWS_CONFIG_FILE or ~/.aws/config), then none.
 */
export async function sdkRegion(): Promise<string | undefined> {
  quietSdkBanner();
  const client = new LambdaClient({});
  try {
    const region = await client.config.region();
    return typeof region === 'string' && region ? region : undefined;
  } catch {
    return undefined;
  } finally {
    client.destroy();
  }
}
