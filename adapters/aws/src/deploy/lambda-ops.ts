import {
  CreateAliasCommand, CreateFunctionCommand, GetAliasCommand, GetFunctionCommand, ListVersionsByFunctionCommand, PublishVersionCommand,
  TagResourceCommand, UpdateAliasCommand, UpdateFunctionCodeCommand, UpdateFunctionConfigurationCommand, waitUntilFunctionActiveV2,
  waitUntilFunctionUpdatedV2, waitUntilPublishedVersionActive, type FunctionConfiguration, type LambdaClient,
} from '@aws-sdk/client-lambda';
import type { LambdaArtifact } from './build.js';
import { errorName } from './clients.js';
import { AwsDeployError } from './errors.js';
import { isOwned, ownedTags } from './names.js';
import type { FunctionConfig } from './options.js';

/** Timing knobs; tests shorten them. */
export interface Pacing {
  /** First retry delay for ResourceConflictException and throttling; doubles each time. Default 1000 ms. */
  retryDelayMs: number;
  retries: number;
  /** The shortest wait between a waiter's polls (the SDK waiter's minDelay). Default 1000 ms. */
  pollMs: number;
  /** Give up waiting for a function to settle after this long (the waiter's maxWaitTime). Default 300,000 ms. */
  maxWaitMs: number;
}

export const DEFAULT_PACING: Pacing = { retryDelayMs: 1000, retries: 6, pollMs: 1000, maxWaitMs: 300_000 };

type Waiter = typeof waitUntilFunctionUpdatedV2;

/** What a waiter's failure says: the function's own reason when the waiter saw one. */
function waiterFailure(name: string, what: string, error: unknown): AwsDeployError {
  const text = String((error as Error)?.message ?? '');
  if ((error as Error)?.name === 'TimeoutError') return new AwsDeployError('DEPLOY_TIMEOUT', `${name} did not become ${what} in time`, { cause: error });
  let reason: string | undefined;
  try {
    // The SDK's waiter error carries its last result as JSON: { state, reason: <the last response> }.
    const result = JSON.parse(text) as { reason?: { Configuration?: FunctionConfiguration } & FunctionConfiguration };
    const config = result.reason?.Configuration ?? result.reason;
    reason = config?.LastUpdateStatusReason ?? config?.StateReason;
  } catch {
    reason = undefined;
  }
  return new AwsDeployError('DEPLOY_FAILED', `${name} failed to become ${what}: ${reason ?? 'no reason given'}`, { cause: error });
}

async function waitFor(waiter: Waiter, lambda: LambdaClient, pacing: Pacing, input: { FunctionName: string; Qualifier?: string }, what: string): Promise<void> {
  const minDelay = Math.max(pacing.pollMs, 1) / 1000;
  try {
    await waiter({ client: lambda, minDelay, maxDelay: Math.max(minDelay, 10), maxWaitTime: Math.max(pacing.maxWaitMs / 1000, minDelay * 2) }, input);
  } catch (error) {
    throw waiterFailure(input.FunctionName, what, error);
  }
}

/**
 * Waits, with the SDK's waiters, until the function is Active and no update is in progress (Lambda
 * refuses changes meanwhile): FunctionActiveV2, then FunctionUpdatedV2.
 */
export async function waitUntilReady(lambda: LambdaClient, name: string, pacing: Pacing): Promise<void> {
  await waitFor(waitUntilFunctionActiveV2, lambda, pacing, { FunctionName: name }, 'active');
  await waitFor(waitUntilFunctionUpdatedV2, lambda, pacing, { FunctionName: name }, 'updated');
}

/** Waits until a function just updated has finished updating. */
export async function waitUntilUpdated(lambda: LambdaClient, name: string, pacing: Pacing): Promise<void> {
  await waitFor(waitUntilFunctionUpdatedV2, lambda, pacing, { FunctionName: name }, 'updated');
}

/** The function's configuration and tags, or undefined when there is none of that name. */
export async function getFunction(lambda: LambdaClient, name: string): Promise<(FunctionConfiguration & { Tags?: Record<string, string> }) | undefined> {
  try {
    const found = await lambda.send(new GetFunctionCommand({ FunctionName: name }));
    return found.Configuration ? { ...found.Configuration, ...(found.Tags ? { Tags: found.Tags } : {}) } : undefined;
  } catch (error) {
    if (errorName(error) === 'ResourceNotFoundException') return undefined;
    throw error;
  }
}

function sameEnv(a: Record<string, string> | undefined, b: Record<string, string>): boolean {
  const ak = Object.keys(a ?? {}).sort();
  const bk = Object.keys(b).sort();
  return ak.length === bk.length && ak.every((k, i) => k === bk[i] && a?.[k] === b[k]);
}

export interface FunctionChange {
  readonly action: 'created' | 'updated' | 'unchanged';
  readonly arn: string;
  readonly codeChanged: boolean;
  readonly configChanged: boolean;
}

export interface EnsureInput {
  artifact: LambdaArtifact;
  config: FunctionConfig;
  role: string;
  pacing: Pacing;
  progress: (line: string) => void;
}

/** Creates the function, or updates its code and then its configuration, waiting after each step. */
export async function ensureFunction(lambda: LambdaClient, existing: (FunctionConfiguration & { Tags?: Record<string, string> }) | undefined, input: EnsureInput): Promise<FunctionChange> {
  const { artifact, config, role, pacing, progress } = input;
  const name = config.name;
  const settings = {
    Role: role,
    Runtime: artifact.runtime,
    Handler: artifact.handler,
    MemorySize: config.memory,
    Timeout: config.timeout,
    Environment: { Variables: config.env },
  };
  if (!existing) {
    progress(`${name}: creating function (${artifact.runtime}, ${config.memory} MB, ${config.timeout} s)`);
    // Tagged at creation: destroy removes only functions that carry onefn's tags.
    const created = await lambda.send(new CreateFunctionCommand({ FunctionName: name, Code: { ZipFile: artifact.zip }, PackageType: 'Zip', Publish: false, Tags: ownedTags(name), ...settings }));
    await waitUntilReady(lambda, name, pacing);
    return { action: 'created', arn: created.FunctionArn ?? '', codeChanged: true, configChanged: true };
  }
  if (!isOwned(existing.Tags, name) && existing.FunctionArn) {
    // A function deployed before onefn tagged them (or one onefn now takes over): from here on it is onefn's.
    await lambda.send(new TagResourceCommand({ Resource: existing.FunctionArn, Tags: ownedTags(name) }));
    progress(`${name}: tagged as deployed by onefn`);
  }
  const codeChanged = existing.CodeSha256 !== artifact.codeSha256;
  const configChanged =
    existing.Role !== role ||
    existing.Runtime !== artifact.runtime ||
    existing.Handler !== artifact.handler ||
    existing.MemorySize !== config.memory ||
    existing.Timeout !== config.timeout ||
    !sameEnv(existing.Environment?.Variables, config.env);
  if (codeChanged) {
    await waitUntilReady(lambda, name, pacing);
    progress(`${name}: updating code (${artifact.codeSha256})`);
    await lambda.send(new UpdateFunctionCodeCommand({ FunctionName: name, ZipFile: artifact.zip }));
    await waitUntilUpdated(lambda, name, pacing);
  }
  if (configChanged) {
    if (!codeChanged) await waitUntilReady(lambda, name, pacing);
    progress(`${name}: updating configuration`);
    await lambda.send(new UpdateFunctionConfigurationCommand({ FunctionName: name, ...settings }));
    await waitUntilUpdated(lambda, name, pacing);
  }
  const action = codeChanged || configChanged ? 'updated' : 'unchanged';
  if (action === 'unchanged') progress(`${name}: code and configuration unchanged`);
  return { action, arn: existing.FunctionArn ?? '', codeChanged, configChanged };
}

export async function getAliasVersion(lambda: LambdaClient, name: string, alias: string): Promise<string | undefined> {
  try {
    return (await lambda.send(new GetAliasCommand({ FunctionName: name, Name: alias }))).FunctionVersion;
  } catch (error) {
    if (errorName(error) === 'ResourceNotFoundException') return undefined;
    throw error;
  }
}

/** Publishes a version of what is deployed (pinned to its CodeSha256) and returns its number. */
export async function publish(lambda: LambdaClient, name: string, codeSha256: string, input: Pick<EnsureInput, 'pacing' | 'progress'>): Promise<string> {
  const published = await lambda.send(new PublishVersionCommand({ FunctionName: name, CodeSha256: codeSha256 }));
  if (!published.Version) throw new AwsDeployError('DEPLOY_FAILED', `${name}: PublishVersion returned no version`);
  // A new version starts Pending; an alias moved to it before it is Active answers with errors meanwhile.
  await waitFor(waitUntilPublishedVersionActive, lambda, input.pacing, { FunctionName: name, Qualifier: published.Version }, `active as version ${published.Version}`);
  input.progress(`${name}: published version ${published.Version}`);
  return published.Version;
}

/** Points the alias at `version`, creating it the first time. */
export async function moveAlias(lambda: LambdaClient, name: string, alias: string, version: string, current: string | undefined, input: Pick<EnsureInput, 'pacing' | 'progress'>): Promise<void> {
  if (current === version) return;
  if (current === undefined) {
    await lambda.send(new CreateAliasCommand({ FunctionName: name, Name: alias, FunctionVersion: version }));
    input.progress(`${name}: alias ${alias} -> ${version}`);
    return;
  }
  await lambda.send(new UpdateAliasCommand({ FunctionName: name, Name: alias, FunctionVersion: version }));
  input.progress(`${name}: alias ${alias} ${current} -> ${version}`);
}

/** Published version numbers, highest first. */
export async function listVersions(lambda: LambdaClient, name: string): Promise<number[]> {
  const versions: number[] = [];
  let marker: string | undefined;
  do {
    const page = await lambda.send(new ListVersionsByFunctionCommand({ FunctionName: name, Marker: marker }));
    for (const v of page.Versions ?? []) if (v.Version && /^\d+$/.test(v.Version)) versions.push(Number(v.Version));
    marker = page.NextMarker;
  } while (marker);
  return versions.sort((a, b) => b - a);
}
