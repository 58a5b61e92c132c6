import { bytesBase64 } from '../onefn/bytes.js';
import { createContext, disposeContext } from '../onefn/context.js';
import type { EventDefinition } from '../onefn/definition.js';
import type { BridgeEventItems, DevBridge } from '../dev/bridge.js';
import { createRequest } from '../onefn/http.js';
import type { LogSink } from '../onefn/logger.js';
import { planFunctions, type FunctionPlan } from '../runtime/plan.js';
import { createRouter } from '../runtime/router.js';
import { runEvents } from '../runtime/run-events.js';
import { bufferResponse } from '../onefn/stream.js';
import type { CheckCase, CheckRequest } from './check-inputs.js';
import { parsePortableInput } from './portable-input.js';
import { CheckError } from './check-error.js';

/** What one function answered to one input, in terms every provider shares. */
export type CheckAnswer =
  | {
      readonly kind: 'http';
      readonly status: number;
      /** Lower-case names; several values joined with ", "; transport headers left out (see IGNORED_HEADERS). */
      readonly headers: Readonly<Record<string, string>>;
      readonly cookies: readonly string[];
      /** The body as UTF-8 text, or base64 when it is not valid UTF-8. */
      readonly body: string;
      readonly bodyEncoding: 'utf8' | 'base64';
    }
  | { readonly kind: 'event'; readonly outcomes: ReadonlyArray<'ok' | 'failed'> }
  /** The adapter itself threw, or nothing came back in time: never the same as an answer. */
  | { readonly kind: 'error'; readonly error: string };

/**
 * Headers that say how the bytes travelled, not what the function answered: the providers' front ends
 * set or drop them on their own.
 */
export const IGNORED_HEADERS: ReadonlySet<string> = new Set(['date', 'content-length', 'connection', 'keep-alive', 'transfer-encoding', 'server', 'x-powered-by']);

/** One loaded copy of the module: each runner gets its own, so module state never leaks between them. */
export interface LoadedCopy {
  readonly plans: readonly FunctionPlan[];
}

export function loadedCopy(moduleNamespace: Record<string, unknown>): LoadedCopy {
  return { plans: planFunctions(moduleNamespace) };
}

export interface RunOptions {
  /** The most any one invocation is given, in ms (a definition's own timeout when lower). */
  readonly maxTimeoutMs: number;
  /** Where handler log entries go (kept, never printed, by the check). */
  readonly logSink: LogSink;
}

const DEFAULT_TIMEOUT_S = 60;
/** Beyond the function's timeout, how long to wait for the adapter's own answer before giving up. */
const GRACE_MS = 5_000;

function timeoutOf(plan: FunctionPlan, options: RunOptions): number {
  return Math.min((plan.settings.timeout ?? DEFAULT_TIMEOUT_S) * 1000, options.maxTimeoutMs);
}

/** Resolves with the work's answer, or with an error answer once `ms` have passed; never rejects. */
async function bounded(work: () => Promise<CheckAnswer>, ms: number): Promise<CheckAnswer> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<CheckAnswer>((done) => {
    timer = setTimeout(() => done({ kind: 'error', error: `no answer within ${Math.round(ms / 1000)} s` }), ms);
  });
  try {
    return await Promise.race([
      work().catch((error: unknown): CheckAnswer => ({ kind: 'error', error: `${(error as Error)?.name ?? 'Error'}: ${String((error as Error)?.message ?? error).split('\n')[0]}` })),
      late,
    ]);
  } finally {
    clearTimeout(timer);
  }
}

function textOrBase64(body: string | Uint8Array): { body: string; bodyEncoding: 'utf8' | 'base64' } {
  if (typeof body === 'string') return { body, bodyEncoding: 'utf8' };
  try {
    return { body: new TextDecoder('utf-8', { fatal: true }).decode(body), bodyEncoding: 'utf8' };
  } catch {
    return { body: bytesBase64(body), bodyEncoding: 'base64' };
  }
}

function httpAnswer(status: number, headers: Readonly<Record<string, string | readonly string[]>>, cookies: readonly string[], body: string | Uint8Array): CheckAnswer {
  const kept: Record<string, string> = Object.create(null) as Record<string, string>;
  for (const [name, value] of Object.entries(headers)) {
    const lower = name.toLowerCase();
    if (IGNORED_HEADERS.has(lower)) continue;
    const text = typeof value === 'string' ? value : value.join(', ');
    kept[lower] = lower in kept ? `${kept[lower]}, ${text}` : text;
  }
  const sorted: Record<string, string> = {};
  for (const name of Object.keys(kept).sort()) sorted[name] = kept[name] as string;
  return { kind: 'http', status, headers: sorted, cookies: [...cookies], ...textOrBase64(body) };
}

function planOf(copy: LoadedCopy, name: string): FunctionPlan {
  const plan = copy.plans.find((p) => p.name === name);
  // The copies come from one bundle, so they plan alike; this guards against a module that plans by chance.
  if (!plan) throw new CheckError(`function ${name} is missing from this copy of the module (does it plan differently each time it loads?)`);
  return plan;
}

/** Runs one input through the portable pipeline, as `onefn invoke local` does. */
export function runLocal(copy: LoadedCopy, c: CheckCase, options: RunOptions): Promise<CheckAnswer> {
  return bounded(async () => {
    const plan = planOf(copy, c.function);
    const timeoutMs = timeoutOf(plan, options);
    const ctx = createContext({ provider: 'local', functionName: plan.name, timeoutMs, logSink: options.logSink });
    try {
      if (c.kind === 'http') {
        if (plan.kind !== 'http') throw new CheckError(`${plan.name} serves no HTTP`);
        const r = c.request;
        const request = createRequest({
          method: r.method, path: r.path, query: r.rawQuery, headers: r.headers, headersLowerCased: true, ip: '127.0.0.1',
          body: r.body ? { data: r.body } : undefined, native: { provider: 'local', event: undefined, context: undefined },
        });
        // A streamed answer is read whole: the providers' answers are compared as whole bodies too.
        const response = await bufferResponse(await createRouter(plan.definitions).handle(request, ctx));
        return httpAnswer(response.status, response.headers, response.cookies, response.body);
      }
      const definition = eventDefinition(plan);
      const { items } = eventItems(c);
      const result = await runEvents(definition, items as never, ctx);
      const failed = new Set(result.failed);
      return { kind: 'event', outcomes: items.map((item) => (failed.has(item.id) ? 'failed' : 'ok')) };
    } finally {
      disposeContext(ctx);
    }
  }, options.maxTimeoutMs + GRACE_MS);
}

function eventDefinition(plan: FunctionPlan): EventDefinition {
  if (plan.kind === 'http') throw new CheckError(`${plan.name} serves HTTP, not events`);
  return plan.definition;
}

/** Fresh portable items for each runner: an item is read once (a message's body, say). */
function eventItems(c: Extract<CheckCase, { kind: 'event' }>): { items: BridgeEventItems } {
  const input = parsePortableInput(c.input);
  if (input.kind === 'http') throw new CheckError('an event input parsed as HTTP');
  return { items: input.items };
}

/** Runs one input through a provider's adapter, as its native event, with the bridge `onefn dev --provider` uses. */
export function runBridge(bridge: DevBridge, copy: LoadedCopy, c: CheckCase, options: RunOptions): Promise<CheckAnswer> {
  return bounded(async () => {
    const plan = planOf(copy, c.function);
    const timeoutMs = timeoutOf(plan, options);
    const bridgeOptions = { functionName: plan.name, timeoutMs, logSink: options.logSink };
    if (c.kind === 'http') {
      if (plan.kind !== 'http') throw new CheckError(`${plan.name} serves no HTTP`);
      const answer = await bridge.http(plan.definitions, toBridgeRequest(c.request), bridgeOptions);
      return httpAnswer(answer.response.status, answer.response.headers, answer.response.cookies, answer.response.body);
    }
    const { items } = eventItems(c);
    const answer = await bridge.events(eventDefinition(plan), items, bridgeOptions);
    const failed = new Set(answer.deliveries.flatMap((d) => d.failed));
    return { kind: 'event', outcomes: items.map((item) => (failed.has(item.id) ? 'failed' : 'ok')) };
  }, options.maxTimeoutMs + GRACE_MS);
}

function toBridgeRequest(r: CheckRequest) {
  return { method: r.method, path: r.path, rawQuery: r.rawQuery, headers: r.headers, body: r.body, ip: '127.0.0.1' };
}
