import { AttachRolePolicyCommand, CreateRoleCommand, GetRoleCommand, PutRolePolicyCommand, type IAMClient } from '@aws-sdk/client-iam';
import type { FunctionPlan } from 'onefn/runtime';
import { errorName } from './clients.js';

const TRUST = JSON.stringify({
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' }],
});
const BASIC = 'arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole';

/** The role name a created execution role gets. */
export const roleName = (fn: string): string => `onefn-${fn}`.slice(0, 64);

/**
 * A least-privilege execution role: CloudWatch Logs only, plus reading and deleting messages on the
 * one queue a queue consumer needs. Reused when it exists.
 */
export async function ensureRole(iam: IAMClient, plan: FunctionPlan, region: string, progress: (line: string) => void): Promise<string> {
  const RoleName = roleName(plan.name);
  try {
    const { Role } = await iam.send(new GetRoleCommand({ RoleName }));
    if (Role?.Arn) return Role.Arn;
  } catch (error) {
    if (errorName(error) !== 'NoSuchEntityException' && errorName(error) !== 'NoSuchEntity') throw error;
  }
  const { Role } = await iam.send(new CreateRoleCommand({ RoleName, AssumeRolePolicyDocument: TRUST, Description: `onefn execution role for ${plan.name}` }));
  await iam.send(new AttachRolePolicyCommand({ RoleName, PolicyArn: BASIC }));
  if (plan.kind === 'message' && plan.definition.kind === 'message' && plan.definition.trigger.type === 'queue') {
    const queue = plan.definition.trigger.name;
    await iam.send(
      new PutRolePolicyCommand({
        RoleName,
        PolicyName: 'onefn-queue',
        PolicyDocument: JSON.stringify({
          Version: '2012-10-17',
          Statement: [{ Effect: 'Allow', Action: ['sqs:ReceiveMessage', 'sqs:DeleteMessage', 'sqs:GetQueueAttributes', 'sqs:ChangeMessageVisibility'], Resource: `arn:aws:sqs:${region}:*:${queue}` }],
        }),
      }),
    );
  }
  progress(`${plan.name}: created execution role ${RoleName}`);
  if (!Role?.Arn) throw new Error(`IAM returned no ARN for role ${RoleName}`);
  return Role.Arn;
}
