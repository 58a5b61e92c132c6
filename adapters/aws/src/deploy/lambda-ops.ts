import {
  CreateAliasCommand, CreateFunctionCommand, GetAliasCommand, GetFunctionCommand, GetFunctionConfigurationCommand,
  ListVersionsByFunctionCommand, PublishVersionCommand, UpdateAliasCommand, UpdateFunctionCodeCommand,
  UpdateFunctionConfigurationCommand, type FunctionConfiguration, type LambdaClient,
} from '@aws-sdk/client-lambda';
import { OnefnError } from 'onefn';
import type { LambdaArtifact } from './build.js';
import { errorName } from './clients.js';
import type { FunctionConfig } from './options.js';

/** Timing knobs; tests shorten them. */
export interface Pacing {
  /** First retry delay for ResourceConflictException; doubles each time. Default 1000 ms. */
  retryDelayMs: number;
  retries: number;
  /** Between polls while an update is in progress. Default 1000 ms. */
  pollMs: number;
  /** Give up waiting after this many polls. */
  maxPolls: number;
}

export const DEFAULT_PACING: Pacing = { retryDelayMs: 1000, retries: 6, pollMs: 1000, maxPolls: 300 };

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

// A function mid-update answers ResourceConflictException; a role just created is not yet assumable
// (InvalidParameterValueException naming the role). Both pass with time.
function retryable(error: unknown): boolean {
  const name = errorName(error);
  if (name === 'ResourceConflictException' || name === 'TooManyRequestsException') return true;
  return name === 'InvalidParameterValueException' && /role|assume/i.test((error as Error).message);
}

/** Runs `call`, retrying conflicts with exponential backoff. */
export async function withRetry<T>(pacing: Pacing, progress: (line: string) => void, what: string, call: () => Promise<T>): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await call();
    } catch (error) {
      if (!retryable(error) || attempt >= pacing.retries) throw error;
      const delay = pacing.retryDelayMs * 2 ** attempt;
      progress(`  ${what}: ${errorName(error)}, retrying in ${delay} ms`);
      await sleep(delay);
    }
  }
}

/** Waits until the function is Active and no update is in progress (Lambda refuses changes meanwhile). */
export async function waitUntilReady(lambda: LambdaClient, name: string, pacing: Pacing): Promise<FunctionConfiguration> {
  for (let poll = 0; poll < pacing.maxPolls; poll++) {
    const config = await lambda.send(new GetFunctionConfigurationCommand({ FunctionName: name }));
    if (config.State === 'Failed') throw new OnefnError('DEPLOY_FAILED', `${name} failed to start: ${config.StateReason ?? 'no reason given'}`);
    if (config.LastUpdateStatus === 'Failed') throw new OnefnError('DEPLOY_FAILED', `${name}'s update failed: ${config.LastUpdateStatusReason ?? 'no reason given'}`);
    if (config.State !== 'Pending' && config.LastUpdateStatus !== 'InProgress') return config;
    await sleep(pacing.pollMs);
  }
  throw new OnefnError('DEPLOY_TIMEOUT', `${name} did not become ready`);
}

export async function getFunction(lambda: LambdaClient, name: string): Promise<FunctionConfiguration | undefined> {
  try {
    return (await lambda.send(new GetFunctionCommand({ FunctionName: name }))).Configuration;
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
export async function ensureFunction(lambda: LambdaClient, existing: FunctionConfiguration | undefined, input: EnsureInput): Promise<FunctionChange> {
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
    const created = await withRetry(pacing, progress, name, () =>
      lambda.send(new CreateFunctionCommand({ FunctionName: name, Code: { ZipFile: artifact.zip }, PackageType: 'Zip', Publish: false, ...settings })),
    );
    await waitUntilReady(lambda, name, pacing);
    return { action: 'created', arn: created.FunctionArn ?? '', codeChanged: true, configChanged: true };
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
    await withRetry(pacing, progress, name, () => lambda.send(new UpdateFunctionCodeCommand({ FunctionName: name, ZipFile: artifact.zip })));
    await waitUntilReady(lambda, name, pacing);
  }
  if (configChanged) {
    if (!codeChanged) await waitUntilReady(lambda, name, pacing);
    progress(`${name}: updating configuration`);
    await withRetry(pacing, progress, name, () => lambda.send(new UpdateFunctionConfigurationCommand({ FunctionName: name, ...settings })));
    await waitUntilReady(lambda, name, pacing);
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
  const published = await withRetry(input.pacing, input.progress, name, () => lambda.send(new PublishVersionCommand({ FunctionName: name, CodeSha256: codeSha256 })));
  if (!published.Version) throw new OnefnError('DEPLOY_FAILED', `${name}: PublishVersion returned no version`);
  input.progress(`${name}: published version ${published.Version}`);
  return published.Version;
}

/** Points the alias at `version`, creating it the first time. */
export async function moveAlias(lambda: LambdaClient, name: string, alias: string, version: string, current: string | undefined, input: Pick<EnsureInput, 'pacing' | 'progress'>): Promise<void> {
  if (current === version) return;
  if (current === undefined) {
    await withRetry(input.pacing, input.progress, name, () => lambda.send(new CreateAliasCommand({ FunctionName: name, Name: alias, FunctionVersion: version })));
    input.progress(`${name}: alias ${alias} -> ${version}`);
    return;
  }
  await withRetry(input.pacing, input.progress, name, () => lambda.send(new UpdateAliasCommand({ FunctionName: name, Name: alias, FunctionVersion: version })));
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
