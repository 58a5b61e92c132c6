import { type BucketLocationConstraint, CreateBucketCommand, HeadBucketCommand, type S3Client } from '@aws-sdk/client-s3';
import { CreateTopicCommand, type SNSClient } from '@aws-sdk/client-sns';
import { CreateQueueCommand, GetQueueUrlCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { planUses, resourceSetting, type FunctionPlan, type ResourceUse } from 'onefn/runtime';
import { errorName } from './clients.js';
import { AwsDeployError } from './errors.js';

/** Where a function is deployed: the ARN partition, the region, the account (unknown in a dry run). */
export interface AwsPlace {
  readonly partition: string;
  readonly region: string;
  readonly account: string;
}

export interface PolicyStatement {
  readonly Effect: 'Allow';
  readonly Action: readonly string[];
  readonly Resource: string;
}

/** The grants and settings one function's declared uses need. */
export interface ResourceGrants {
  /** One statement per resource ARN, with exactly the declared actions. */
  readonly statements: readonly PolicyStatement[];
  /** The settings @onefn/aws/resources reads: queue URLs, topic ARNs, bucket names. */
  readonly env: Readonly<Record<string, string>>;
}

// The IAM actions each declared action needs, per the SQS, SNS and S3 authorization references.
// Listing a bucket is an action on the bucket itself; the rest act on its objects.
const OBJECT_ACTIONS: Readonly<Record<string, readonly string[]>> = { read: ['s3:GetObject'], write: ['s3:PutObject'], delete: ['s3:DeleteObject'] };

function dnsSuffix(partition: string): string {
  return partition === 'aws-cn' ? 'amazonaws.com.cn' : 'amazonaws.com';
}

function grantsOf(use: ResourceUse, place: AwsPlace, env: Readonly<Record<string, string>>): { statements: PolicyStatement[]; env: Record<string, string> } {
  const { partition, region, account } = place;
  if (use.kind === 'queue') {
    return {
      statements: [{ Effect: 'Allow', Action: ['sqs:SendMessage'], Resource: `arn:${partition}:sqs:${region}:${account}:${use.name}` }],
      env: { [resourceSetting('queue', use.name, '_URL')]: `https://sqs.${region}.${dnsSuffix(partition)}/${account}/${use.name}` },
    };
  }
  if (use.kind === 'topic') {
    const arn = `arn:${partition}:sns:${region}:${account}:${use.name}`;
    return { statements: [{ Effect: 'Allow', Action: ['sns:Publish'], Resource: arn }], env: { [resourceSetting('topic', use.name, '_ARN')]: arn } };
  }
  // S3 bucket names are global: the definition's env may name the real bucket; the logical name otherwise.
  const setting = resourceSetting('bucket', use.name);
  const bucket = env[setting] ?? use.name;
  const statements: PolicyStatement[] = [];
  if (use.actions.includes('read')) statements.push({ Effect: 'Allow', Action: ['s3:ListBucket'], Resource: `arn:${partition}:s3:::${bucket}` });
  const objectActions = use.actions.flatMap((a) => OBJECT_ACTIONS[a] ?? []);
  if (objectActions.length) statements.push({ Effect: 'Allow', Action: objectActions, Resource: `arn:${partition}:s3:::${bucket}/*` });
  return { statements, env: { [setting]: bucket } };
}

/**
 * What a planned function's declared uses need on AWS: least-privilege statements (exactly the
 * declared actions, on exactly those resources) and the settings the runtime reads.
 *
 * @example
 * resourceGrants(plan, { partition: 'aws', region: 'eu-west-1', account: '123456789012' })
 * // { statements: [{ Effect: 'Allow', Action: ['sqs:SendMessage'], Resource: 'arn:aws:sqs:eu-west-1:123456789012:orders' }], env: { ONEFN_QUEUE_ORDERS_URL: 'https://sqs.eu-west-1.amazonaws.com/123456789012/orders' } }
 */
export function resourceGrants(plan: FunctionPlan, place: AwsPlace): ResourceGrants {
  const statements: PolicyStatement[] = [];
  const env: Record<string, string> = {};
  for (const use of planUses(plan)) {
    const g = grantsOf(use, place, plan.settings.env ?? {});
    statements.push(...g.statements);
    Object.assign(env, g.env);
  }
  return { statements, env };
}

/** The inline policy document for the grants, or undefined when the function uses no resource. */
export function resourcePolicy(grants: ResourceGrants): string | undefined {
  return grants.statements.length ? JSON.stringify({ Version: '2012-10-17', Statement: grants.statements }) : undefined;
}

/** The clients `ensureResources` calls (the deploy's own). */
export interface ResourceClients {
  readonly sqs: SQSClient;
  readonly sns: SNSClient;
  readonly s3: S3Client;
}

/**
 * Creates each declared queue, topic and bucket that does not exist, and leaves existing ones alone:
 * a queue is looked up by name first (CreateQueue would refuse one whose attributes differ), a topic is
 * created by name (CreateTopic answers an existing topic's ARN unchanged), a bucket is checked with
 * HeadBucket. A bucket that exists but is not the account's (403) is refused, never used.
 */
export async function ensureResources(clients: ResourceClients, plan: FunctionPlan, region: string, progress: (line: string) => void): Promise<void> {
  const env = plan.settings.env ?? {};
  for (const use of planUses(plan)) {
    if (use.kind === 'queue') {
      try {
        await clients.sqs.send(new GetQueueUrlCommand({ QueueName: use.name }));
      } catch (error) {
        if (!/NonExistentQueue|QueueDoesNotExist/.test(errorName(error) ?? '')) throw error;
        await clients.sqs.send(new CreateQueueCommand({ QueueName: use.name }));
        progress(`${plan.name}: created queue ${use.name}`);
      }
    } else if (use.kind === 'topic') {
      await clients.sns.send(new CreateTopicCommand({ Name: use.name }));
    } else {
      const Bucket = env[resourceSetting('bucket', use.name)] ?? use.name;
      try {
        await clients.s3.send(new HeadBucketCommand({ Bucket }));
      } catch (error) {
        const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
        if (status === 403) throw new AwsDeployError('DEPLOY_FAILED', `bucket ${Bucket} exists but belongs to another account; name another in env ${resourceSetting('bucket', use.name)}`);
        if (status !== 404) throw error;
        await clients.s3.send(new CreateBucketCommand({ Bucket, ...(region === 'us-east-1' ? {} : { CreateBucketConfiguration: { LocationConstraint: region as BucketLocationConstraint } }) }));
        progress(`${plan.name}: created bucket ${Bucket}`);
      }
    }
  }
}
