import { DescribeRuleCommand, ListTargetsByRuleCommand, PutRuleCommand, PutTargetsCommand } from '@aws-sdk/client-eventbridge';
import { removeRule, removeSchedule } from './teardown.js';
import { ownedTags, ruleName } from './names.js';
import { AwsDeployError } from './errors.js';
import { wireSchedule } from './scheduler.js';
import {
  AddPermissionCommand, CreateEventSourceMappingCommand, CreateFunctionUrlConfigCommand, GetFunctionUrlConfigCommand, GetPolicyCommand,
  ListEventSourceMappingsCommand, RemovePermissionCommand, UpdateEventSourceMappingCommand, UpdateFunctionUrlConfigCommand,
  type AddPermissionCommandInput,
} from '@aws-sdk/client-lambda';
import { GetBucketNotificationConfigurationCommand, PutBucketNotificationConfigurationCommand, type LambdaFunctionConfiguration } from '@aws-sdk/client-s3';
import { ListSubscriptionsByTopicCommand, SubscribeCommand, type Subscription } from '@aws-sdk/client-sns';
import { GetQueueAttributesCommand, GetQueueUrlCommand } from '@aws-sdk/client-sqs';
import type { EventDefinition } from 'onefn';
import { toAwsSchedule, type FunctionPlan } from 'onefn/runtime';
import { errorName, type AwsClients } from './clients.js';
import type { Pacing } from './lambda-ops.js';

/** Where a trigger is wired: the alias, so that moving it moves every trigger at once. */
export interface Target {
  name: string;
  alias: string;
  /** The alias's ARN. */
  arn: string;
  region: string;
  account: string;
  /** The ARN partition (`aws`, `aws-cn`, `aws-us-gov`), read off the function's own ARN. */
  partition: string;
  pacing: Pacing;
  progress: (line: string) => void;
}

/** What wiring a plan's trigger does, in one line (also what --dry-run prints). */
/** True for an HTTP function one of whose definitions streams (`stream: true`). */
export function isStreaming(plan: FunctionPlan): boolean {
  return plan.kind === 'http' && plan.definitions.some((d) => d.trigger.stream);
}

export function describeTrigger(plan: FunctionPlan): string {
  if (plan.kind === 'http') {
    const url = `Function URL (auth ${plan.public ? 'NONE, public' : 'AWS_IAM'}`;
    // API Gateway cannot stream (it buffers, up to its 10 MB and 29 s by default): say so where the plan is shown.
    return isStreaming(plan) ? `${url}, InvokeMode RESPONSE_STREAM; behind API Gateway the answer is buffered instead)` : `${url})`;
  }
  const def = plan.definition as EventDefinition;
  switch (def.kind) {
    case 'message':
      return def.trigger.type === 'queue' ? `SQS queue ${def.trigger.name} (ReportBatchItemFailures)` : `SNS topic ${def.trigger.name}`;
    case 'storage':
      return `S3 bucket ${def.trigger.bucket} notifications (${def.trigger.changes.join(', ')})`;
    case 'schedule':
      return def.trigger.timeZone === 'UTC' ? `EventBridge rule ${toAwsSchedule(def.trigger.schedule)}` : `EventBridge Scheduler schedule ${toAwsSchedule(def.trigger.schedule)} in ${def.trigger.timeZone}`;
    case 'cloudevent':
      if (def.trigger.topic !== undefined) return `SNS topic ${def.trigger.topic} (CloudEvents)`;
      return `EventBridge rule on ${def.trigger.source ?? 'any source'}${def.trigger.types.length ? ` (${def.trigger.types.join(', ')})` : ''}`;
  }
}

/**
 * A statement id Lambda accepts (`[a-zA-Z0-9-_]{1,100}`). Bucket names may hold dots but never
 * underscores, so mapping "." to "_" keeps distinct buckets distinct.
 */
export const statementId = (text: string): string => text.replace(/[^a-zA-Z0-9_-]/g, '_').slice(0, 100);

async function statementIds(clients: AwsClients, t: Target): Promise<Set<string>> {
  try {
    const { Policy } = await clients.lambda.send(new GetPolicyCommand({ FunctionName: t.name, Qualifier: t.alias }));
    const doc = JSON.parse(Policy ?? '{}') as { Statement?: Array<{ Sid?: string }> };
    return new Set((doc.Statement ?? []).map((s) => s.Sid ?? ''));
  } catch (error) {
    if (errorName(error) === 'ResourceNotFoundException') return new Set();
    throw error;
  }
}

/** Adds the resource-policy statements that are missing; existing ones are left alone. */
async function ensurePermissions(clients: AwsClients, t: Target, statements: Array<Omit<AddPermissionCommandInput, 'FunctionName' | 'Qualifier'>>): Promise<void> {
  const present = await statementIds(clients, t);
  for (const statement of statements) {
    if (present.has(statement.StatementId ?? '')) continue;
    await clients.lambda.send(new AddPermissionCommand({ FunctionName: t.name, Qualifier: t.alias, ...statement }));
    t.progress(`${t.name}: allowed ${statement.Principal} to ${statement.Action}`);
  }
}

// The statements that open a Function URL to everyone; onefn adds them for `public: true` only.
const PUBLIC_URL_STATEMENTS: Array<Omit<AddPermissionCommandInput, 'FunctionName' | 'Qualifier'>> = [
  // Public URLs need both: InvokeFunctionUrl with auth type NONE, and InvokeFunction limited to
  // calls through the URL. https://docs.aws.amazon.com/lambda/latest/dg/urls-auth.html
  { StatementId: 'onefn-url-public', Action: 'lambda:InvokeFunctionUrl', Principal: '*', FunctionUrlAuthType: 'NONE' },
  { StatementId: 'onefn-url-invoke', Action: 'lambda:InvokeFunction', Principal: '*', InvokedViaFunctionUrl: true },
];

/** Removes onefn's public-URL statements that are present (a function that is no longer public). */
async function removePublicPermissions(clients: AwsClients, t: Target): Promise<void> {
  const present = await statementIds(clients, t);
  for (const { StatementId } of PUBLIC_URL_STATEMENTS) {
    if (!StatementId || !present.has(StatementId)) continue;
    try {
      await clients.lambda.send(new RemovePermissionCommand({ FunctionName: t.name, Qualifier: t.alias, StatementId }));
    } catch (error) {
      // Already gone (removed by someone else meanwhile) is what was wanted.
      if (errorName(error) !== 'ResourceNotFoundException') throw error;
    }
    t.progress(`${t.name}: removed the public statement ${StatementId}`);
  }
}

/**
 * HTTP: a Function URL on the alias; public only when the definition says so. A function that is
 * no longer public has its URL switched to AWS_IAM first (which closes it at once), then loses the
 * `Principal: *` statements, which would otherwise open it again should the auth type ever change.
 */
async function wireUrl(clients: AwsClients, t: Target, isPublic: boolean, streaming: boolean): Promise<string | undefined> {
  const AuthType = isPublic ? 'NONE' : 'AWS_IAM';
  // A streaming function's URL must invoke it in RESPONSE_STREAM mode; BUFFERED is the default.
  const InvokeMode = streaming ? 'RESPONSE_STREAM' : 'BUFFERED';
  let url: string | undefined;
  try {
    const current = await clients.lambda.send(new GetFunctionUrlConfigCommand({ FunctionName: t.name, Qualifier: t.alias }));
    url = current.FunctionUrl;
    const mode = current.InvokeMode ?? 'BUFFERED';
    if (current.AuthType !== AuthType || mode !== InvokeMode) {
      await clients.lambda.send(new UpdateFunctionUrlConfigCommand({ FunctionName: t.name, Qualifier: t.alias, AuthType, InvokeMode }));
      if (current.AuthType !== AuthType) t.progress(`${t.name}: Function URL auth ${current.AuthType} -> ${AuthType}`);
      if (mode !== InvokeMode) t.progress(`${t.name}: Function URL invoke mode ${mode} -> ${InvokeMode}`);
    }
  } catch (error) {
    if (errorName(error) !== 'ResourceNotFoundException') throw error;
    url = (await clients.lambda.send(new CreateFunctionUrlConfigCommand({ FunctionName: t.name, Qualifier: t.alias, AuthType, InvokeMode }))).FunctionUrl;
    t.progress(`${t.name}: Function URL ${url ?? ''} (auth ${AuthType}, ${InvokeMode})`);
  }
  if (isPublic) await ensurePermissions(clients, t, PUBLIC_URL_STATEMENTS);
  else await removePublicPermissions(clients, t);
  return url;
}

/** Queue: an SQS event source mapping that reports batch item failures. */
async function wireQueue(clients: AwsClients, t: Target, queue: string): Promise<string> {
  const { QueueUrl } = await clients.sqs.send(new GetQueueUrlCommand({ QueueName: queue }));
  const { Attributes } = await clients.sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['QueueArn'] }));
  const queueArn = Attributes?.['QueueArn'];
  if (!queueArn) throw new AwsDeployError('DEPLOY_FAILED', `SQS returned no ARN for queue ${queue}`);
  const { EventSourceMappings = [] } = await clients.lambda.send(new ListEventSourceMappingsCommand({ FunctionName: t.arn, EventSourceArn: queueArn }));
  const mapping = EventSourceMappings[0];
  if (!mapping) {
    await clients.lambda.send(new CreateEventSourceMappingCommand({ FunctionName: t.arn, EventSourceArn: queueArn, BatchSize: 10, FunctionResponseTypes: ['ReportBatchItemFailures'], Enabled: true }));
    t.progress(`${t.name}: consuming ${queueArn}`);
  } else if (!mapping.FunctionResponseTypes?.includes('ReportBatchItemFailures')) {
    await clients.lambda.send(new UpdateEventSourceMappingCommand({ UUID: mapping.UUID, FunctionResponseTypes: ['ReportBatchItemFailures'] }));
    t.progress(`${t.name}: turned on ReportBatchItemFailures for ${queueArn}`);
  }
  return queueArn;
}

/** Whether the alias already subscribes to the topic; SNS lists subscriptions 100 per page. */
async function isSubscribed(clients: AwsClients, topicArn: string, endpoint: string): Promise<boolean> {
  const ours = (s: Subscription): boolean => s.Protocol === 'lambda' && s.Endpoint === endpoint;
  let NextToken: string | undefined;
  do {
    const page = await clients.sns.send(new ListSubscriptionsByTopicCommand({ TopicArn: topicArn, NextToken }));
    if ((page.Subscriptions ?? []).some(ours)) return true;
    NextToken = page.NextToken;
  } while (NextToken);
  return false;
}

/** Topic: permission for SNS to invoke, and a subscription. */
async function wireTopic(clients: AwsClients, t: Target, topic: string): Promise<string> {
  const topicArn = `arn:${t.partition}:sns:${t.region}:${t.account}:${topic}`;
  await ensurePermissions(clients, t, [{ StatementId: statementId(`onefn-sns-${topic}`), Action: 'lambda:InvokeFunction', Principal: 'sns.amazonaws.com', SourceArn: topicArn }]);
  if (!(await isSubscribed(clients, topicArn, t.arn))) {
    await clients.sns.send(new SubscribeCommand({ TopicArn: topicArn, Protocol: 'lambda', Endpoint: t.arn, ReturnSubscriptionArn: true }));
    t.progress(`${t.name}: subscribed to ${topicArn}`);
  }
  return topicArn;
}

/**
 * Whether two Lambda notification entries say the same. S3 answers filter rule names capitalized
 * ("Prefix") whatever was put, and the SDK orders fields its own way, so compare by meaning.
 */
function sameNotification(a: LambdaFunctionConfiguration, b: LambdaFunctionConfiguration): boolean {
  const events = (c: LambdaFunctionConfiguration): string => [...(c.Events ?? [])].sort().join(',');
  const rules = (c: LambdaFunctionConfiguration): string =>
    (c.Filter?.Key?.FilterRules ?? []).map((r) => `${(r.Name ?? '').toLowerCase()}=${r.Value ?? ''}`).sort().join('\n');
  return a.LambdaFunctionArn === b.LambdaFunctionArn && events(a) === events(b) && rules(a) === rules(b);
}

/** Storage: permission for S3, then this function's entry in the bucket's notification configuration. */
async function wireBucket(clients: AwsClients, t: Target, def: Extract<EventDefinition, { kind: 'storage' }>): Promise<string> {
  const { bucket, changes, prefix, suffix } = def.trigger;
  const bucketArn = `arn:${t.partition}:s3:::${bucket}`;
  await ensurePermissions(clients, t, [
    { StatementId: statementId(`onefn-s3-${bucket}`), Action: 'lambda:InvokeFunction', Principal: 's3.amazonaws.com', SourceArn: bucketArn, SourceAccount: t.account },
  ]);
  const current = await clients.s3.send(new GetBucketNotificationConfigurationCommand({ Bucket: bucket }));
  const id = `onefn-${t.name}`;
  const rules = [...(prefix ? [{ Name: 'prefix' as const, Value: prefix }] : []), ...(suffix ? [{ Name: 'suffix' as const, Value: suffix }] : [])];
  const wanted: LambdaFunctionConfiguration = {
    Id: id,
    LambdaFunctionArn: t.arn,
    Events: changes.map((c) => (c === 'created' ? 's3:ObjectCreated:*' : 's3:ObjectRemoved:*')),
    ...(rules.length ? { Filter: { Key: { FilterRules: rules } } } : {}),
  };
  const others = (current.LambdaFunctionConfigurations ?? []).filter((c) => c.Id !== id);
  const mine = (current.LambdaFunctionConfigurations ?? []).find((c) => c.Id === id);
  if (mine && sameNotification(mine, wanted)) return bucketArn;
  await clients.s3.send(
    new PutBucketNotificationConfigurationCommand({
      Bucket: bucket,
      NotificationConfiguration: {
        TopicConfigurations: current.TopicConfigurations,
        QueueConfigurations: current.QueueConfigurations,
        LambdaFunctionConfigurations: [...others, wanted],
        EventBridgeConfiguration: current.EventBridgeConfiguration,
      },
    }),
  );
  t.progress(`${t.name}: notified by bucket ${bucket}`);
  return bucketArn;
}

/** Schedule and CloudEvent: an EventBridge rule targeting the alias. */
async function wireRule(clients: AwsClients, t: Target, rule: { ScheduleExpression?: string; EventPattern?: string }): Promise<string> {
  const Name = ruleName(t.name);
  let ruleArn: string | undefined;
  try {
    const current = await clients.events.send(new DescribeRuleCommand({ Name }));
    ruleArn = current.Arn;
    if ((current.ScheduleExpression ?? undefined) !== rule.ScheduleExpression || (current.EventPattern ?? undefined) !== rule.EventPattern || current.State !== 'ENABLED') ruleArn = undefined;
  } catch (error) {
    if (errorName(error) !== 'ResourceNotFoundException') throw error;
  }
  if (!ruleArn) {
    ruleArn = (await clients.events.send(new PutRuleCommand({ Name, State: 'ENABLED', ...rule, Tags: Object.entries(ownedTags(t.name)).map(([Key, Value]) => ({ Key, Value })) }))).RuleArn;
    t.progress(`${t.name}: rule ${Name} ${rule.ScheduleExpression ?? rule.EventPattern ?? ''}`);
  }
  await ensurePermissions(clients, t, [{ StatementId: statementId(`onefn-events-${Name}`), Action: 'lambda:InvokeFunction', Principal: 'events.amazonaws.com', SourceArn: ruleArn }]);
  const { Targets = [] } = await clients.events.send(new ListTargetsByRuleCommand({ Rule: Name }));
  if (!Targets.some((x) => x.Arn === t.arn)) {
    await clients.events.send(new PutTargetsCommand({ Rule: Name, Targets: [{ Id: 'onefn', Arn: t.arn }] }));
    t.progress(`${t.name}: rule ${Name} targets ${t.alias}`);
  }
  return ruleArn ?? Name;
}

/** Wires the plan's trigger to the alias; returns the URL or source ARN. Calls only what is missing. */
export async function wireTrigger(clients: AwsClients, plan: FunctionPlan, t: Target): Promise<string | undefined> {
  if (plan.kind === 'http') return wireUrl(clients, t, plan.public, isStreaming(plan));
  const def = plan.definition as EventDefinition;
  switch (def.kind) {
    case 'message':
      return def.trigger.type === 'queue' ? wireQueue(clients, t, def.trigger.name) : wireTopic(clients, t, def.trigger.name);
    case 'storage':
      return wireBucket(clients, t, def);
    case 'schedule': {
      // UTC schedules stay EventBridge rules (as every earlier deploy made them); a time zone needs
      // EventBridge Scheduler. A schedule that moves from one to the other leaves nothing behind that
      // would run it twice.
      const expression = toAwsSchedule(def.trigger.schedule);
      if (def.trigger.timeZone === 'UTC') {
        const arn = await wireRule(clients, t, { ScheduleExpression: expression });
        await removeSchedule(clients, t.name, { dryRun: false, progress: t.progress, optional: true });
        return arn;
      }
      const arn = await wireSchedule(await clients.scheduler(), clients.iam, t, { expression, timeZone: def.trigger.timeZone });
      await removeRule(clients, t, { dryRun: false, progress: t.progress });
      return arn;
    }
    case 'cloudevent': {
      if (def.trigger.topic !== undefined) return wireTopic(clients, t, def.trigger.topic);
      const pattern: Record<string, unknown> = { source: def.trigger.source ? [def.trigger.source] : [{ prefix: '' }] };
      if (def.trigger.types.length) pattern['detail-type'] = [...def.trigger.types];
      return wireRule(clients, t, { EventPattern: JSON.stringify(pattern) });
    }
  }
}
