import { planFunctions, planUses, type FunctionPlan } from 'onefn/runtime';
import { loadModule } from 'onefn/build';
import { buildFunction, type LambdaArtifact } from './build.js';
import { createClients, destroyClients, type AwsClients, type ClientOptions } from './clients.js';
import { credentialsOr, regionOf } from './calls.js';
import {
  DEFAULT_PACING, ensureFunction, getAliasVersion, getFunction, listVersions, moveAlias, publish, waitUntilReady, type Pacing,
} from './lambda-ops.js';
import { checkOptions, checkRegion, DeployOptionError, functionConfig, UNKNOWN_REGION, type DeployOptionsInput, type IgnoredVariable } from './options.js';
import { roleName, schedulerRoleName, scheduleName } from './names.js';
import { DeployRetryStrategy } from './retry.js';
import { ensureRole } from './role.js';
import { ensureResources, resourceGrants } from './resources.js';
import { describeTrigger, wireTrigger } from './triggers.js';

/** How a deploy or rollback talks to AWS and reports, shared by both. */
export interface CallOptions {
  /** Print what would change; make no AWS call. */
  dryRun?: boolean | undefined;
  /** A line per step. */
  onProgress?: ((line: string) => void) | undefined;
  /** Where the environment's defaults (AWS_REGION) come from. Default process.env. */
  env?: Readonly<Record<string, string | undefined>> | undefined;
  /** One endpoint for every AWS service (tests, emulators). */
  endpoint?: string | undefined;
  credentials?: ClientOptions['credentials'];
  pacing?: Partial<Pacing> | undefined;
}

export interface DeployOptions extends DeployOptionsInput, CallOptions {
  /** The user's module. */
  entry: string;
  /** Deploy only this planned function. Default: every function the module plans into. */
  function?: string | undefined;
  /** A stage name (`prod`): appended to every function's name (`api-prod`), so stages never collide. */
  stage?: string | undefined;
}

export interface DeployedFunction {
  readonly name: string;
  readonly kind: FunctionPlan['kind'];
  readonly action: 'created' | 'updated' | 'unchanged' | 'planned';
  readonly codeSha256: string;
  /** The zip's size. */
  readonly bytes: number;
  readonly version: string | undefined;
  readonly alias: string;
  readonly trigger: string;
  /** The Function URL, or the ARN of the trigger's source. */
  readonly endpoint: string | undefined;
  /** Environment variables the definition asks for but Lambda reserves, so not set. */
  readonly ignoredEnv: readonly IgnoredVariable[];
  /** The function's `NODE_OPTIONS` (`--enable-source-maps` with `sourcemap`), or undefined when none is set. */
  readonly nodeOptions: string | undefined;
}

export interface DeployResult {
  readonly dryRun: boolean;
  readonly region: string;
  readonly functions: readonly DeployedFunction[];
}

const STAGE = /^[a-z][a-z0-9]{0,15}$/;

/** Each plan renamed `<name>-<stage>`: the stage goes into the function's, role's and trigger's names. */
function staged(plans: FunctionPlan[], stage: string | undefined): FunctionPlan[] {
  if (stage === undefined) return plans;
  if (!STAGE.test(stage)) throw new DeployOptionError('stage', `must be 1-16 lower-case letters and digits, starting with a letter, got ${JSON.stringify(stage.slice(0, 40))}`);
  return plans.map((plan) => ({ ...plan, name: `${plan.name}-${stage}` }));
}

function selectPlans(plans: FunctionPlan[], only: string | undefined): FunctionPlan[] {
  if (only === undefined) return plans;
  const plan = plans.find((p) => p.name === only);
  if (!plan) throw new DeployOptionError('function', `no function "${only}"; the module plans into ${plans.map((p) => p.name).join(', ') || 'nothing'}`);
  return [plan];
}

/**
 * Builds and deploys every function a module plans into: create or update (waiting for each update),
 * publish a version, move the alias (`live`), and wire the trigger to the alias. An unchanged deploy
 * changes nothing. Options are checked before any call; `dryRun` makes none.
 *
 * @example
 * const result = await deploy({ entry: 'src/api.ts', region: 'eu-west-1', createRole: true, onProgress: console.log })
 * console.log(result.functions.map((f) => `${f.name} v${f.version} ${f.endpoint}`))
 */
export async function deploy(options: DeployOptions): Promise<DeployResult> {
  const progress = options.onProgress ?? (() => {});
  const dryRun = options.dryRun === true;
  const checked = checkOptions({ ...options, region: await regionOf(options) }, options.env ?? process.env, dryRun);
  const plans = staged(selectPlans(planFunctions(await loadModule(options.entry)), options.function), options.stage);
  if (plans.length === 0) throw new DeployOptionError('entry', `${options.entry} exports no onefn definitions`);
  const configs = plans.map((plan) => functionConfig(plan, options));
  for (const config of configs) for (const v of config.ignoredEnv) progress(`${dryRun ? 'would ignore' : 'ignoring'} ${config.name}'s env ${v.name}: ${v.reason}`);
  const artifacts: LambdaArtifact[] = [];
  for (const plan of plans) artifacts.push(await buildFunction({ entry: options.entry, plan, runtime: checked.runtime, httpEvents: checked.httpEvents, sourcemap: options.sourcemap === true }));

  if (dryRun) {
    // A plan needs no account: what only AWS could say (the account id, a region nobody named) is shown unknown.
    if (checked.region === UNKNOWN_REGION) progress(`region: unknown (pass --region, set AWS_REGION, or give the profile a region); the plan shows ${UNKNOWN_REGION}`);
    const functions = plans.map((plan, i): DeployedFunction => {
      const artifact = artifacts[i] as LambdaArtifact;
      const config = configs[i] as ReturnType<typeof functionConfig>;
      const place = { partition: 'aws', region: checked.region, account: '<account>' };
      const grants = resourceGrants(plan, place);
      if (checked.role) progress(`${plan.name}: would run as ${checked.role}`);
      else if (checked.createRole) progress(`${plan.name}: would create execution role ${roleName(plan.name)} if it does not exist (trust lambda.amazonaws.com; CloudWatch Logs${grants.statements.length ? ', and the grants below' : ''})`);
      else progress(`${plan.name}: needs an execution role: pass --role <arn>, or --create-role to create ${roleName(plan.name)}`);
      for (const s of grants.statements) progress(`${plan.name}: would grant ${s.Action.join(', ')} on ${s.Resource}${checked.role ? ' (add it to the role you gave)' : ''}`);
      for (const [k, v] of Object.entries(grants.env)) progress(`${plan.name}: would set ${k}=${v}`);
      if (config.env['NODE_OPTIONS'] !== undefined && options.sourcemap) progress(`${plan.name}: would set NODE_OPTIONS=${config.env['NODE_OPTIONS']} (source maps, index.mjs.map in the zip)`);
      for (const use of planUses(plan)) progress(`${plan.name}: would create ${use.kind} ${use.name} if it does not exist`);
      progress(`${plan.name}: would deploy ${artifact.zip.byteLength} bytes (CodeSha256 ${artifact.codeSha256}), ${config.memory} MB, ${config.timeout} s, ${checked.runtime}`);
      progress(`${plan.name}: would point alias ${checked.alias} at the new version and wire ${describeTrigger(plan)}`);
      if (plan.kind === 'schedule' && plan.definition.kind === 'schedule' && plan.definition.trigger.timeZone !== 'UTC') {
        const aliasArn = `arn:aws:lambda:${checked.region}:<account>:function:${plan.name}:${checked.alias}`;
        progress(`${plan.name}: would create schedule ${scheduleName(plan.name)} and role ${schedulerRoleName(plan.name)} (trust scheduler.amazonaws.com; lambda:InvokeFunction on ${aliasArn} only)`);
      }
      return { name: plan.name, kind: plan.kind, action: 'planned', codeSha256: artifact.codeSha256, bytes: artifact.zip.byteLength, version: undefined, alias: checked.alias, trigger: describeTrigger(plan), endpoint: undefined, ignoredEnv: config.ignoredEnv, nodeOptions: config.env['NODE_OPTIONS'] };
    });
    return { dryRun: true, region: checked.region, functions };
  }

  const pacing: Pacing = { ...DEFAULT_PACING, ...options.pacing };
  const clients = createClients({ region: checked.region, endpoint: options.endpoint, credentials: options.credentials, retryStrategy: new DeployRetryStrategy(pacing.retries, pacing.retryDelayMs, progress) });
  try {
    const functions: DeployedFunction[] = [];
    for (const [i, plan] of plans.entries()) {
      functions.push(await deployOne(clients, plan, artifacts[i] as LambdaArtifact, configs[i] as ReturnType<typeof functionConfig>, { ...checked, pacing, progress }));
    }
    return { dryRun: false, region: checked.region, functions };
  } catch (error) {
    throw credentialsOr(error);
  } finally {
    destroyClients(clients);
  }
}

async function deployOne(
  clients: AwsClients,
  plan: FunctionPlan,
  artifact: LambdaArtifact,
  config: ReturnType<typeof functionConfig>,
  o: ReturnType<typeof checkOptions> & { pacing: Pacing; progress: (line: string) => void },
): Promise<DeployedFunction> {
  await ensureResources(clients, plan, o.region, o.progress);
  const existing = await getFunction(clients.lambda, plan.name);
  const role = o.role ?? existing?.Role ?? (await ensureRole(clients.iam, plan, o.region, o.progress));
  // The settings the resource driver reads, for the account the role belongs to (arn:<partition>:iam::<account>:role/<name>).
  const [, rolePartition = 'aws', , , roleAccount = ''] = role.split(':');
  const grants = resourceGrants(plan, { partition: rolePartition, region: o.region, account: roleAccount });
  if (o.role) for (const s of grants.statements) o.progress(`${plan.name}: the role you gave needs ${s.Action.join(', ')} on ${s.Resource}`);
  const withSettings = { ...config, env: { ...config.env, ...grants.env } };
  const change = await ensureFunction(clients.lambda, existing, { artifact, config: withSettings, role, pacing: o.pacing, progress: o.progress });
  const current = await getAliasVersion(clients.lambda, plan.name, o.alias);
  let version = current;
  if (change.action !== 'unchanged' || current === undefined) {
    version = await publish(clients.lambda, plan.name, artifact.codeSha256, o);
    await moveAlias(clients.lambda, plan.name, o.alias, version, current, o);
  }
  // arn:<partition>:lambda:<region>:<account>:function:<name>
  const arnParts = change.arn.split(':');
  const partition = arnParts[1] || 'aws';
  const account = arnParts[4] ?? '';
  const aliasArn = `${arnParts.slice(0, 7).join(':')}:${o.alias}`;
  const endpoint = await wireTrigger(clients, plan, { name: plan.name, alias: o.alias, arn: aliasArn, region: o.region, account, partition, pacing: o.pacing, progress: o.progress });
  return { name: plan.name, kind: plan.kind, action: change.action, codeSha256: artifact.codeSha256, bytes: artifact.zip.byteLength, version, alias: o.alias, trigger: describeTrigger(plan), endpoint, ignoredEnv: config.ignoredEnv, nodeOptions: config.env['NODE_OPTIONS'] };
}

export interface RollbackOptions extends CallOptions {
  /** The function to roll back. */
  function: string;
  region?: string | undefined;
  alias?: string | undefined;
  /** The version to move the alias to. Default: the highest published version below the current one. */
  to?: string | undefined;
}

/**
 * Moves the alias back to the previous published version (or to `to`). Triggers follow, since they
 * are wired to the alias.
 *
 * @example
 * await rollback({ function: 'api', region: 'eu-west-1' })
 */
export async function rollback(options: RollbackOptions): Promise<{ function: string; alias: string; from: string; to: string }> {
  const progress = options.onProgress ?? (() => {});
  const checked = checkOptions({ ...options, region: checkRegion(await regionOf(options)), createRole: true }, options.env ?? process.env);
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(options.function ?? '')) throw new DeployOptionError('function', `${JSON.stringify(options.function)} is not a Lambda function name`);
  if (options.to !== undefined && !/^\d+$/.test(options.to)) throw new DeployOptionError('to', 'must be a published version number');
  const pacing: Pacing = { ...DEFAULT_PACING, ...options.pacing };
  const clients = createClients({ region: checked.region, endpoint: options.endpoint, credentials: options.credentials, retryStrategy: new DeployRetryStrategy(pacing.retries, pacing.retryDelayMs, progress) });
  try {
    const name = options.function;
    const from = await getAliasVersion(clients.lambda, name, checked.alias);
    if (!from) throw new DeployOptionError('function', `${name} has no alias ${checked.alias}; deploy it first`);
    const to = options.to ?? String((await listVersions(clients.lambda, name)).find((v) => v < Number(from)) ?? '');
    if (!to) throw new DeployOptionError('function', `${name} has no version before ${from} to roll back to`);
    if (options.dryRun) {
      progress(`${name}: would move alias ${checked.alias} ${from} -> ${to}`);
      return { function: name, alias: checked.alias, from, to };
    }
    await waitUntilReady(clients.lambda, name, pacing);
    await moveAlias(clients.lambda, name, checked.alias, to, from, { pacing, progress });
    return { function: name, alias: checked.alias, from, to };
  } catch (error) {
    throw credentialsOr(error);
  } finally {
    destroyClients(clients);
  }
}
