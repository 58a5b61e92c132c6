// A case process for Azure Functions: a bundled module registers its function with app.*, and each
// invocation goes through @azure/functions' own pipeline as the Node worker runs it (the test host's
// getArguments, invokeFunction, getResponse), from RPC data decoded afresh for every invocation.
//
// The host comes from @onefn/azure's sources rather than `@onefn/azure/testing`, whose entry loads a
// second copy of @azure/functions (and with it undici) before the function under test: a fresh process
// must reach its first invocation with nothing loaded that the real worker would not have loaded.
import { azureHost, type HostInvocation, type RpcHttpCookie, type RpcTypedData } from '../../adapters/azure/src/testing/host.js';
import { checkHttp, checkResult } from './check.js';
import { coldSample, serve, type Runner } from './loop.js';
import { nowMs, type Expectation, type HttpAnswer } from './protocol.js';

export interface AzureSpec {
  readonly mode: 'serve' | 'cold';
  /** The bundled module that registers the function (the app's dist/index.mjs, or a native one). */
  readonly module: string;
  readonly name: string;
  /**
   * The trigger's RPC data ({ data, triggerMetadata }) as JSON, with an HTTP body's bytes in base64:
   * the worker decodes the host's message into fresh objects for every invocation.
   */
  readonly trigger: string;
  readonly expect: Expectation;
}

const spec = JSON.parse(process.argv[2] as string) as AzureSpec;
const host = azureHost();

function decodeTrigger(): { data: RpcTypedData; triggerMetadata?: Record<string, RpcTypedData> } {
  const trigger = JSON.parse(spec.trigger) as { data: RpcTypedData & { http?: { body?: { bytes?: unknown } } }; triggerMetadata?: Record<string, RpcTypedData> };
  const body = trigger.data.http?.body;
  if (body && typeof body.bytes === 'string') body.bytes = Buffer.from(body.bytes, 'base64');
  return trigger;
}

function cookieText(c: RpcHttpCookie): string {
  let out = `${c.name ?? ''}=${c.value ?? ''}`;
  if (c.domain?.value) out += `; Domain=${c.domain.value}`;
  if (c.path?.value) out += `; Path=${c.path.value}`;
  if (c.secure?.value) out += '; Secure';
  if (c.httpOnly?.value) out += '; HttpOnly';
  if (c.sameSite && c.sameSite !== 'None' && c.sameSite !== 'none') out += `; SameSite=${c.sameSite}`;
  return out;
}

function answerOf(invocation: HostInvocation): HttpAnswer | string {
  if (invocation.status !== 'success') return `the invocation failed: ${invocation.error instanceof Error ? invocation.error.message : String(invocation.error)}`;
  const http = invocation.response.returnValue?.http;
  if (!http) return 'no HTTP response';
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(http.headers ?? {})) headers[k.toLowerCase()] = v;
  const b = http.body;
  const body = b?.bytes ? Buffer.from(b.bytes).toString('utf8') : (b?.string ?? b?.json ?? '');
  const setCookies = (http.cookies ?? []).map(cookieText);
  if (headers['set-cookie']) setCookies.push(headers['set-cookie']);
  return { status: Number(http.statusCode ?? 200), body, headers, setCookies };
}

function verdict(result: unknown): string | undefined {
  const invocation = result as HostInvocation;
  if (spec.expect.status === undefined) return invocation.status === 'success' ? checkResult(undefined, spec.expect) : `the invocation failed: ${String(invocation.status === 'failure' ? invocation.error : '')}`;
  const answer = answerOf(invocation);
  return typeof answer === 'string' ? answer : checkHttp(answer, spec.expect);
}

const load = async (): Promise<void> => void (await import(`file://${spec.module}`));
const runner = (): Runner => {
  const logs = host.logs as unknown[];
  return {
    run: () => {
      // The host keeps every log line; a long run must not grow the heap the GC mode measures.
      if (logs.length > 1000) logs.length = 0;
      return host.invoke(spec.name, decodeTrigger());
    },
    verdict,
  };
};

/**
 * The first invocation, with the registered handler timed from the pipeline's call to its promise
 * settling: the function's own part (the library's conversion of the RPC data is the rest).
 */
function firstRunner(): Runner {
  const registration = host.registrations.get(spec.name) as { callback: (...args: unknown[]) => unknown } | undefined;
  if (!registration) throw new Error(`no function ${spec.name} is registered`);
  const callback = registration.callback;
  let fnMs: number | undefined;
  registration.callback = async (...args: unknown[]) => {
    const t = nowMs();
    try {
      return await callback(...args);
    } finally {
      fnMs ??= nowMs() - t;
    }
  };
  return { ...runner(), fnMs: () => fnMs };
}

if (spec.mode === 'cold') await coldSample(load, async () => firstRunner(), spec.expect);
else {
  await load();
  serve(runner(), spec.expect);
}
