import type { InvocationContext } from '@azure/functions';
import type { Context, LogEntry } from 'onefn';
import { createContext } from 'onefn/runtime';

/**
 * Sends onefn log entries to the invocation's own logger, so that the host tags them with the
 * invocation id and they reach Application Insights at the right severity. Fields travel as a second
 * argument (the worker formats it next to the message); the request id is left out of them because
 * the host already records the invocation id on every line.
 */
export function logSinkFor(context: InvocationContext, invocationId: string): (entry: LogEntry) => void {
  return (entry) => {
    let fields = entry.fields;
    if (fields['requestId'] === invocationId) {
      const { requestId: _omit, ...rest } = fields;
      fields = rest;
    }
    const hasFields = Object.keys(fields).length > 0;
    switch (entry.level) {
      case 'debug':
        return hasFields ? context.debug(entry.message, fields) : context.debug(entry.message);
      case 'info':
        return hasFields ? context.info(entry.message, fields) : context.info(entry.message);
      case 'warn':
        return hasFields ? context.warn(entry.message, fields) : context.warn(entry.message);
      case 'error':
        return hasFields ? context.error(entry.message, fields) : context.error(entry.message);
    }
  };
}

/**
 * The portable context for one invocation: `invocationId` as the request id, the function's name,
 * and a deadline of the invocation's start plus the app's function timeout (the host stops a run
 * that outlives host.json `functionTimeout`; `ctx.signal` aborts shortly before).
 */
export function contextFor(context: InvocationContext, event: unknown, timeoutSeconds: number): Context {
  const invocationId = context.invocationId;
  return createContext({
    requestId: invocationId,
    functionName: context.functionName,
    provider: 'azure',
    deadline: Date.now() + timeoutSeconds * 1000,
    logSink: logSinkFor(context, invocationId),
    native: { provider: 'azure', event, context },
  });
}
