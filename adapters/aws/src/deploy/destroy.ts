import {
  DeleteEventSourceMappingCommand, DeleteFunctionCommand, DeleteFunctionUrlConfigCommand, GetFunctionCommand, GetFunctionUrlConfigCommand,
  GetPolicyCommand, ListEventSourceMappingsCommand,
} from '@aws-sdk/client-lambda';
import { GetBucketNotificationConfigurationCommand, PutBucketNotificationConfigurationCommand } from '@aws-sdk/client-s3';
import { ListSubscriptionsByTopicCommand, UnsubscribeCommand } from '@aws-sdk/client-sns';
import type { DestroyedResource } from 'onefn/cli';
import { DeployOptionError } from 'onefn/build';
import { credentialsOr, regionOf } from './calls.js';
import { createClients, destroyClients, errorName, type AwsClients } from './clients.js';
import type { CallOptions } from './deploy.js';
import { AwsDeployError } from './errors.js';
import { isOwned, MANAGED_TAG } from './names.js';
import { checkRegion, FUNCTION_NAME } from './options.js';
import { DeployRetryStrategy } from './retry.js';
import { gone, roleSteps, ruleSteps, scheduleSteps, type Step } from './teardown.js';

export interface DestroyOptions extends Omit<CallOptions, 'pacing'> {
  /** The function's name as Lambda knows it (the stage suffix included). */
  function: string;
  region?: string | undefined;
  /** The alias deploy wired the triggers to (default `live`). */
  alias?: string | undefined;
}

export interface DestroyResult {
  readonly function: string;
  readonly region: string;
  readonly dryRun: boolean;
  /** In the order they are (or would be) removed. */
  readonly resources: readonly DestroyedResource[];
  /** What destroy leaves because onefn did not create it (a role you gave, a role without onefn's tags). */
  readonly kept: readonly string[];
}

interface Statement {
  Sid?: string;
  Condition?: { ArnLike?: Record<string, string> };
}

/** The source ARN of each statement onefn added for a trigger, by prefix (`onefn-sns-`, `onefn-s3-`). */
async function triggerSources(clients: AwsClients, fn: string, alias: string): Promise<Map<string, string[]>> {
  const sources = new Map<string, string[]>();
  let doc: { Statement?: Statement[] } = {};
  try {
    doc = JSON.parse((await clients.lambda.send(new GetPolicyCommand({ FunctionName: fn, Qualifier: alias }))).Policy ?? '{}') as typeof doc;
  } catch (error) {
    if (errorName(error) !== 'ResourceNotFoundException') throw error;
  }
  for (const s of doc.Statement ?? []) {
    const kind = /^onefn-(sns|s3)-/.exec(s.Sid ?? '')?.[1];
    const arn = s.Condition?.ArnLike?.['AWS:SourceArn'];
    if (kind && arn) sources.set(kind, [...(sources.get(kind) ?? []), arn]);
  }
  return sources;
}

async function subscriptionSteps(clients: AwsClients, topicArn: string, endpoint: string): Promise<Step[]> {
  const steps: Step[] = [];
  let NextToken: string | undefined;
  do {
    const page = await clients.sns.send(new ListSubscriptionsByTopicCommand({ TopicArn: topicArn, NextToken }));
    for (const s of page.Subscriptions ?? []) {
      const SubscriptionArn = s.SubscriptionArn;
      if (s.Protocol !== 'lambda' || s.Endpoint !== endpoint || !SubscriptionArn?.startsWith('arn:')) continue;
      steps.push({ kind: 'SNS subscription', id: SubscriptionArn, run: () => gone(() => clients.sns.send(new UnsubscribeCommand({ SubscriptionArn })), ['NotFound', 'NotFoundException']) });
    }
    NextToken = page.NextToken;
  } while (NextToken);
  return steps;
}

/** onefn's entry (`onefn-<function>`) in the bucket's notifications; the bucket's other entries stay. */
async function bucketSteps(clients: AwsClients, bucketArn: string, fn: string): Promise<Step[]> {
  const Bucket = bucketArn.split(':::')[1] ?? '';
  const Id = `onefn-${fn}`;
  const current = await clients.s3.send(new GetBucketNotificationConfigurationCommand({ Bucket }));
  if (!(current.LambdaFunctionConfigurations ?? []).some((c) => c.Id === Id)) return [];
  return [{
    kind: 'S3 notification',
    id: `${Bucket}/${Id}`,
    async run() {
      // Read again: the configuration is one document, and what others changed since the plan stays.
      const now = await clients.s3.send(new GetBucketNotificationConfigurationCommand({ Bucket }));
      const others = (now.LambdaFunctionConfigurations ?? []).filter((c) => c.Id !== Id);
      if (others.length === (now.LambdaFunctionConfigurations ?? []).length) return 'absent';
      await clients.s3.send(new PutBucketNotificationConfigurationCommand({
        Bucket,
        NotificationConfiguration: {
          TopicConfigurations: now.TopicConfigurations,
          QueueConfigurations: now.QueueConfigurations,
          LambdaFunctionConfigurations: others,
          EventBridgeConfiguration: now.EventBridgeConfiguration,
        },
      }));
      return 'deleted';
    },
  }];
}

/** Everything onefn made for `fn`, in the order it goes: triggers, the function, then its roles. */
async function plan(clients: AwsClients, fn: string, alias: string): Promise<{ steps: Step[]; kept: string[] }> {
  let found;
  try {
    found = await clients.lambda.send(new GetFunctionCommand({ FunctionName: fn }));
  } catch (error) {
    if (errorName(error) === 'ResourceNotFoundException') throw new AwsDeployError('NOT_FOUND', `no function ${fn}; nothing to destroy`, { cause: error });
    throw error;
  }
  if (!isOwned(found.Tags, fn)) {
    throw new AwsDeployError('NOT_OWNED', `${fn} was not deployed by onefn (no ${MANAGED_TAG} tag for it); destroy removes only what onefn made. A function onefn deployed before it tagged them is tagged by deploying it again.`);
  }
  const functionArn = found.Configuration?.FunctionArn ?? '';
  const aliasArn = `${functionArn}:${alias}`;
  const steps: Step[] = [];
  const kept: string[] = [];

  const schedule = await scheduleSteps(clients, fn, true);
  steps.push(...schedule.steps.filter((s) => s.kind !== 'IAM role'));
  steps.push(...(await ruleSteps(clients, fn)));
  const { EventSourceMappings = [] } = await clients.lambda.send(new ListEventSourceMappingsCommand({ FunctionName: aliasArn }));
  for (const m of EventSourceMappings) {
    const UUID = m.UUID;
    if (UUID) steps.push({ kind: 'event source mapping', id: `${UUID} (${m.EventSourceArn ?? ''})`, run: () => gone(() => clients.lambda.send(new DeleteEventSourceMappingCommand({ UUID }))) });
  }
  const sources = await triggerSources(clients, fn, alias);
  for (const topic of sources.get('sns') ?? []) steps.push(...(await subscriptionSteps(clients, topic, aliasArn)));
  for (const bucket of sources.get('s3') ?? []) steps.push(...(await bucketSteps(clients, bucket, fn)));
  try {
    const url = await clients.lambda.send(new GetFunctionUrlConfigCommand({ FunctionName: fn, Qualifier: alias }));
    steps.push({ kind: 'Function URL', id: url.FunctionUrl ?? `${fn}:${alias}`, run: () => gone(() => clients.lambda.send(new DeleteFunctionUrlConfigCommand({ FunctionName: fn, Qualifier: alias }))) });
  } catch (error) {
    if (errorName(error) !== 'ResourceNotFoundException') throw error;
  }
  // Without a qualifier, DeleteFunction removes every version and alias, and the resource policy with them.
  steps.push({ kind: 'Lambda function', id: `${functionArn || fn} (all versions, aliases and permissions)`, run: () => gone(() => clients.lambda.send(new DeleteFunctionCommand({ FunctionName: fn }))) });
  const roleArn = found.Configuration?.Role ?? '';
  const role = await roleSteps(clients, roleArn.split('/').pop() ?? '', fn);
  steps.push(...role.steps, ...schedule.steps.filter((s) => s.kind === 'IAM role'));
  if (role.kept) kept.push(`IAM role ${role.kept} (not tagged by onefn for ${fn})`);
  if (schedule.kept) kept.push(`IAM role ${schedule.kept} (not tagged by onefn for ${fn})`);
  return { steps, kept };
}

/**
 * Removes what onefn created for one function, and nothing else: its triggers (the Scheduler schedule
 * or EventBridge rule and target, event source mappings, SNS subscriptions, its own entry in a bucket's
 * notifications, the Function URL), the function with every version and alias, and the roles onefn
 * created for it (tagged when deploy made them). Everything is read first: `dryRun` shows that plan and
 * changes nothing. A function onefn did not deploy is refused (`NOT_OWNED`).
 *
 * @example
 * const plan = await destroy({ function: 'api', region: 'eu-west-1', dryRun: true })
 * for (const r of plan.resources) console.log(`would remove ${r.kind} ${r.id}`)
 */
export async function destroy(options: DestroyOptions): Promise<DestroyResult> {
  const fn = options.function;
  if (!FUNCTION_NAME.test(fn ?? '')) throw new DeployOptionError('function', `${JSON.stringify(String(fn).slice(0, 80))} is not a Lambda function name`);
  const alias = options.alias ?? 'live';
  const region = checkRegion(await regionOf(options));
  const progress = options.onProgress ?? (() => {});
  const dryRun = options.dryRun === true;
  const clients = createClients({ region, endpoint: options.endpoint, credentials: options.credentials, retryStrategy: new DeployRetryStrategy(6, 1000, progress) });
  try {
    const { steps, kept } = await plan(clients, fn, alias);
    for (const k of kept) progress(`${fn}: keeping ${k}`);
    const resources: DestroyedResource[] = [];
    for (const step of steps) {
      if (dryRun) {
        // The plan is the result (printed on stdout, or in --json): no progress line repeats it.
        resources.push({ kind: step.kind, id: step.id, action: 'planned' });
        continue;
      }
      const action = await step.run();
      progress(`${fn}: ${action === 'deleted' ? 'removed' : 'already gone:'} ${step.kind} ${step.id}`);
      resources.push({ kind: step.kind, id: step.id, action });
    }
    return { function: fn, region, dryRun, resources, kept };
  } catch (error) {
    throw credentialsOr(error);
  } finally {
    destroyClients(clients);
  }
}
