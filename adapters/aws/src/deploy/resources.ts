import { planUses, resourceSetting, type FunctionPlan, type ResourceUse } from 'onefn/runtime';

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
