import type { Context, LogEntry, LogSink, Native } from 'onefn';
import type { ResourceDriverSource } from 'onefn/runtime';
import { createContext } from 'onefn/runtime';
import type { LambdaContext } from './native.js';

const LEVELS = { debug: 'DEBUG', info: 'INFO', warn: 'WARN', error: 'ERROR' } as const;
const RESERVED = new Set(['timestamp', 'level', 'requestId', 'message']);

/**
 * One JSON line per entry in the shape of Lambda's JSON log format (timestamp, upper-case level,
 * requestId, message), then the entry's fields, so CloudWatch's JSON filters and Logs Insights read
 * it like the runtime's own lines.
 * https://docs.aws.amazon.com/lambda/latest/dg/monitoring-cloudwatchlogs-advanced.html
 */
export const lambdaLogSink: LogSink = (entry: LogEntry) => {
  const line: Record<string, unknown> = {
    timestamp: new Date(entry.time).toISOString(),
    level: LEVELS[entry.level],
    requestId: entry.fields['requestId'],
    message: entry.message,
  };
  for (const key in entry.fields) if (!RESERVED.has(key)) line[key] = entry.fields[key];
  process.stdout.write(JSON.stringify(line) + '\n');
};

/** The portable context for one invocation: request id, function name, and the deadline Lambda gives. */
export function fromLambdaContext(native: Native, context: LambdaContext | undefined, logSink: LogSink = lambdaLogSink, resources?: ResourceDriverSource): Context {
  // Read when first needed: now + remaining is the same instant whenever it is computed, and most
  // invocations never ask (two clock reads per call are measurable on the hot path).
  const deadline =
    typeof context?.getRemainingTimeInMillis === 'function'
      ? (): number | undefined => {
          const remaining = context.getRemainingTimeInMillis();
          return Number.isFinite(remaining) ? Date.now() + remaining : undefined;
        }
      : undefined;
  return createContext({
    requestId: typeof context?.awsRequestId === 'string' ? context.awsRequestId : undefined,
    functionName: typeof context?.functionName === 'string' ? context.functionName : process.env['AWS_LAMBDA_FUNCTION_NAME'],
    provider: 'aws',
    deadline,
    logSink,
    native,
    resources,
  });
}
