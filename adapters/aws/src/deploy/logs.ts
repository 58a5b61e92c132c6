import { parseDuration, type LogLine } from 'onefn/cli';
import { DeployOptionError } from 'onefn/build';
import { errorName, quietSdkBanner } from './clients.js';
import { AwsDeployError, optionalSdk } from './errors.js';
import { parseLambdaLog } from './log-lines.js';
import type { CallOptions } from './deploy.js';
import { credentialsOr, regionOf } from './calls.js';
import { checkRegion, FUNCTION_NAME } from './options.js';

export interface LogsOptions extends Omit<CallOptions, 'dryRun' | 'pacing'> {
  /** The function's name as Lambda knows it (the stage suffix included). */
  function: string;
  region?: string | undefined;
  /** How far back: `30s`, `15m`, `2h`, `1d` (default `1h`; at most 30 days). */
  since?: string | undefined;
  /** The most recent lines to keep (default 100, at most 10,000). */
  limit?: number | undefined;
  /** The clock, for `since` (tests). Default Date.now. */
  now?: (() => number) | undefined;
}

export interface LogsResult {
  readonly function: string;
  readonly region: string;
  readonly logGroup: string;
  /** Oldest first; the most recent `limit` of the window. */
  readonly lines: readonly LogLine[];
  /** The window's start, ISO 8601. */
  readonly since: string;
  /** True when the window held more lines than `limit` (the oldest were left out). */
  readonly truncated: boolean;
}

export const LOG_LIMIT = { default: 100, max: 10_000 } as const;
// FilterLogEvents answers at most 10,000 events a page; a window is read to its end, up to this many pages.
const MAX_PAGES = 200;

/**
 * `15m` -> 900000. A whole number and one unit (s, m, h, d), up to 30 days.
 *
 * @example
 * durationMs('2h') // 7200000
 */
export function durationMs(text: string): number {
  const ms = parseDuration(text);
  if (ms === undefined) throw new DeployOptionError('since', `takes a duration such as 30s, 15m, 2h or 1d, up to 30d; got ${JSON.stringify(text.slice(0, 40))}`);
  return ms;
}

/**
 * The function's recent log lines from CloudWatch Logs: FilterLogEvents on its log group (the one its
 * logging configuration names, else `/aws/lambda/<name>`), every page of the window, keeping the most
 * recent `limit`. A function that has not logged yet (no log group) has no lines.
 *
 * @example
 * const { lines } = await logs({ function: 'api', region: 'eu-west-1', since: '15m' })
 * for (const line of lines) console.log(formatLogLine(line))
 */
export async function logs(options: LogsOptions): Promise<LogsResult> {
  const name = options.function;
  if (!FUNCTION_NAME.test(name ?? '')) throw new DeployOptionError('function', `${JSON.stringify(String(name).slice(0, 80))} is not a Lambda function name`);
  const sinceMs = durationMs(options.since ?? '1h');
  const limit = options.limit ?? LOG_LIMIT.default;
  if (!Number.isInteger(limit) || limit < 1 || limit > LOG_LIMIT.max) throw new DeployOptionError('limit', `must be a whole number from 1 to ${LOG_LIMIT.max}, got ${String(limit)}`);
  const region = checkRegion(await regionOf(options));
  const startTime = (options.now ?? Date.now)() - sinceMs;

  quietSdkBanner();
  const { CloudWatchLogsClient, FilterLogEventsCommand } = await optionalSdk('@aws-sdk/client-cloudwatch-logs', () => import('@aws-sdk/client-cloudwatch-logs'));
  const { LambdaClient, GetFunctionConfigurationCommand } = await import('@aws-sdk/client-lambda');
  const config = { region, ...(options.endpoint ? { endpoint: options.endpoint } : {}), ...(options.credentials ? { credentials: options.credentials } : {}) };
  const lambda = new LambdaClient(config);
  const cwl = new CloudWatchLogsClient(config);
  try {
    let logGroup: string;
    try {
      const fn = await lambda.send(new GetFunctionConfigurationCommand({ FunctionName: name }));
      logGroup = fn.LoggingConfig?.LogGroup ?? `/aws/lambda/${name}`;
    } catch (error) {
      if (errorName(error) === 'ResourceNotFoundException') throw new AwsDeployError('NOT_FOUND', `no function ${name} in ${region}`, { cause: error });
      throw error;
    }
    // A ring of the most recent `limit` events: pages come oldest first.
    const kept: LogLine[] = [];
    let seen = 0;
    let nextToken: string | undefined;
    let pages = 0;
    try {
      do {
        const page = await cwl.send(new FilterLogEventsCommand({ logGroupName: logGroup, startTime, nextToken, limit: Math.min(10_000, Math.max(limit, 100)) }));
        for (const event of page.events ?? []) {
          kept.push(parseLambdaLog(event));
          seen++;
          if (kept.length > limit) kept.shift();
        }
        nextToken = page.nextToken;
        pages++;
      } while (nextToken && pages < MAX_PAGES);
    } catch (error) {
      if (errorName(error) !== 'ResourceNotFoundException') throw error;
      // The group appears with the first line the function writes.
    }
    // Events of several streams interleave; the sort is stable, so equal times keep their order.
    kept.sort((a, b) => (a.time < b.time ? -1 : a.time > b.time ? 1 : 0));
    return { function: name, region, logGroup, lines: kept, since: new Date(startTime).toISOString(), truncated: seen > limit || !!nextToken };
  } catch (error) {
    throw credentialsOr(error);
  } finally {
    lambda.destroy();
    cwl.destroy();
  }
}
