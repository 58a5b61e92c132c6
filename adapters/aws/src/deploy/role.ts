import { AttachRolePolicyCommand, CreateRoleCommand, GetRoleCommand, PutRolePolicyCommand, type IAMClient } from '@aws-sdk/client-iam';
import type { FunctionPlan } from 'onefn/runtime';
import { errorName } from './clients.js';
import { AwsDeployError } from './errors.js';
import { ownedTags, roleName } from './names.js';
import { resourceGrants, resourcePolicy } from './resources.js';

const TRUST = JSON.stringify({
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' }],
});
/** AWS's managed policy for CloudWatch Logs, in the role's partition (`aws`, `aws-cn`, `aws-us-gov`). */
const basicPolicy = (partition: string): string => `arn:${partition}:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole`;

export { roleName };

/** The inline policy a queue consumer needs: what Lambda's SQS poller calls, on that one queue. */
function queuePolicy(plan: FunctionPlan, partition: string, region: string, account: string): string | undefined {
  if (plan.kind !== 'message' || plan.definition.kind !== 'message' || plan.definition.trigger.type !== 'queue') return undefined;
  return JSON.stringify({
    Version: '2012-10-17',
    Statement: [
      // The actions of AWS's AWSLambdaSQSQueueExecutionRole, limited to the queue.
      { Effect: 'Allow', Action: ['sqs:ReceiveMessage', 'sqs:DeleteMessage', 'sqs:GetQueueAttributes'], Resource: `arn:${partition}:sqs:${region}:${account}:${plan.definition.trigger.name}` },
    ],
  });
}

/**
 * A least-privilege execution role: CloudWatch Logs only, plus receiving and deleting messages on the
 * one queue a queue consumer reads, plus exactly the actions the handlers declared in `uses`. SNS, S3, EventBridge and Function URLs invoke through the
 * function's resource policy and need nothing here. A role of that name is reused; its policies are put
 * again (both calls are idempotent), since a deploy interrupted after CreateRole leaves it without them.
 */
export async function ensureRole(iam: IAMClient, plan: FunctionPlan, region: string, progress: (line: string) => void): Promise<string> {
  const RoleName = roleName(plan.name);
  let arn: string | undefined;
  try {
    arn = (await iam.send(new GetRoleCommand({ RoleName }))).Role?.Arn;
  } catch (error) {
    if (errorName(error) !== 'NoSuchEntityException' && errorName(error) !== 'NoSuchEntity') throw error;
  }
  const created = !arn;
  if (!arn) {
    // Tagged at creation: destroy deletes only roles that carry onefn's tags for this function.
    const Tags = Object.entries(ownedTags(plan.name)).map(([Key, Value]) => ({ Key, Value }));
    arn = (await iam.send(new CreateRoleCommand({ RoleName, AssumeRolePolicyDocument: TRUST, Description: `onefn execution role for ${plan.name}`, Tags }))).Role?.Arn;
    if (!arn) throw new AwsDeployError('DEPLOY_FAILED', `IAM returned no ARN for role ${RoleName}`);
  }
  // arn:<partition>:iam::<account>:role/<name>: the partition and account come from IAM's own answer.
  const [, partition = 'aws', , , account = '*'] = arn.split(':');
  await iam.send(new AttachRolePolicyCommand({ RoleName, PolicyArn: basicPolicy(partition) }));
  const policy = queuePolicy(plan, partition, region, account);
  if (policy) await iam.send(new PutRolePolicyCommand({ RoleName, PolicyName: 'onefn-queue', PolicyDocument: policy }));
  // What the handlers declared in `uses`: exactly those actions, on exactly those resources.
  const resources = resourcePolicy(resourceGrants(plan, { partition, region, account }));
  if (resources) await iam.send(new PutRolePolicyCommand({ RoleName, PolicyName: 'onefn-resources', PolicyDocument: resources }));
  progress(`${plan.name}: ${created ? 'created' : 'reusing'} execution role ${RoleName}`);
  return arn;
}
