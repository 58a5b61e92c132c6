import { resolve } from 'node:path';
import { MalformedEventError, OnefnError } from 'onefn';
import { loadModule } from 'onefn/build';
import { readEventFile, stringOption, UsageError, type CliArgs, type CliIO } from 'onefn/cli';
import type { AzureTriggerKind } from '../bindings.js';
import { serve } from '../index.js';
import {
  azureHost, rpcBlob, rpcEventGrid, rpcFromHostPayload, rpcHttp, rpcQueueMessage, rpcServiceBusMessage, rpcTimer,
  type RpcBlobOptions, type RpcHttpOptions, type RpcQueueOptions, type RpcServiceBusOptions, type RpcTrigger,
} from '../testing/index.js';

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * The `--event` file. One of:
 * - `{ "http": { "method", "url", "headers", "body" } }`: an HTTP request (`body` text, or JSON sent as JSON);
 * - `{ "queue": { "body", "id", "dequeueCount" } }`, `{ "serviceBus": { "body", "messageId", ... } }`;
 * - `{ "timer": { "isPastDue", "scheduleStatus" } }` (the host's timer object, either casing);
 * - `{ "eventGrid": <event or array> }` in the Event Grid or CloudEvents schema;
 * - `{ "blob": { "container", "name", "content" } }`;
 * - a host payload `{ "Data": { ... }, "Metadata": { ... } }`, as in the custom-handler docs.
 * Returns the RPC trigger and the trigger kinds it fits.
 */
export function parseAzureEvent(value: unknown): { trigger: RpcTrigger; kinds: readonly AzureTriggerKind[] } {
  if (!isObject(value)) throw new MalformedEventError('the event file must hold a JSON object');
  if ('Data' in value) {
    const trigger = rpcFromHostPayload(value);
    return { trigger, kinds: trigger.data.http ? ['http'] : ['storageQueue', 'serviceBusQueue', 'serviceBusTopic', 'timer', 'eventGrid', 'storageBlob'] };
  }
  const keys = Object.keys(value);
  if (keys.length !== 1) throw new MalformedEventError(`the event file must have one key of http, queue, serviceBus, timer, eventGrid, blob or Data; got ${keys.join(', ') || 'none'}`);
  const body = value[keys[0] as string];
  switch (keys[0]) {
    case 'http': {
      if (!isObject(body)) throw new MalformedEventError('"http" must be an object');
      const b = body['body'];
      const options = { ...body, body: b === undefined || typeof b === 'string' ? b : JSON.stringify(b) } as RpcHttpOptions;
      return { trigger: rpcHttp(options), kinds: ['http'] };
    }
    case 'queue':
      return { trigger: rpcQueueMessage((isObject(body) ? body : {}) as RpcQueueOptions), kinds: ['storageQueue'] };
    case 'serviceBus':
      return { trigger: rpcServiceBusMessage((isObject(body) ? body : {}) as RpcServiceBusOptions), kinds: ['serviceBusQueue', 'serviceBusTopic'] };
    case 'timer':
      return { trigger: rpcTimer(body ?? {}), kinds: ['timer'] };
    case 'eventGrid':
      return { trigger: rpcEventGrid(body), kinds: ['eventGrid'] };
    case 'blob':
      if (!isObject(body) || typeof body['container'] !== 'string' || typeof body['name'] !== 'string') throw new MalformedEventError('"blob" needs a container and a name');
      return { trigger: rpcBlob(body as unknown as RpcBlobOptions), kinds: ['storageBlob'] };
    default:
      throw new MalformedEventError(`unknown event form "${keys[0]}"; use http, queue, serviceBus, timer, eventGrid, blob or a host payload with Data`);
  }
}

const option = stringOption;

/**
 * `onefn invoke azure <entry> --event <file.json> [--function <name>]`: registers the module's
 * functions with @azure/functions (through the test host that plays the worker), invokes the one the
 * event fits, and prints the result as JSON. Exit 0 when the adapter gave a result (any HTTP status,
 * or a handler's failure, which the host would retry), 1 when the input was bad.
 */
export async function invoke(args: CliArgs, io: CliIO): Promise<number> {
  const entry = args.positionals[0];
  if (!entry) throw new UsageError('onefn invoke azure needs an entry module (or "entry" in the config)');
  const json = await readEventFile(args, io);
  const { trigger, kinds } = parseAzureEvent(json);
  const host = azureHost();
  host.reset();
  const specs = serve(await loadModule(resolve(io.cwd, entry)));
  const name = option(args, 'function');
  const candidates = specs.filter((s) => (name ? s.name === name : kinds.includes(s.trigger.kind)));
  if (candidates.length !== 1) {
    throw new UsageError(
      name ? `no function named "${name}"; functions: ${specs.map((s) => s.name).join(', ')}` : candidates.length ? `several functions take this event (${candidates.map((s) => s.name).join(', ')}); choose one with --function` : `no function takes this event; functions: ${specs.map((s) => `${s.name} (${s.trigger.kind})`).join(', ')}`,
    );
  }
  const spec = candidates[0] as (typeof specs)[number];
  const result = await host.invoke(spec.name, trigger);
  for (const log of result.logs) if (log.category === 'user') io.stderr(`[${log.level}] ${log.message}\n`);
  if (result.status === 'failure') {
    const error = result.error as { code?: string; message?: string };
    // A handler that failed is a result (the host would retry the message), as a 5xx is for HTTP:
    // exit 0 with the outcome printed. Input the adapter could not read is the caller's error: exit 1.
    if (error.code === 'EVENT_FAILED') {
      io.stdout(JSON.stringify({ function: spec.name, status: 'failed', error: { code: error.code, message: error.message } }, null, 2) + '\n');
      return 0;
    }
    throw new OnefnError(error.code ?? 'INVOCATION_FAILED', error.message ?? String(result.error));
  }
  const ret = result.response.returnValue;
  let output: unknown;
  if (ret?.http) {
    const http = ret.http;
    const bytes = http.body?.bytes;
    const body = bytes ? Buffer.from(bytes) : undefined;
    const type = http.headers?.['content-type'] ?? '';
    output = { status: Number(http.statusCode), headers: http.headers, cookies: http.cookies, ...(body && (/^text\/|json|xml/.test(type) ? { body: body.toString('utf8') } : { bodyBase64: body.toString('base64') })) };
  } else output = ret?.json ? JSON.parse(ret.json) : null;
  io.stdout(JSON.stringify({ function: spec.name, status: 'ok', result: output }, null, 2) + '\n');
  return 0;
}
