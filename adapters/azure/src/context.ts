import type { InvocationContext } from '@azure/functions';
import type { Context, LogEntry } from 'onefn';
import { createContext, type ResourceDriverSource } from 'onefn/runtime';

/**
 * Sends onefn log entries to the invocation's own logger, so that the host tags them with the
 * invocation id and they reach Application Insights at the right severity, each as one JSON object
 * (`{"message":"order placed","orderId":42}`) whose fields stay data.
 *
 * Why one JSON string: @azure/functions joins a log call's arguments with util.format before it hands
 * them to the worker (InvocationModel#log), so an object argument arrives as inspected text
 * (`order placed { orderId: 42 }`). The host then logs the RpcLog's message string as the ILogger
 * state and reads its properties only for custom metrics (azure-functions-host,
 * src/WebJobs.Script.Grpc/Channel/GrpcWorkerChannel.cs, `Log`), so Application Insights keeps that
 * string as the trace's `message` and nothing of the call in customDimensions; the library's
 * maintainers point to the applicationinsights SDK for custom properties
 * (https://github.com/Azure/azure-functions-nodejs-library/issues/227). A JSON message is what
 * survives that path intact: `traces | extend e = parse_json(message)` reads the fields back.
 * The request id is left out of the fields when it is the invocation id, which the host records on
 * every line already; a level and a time are the host's too.
 */
export function logSinkFor(context: InvocationContext, invocationId: string): (entry: LogEntry) => void {
  return (entry) => {
    const out: Record<string, unknown> = { message: entry.message };
    const fields = entry.fields;
    for (const key in fields) if (key !== 'requestId' || fields[key] !== invocationId) out[key] = fields[key];
    let text: string;
    try {
      text = JSON.stringify(out);
    } catch {
      // A field that cannot be serialized (a cycle, a BigInt) must not lose the entry.
      text = JSON.stringify({ message: entry.message, note: 'fields could not be serialized' });
    }
    // onefn's levels (debug, info, warn, error) are the names of the context's own methods.
    context[entry.level](text);
  };
}

/**
 * The portable context for one invocation: `invocationId` as the request id, the function's name,
 * and a deadline of the invocation's start plus the app's function timeout (the host stops a run
 * that outlives host.json `functionTimeout`; `ctx.signal` aborts shortly before).
 */
export function contextFor(context: InvocationContext, event: unknown, timeoutSeconds: number, resources?: ResourceDriverSource): Context {
  const invocationId = context.invocationId;
  return createContext({
    requestId: invocationId,
    functionName: context.functionName,
    provider: 'azure',
    deadline: Date.now() + timeoutSeconds * 1000,
    logSink: logSinkFor(context, invocationId),
    native: { provider: 'azure', event, context },
    resources,
  });
}
