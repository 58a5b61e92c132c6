import { performance } from 'node:perf_hooks';
import type { PortableInput } from '../cli/portable-input.js';
import { createContext } from '../onefn/context.js';
import type { EventDefinition } from '../onefn/definition.js';
import { createRequest, type PortableRequest } from '../onefn/http.js';
import type { LogEntry, LogSink } from '../onefn/logger.js';
import type { ResourceDriverSource } from '../resources/driver.js';
import type { ResponseData } from '../onefn/response.js';
import { runEvents } from '../runtime/run-events.js';
import { accessLine } from './access-log.js';
import type { BridgeProvider, DevBridge } from './bridge.js';
import type { Feed } from './feed.js';
import { functionFor, type DevFunction, type Served } from './functions.js';
import { onFailureLocally } from './on-failure.js';
import type { StrayErrors } from './stray-errors.js';

/** Which path an invocation came in by; `resource`: a local queue, topic or bucket delivered it. */
export type Via = 'http' | 'event-endpoint' | 'dashboard' | 'resource';
/** `local` runs the portable pipeline; a provider runs its adapter on its native event. */
export type Through = 'local' | BridgeProvider;

/** An HTTP request as the dev server read it off the wire (or the dashboard built it). */
export interface WireRequest {
  readonly method: string;
  readonly path: string;
  readonly rawQuery: string;
  readonly headers: Readonly<Record<string, readonly string[]>>;
  readonly body: Uint8Array;
  readonly ip: string | undefined;
  /** What `ctx.native.event` is locally: the Node request, when there was one. */
  readonly native: unknown;
}

/** One entry of the live feed: what ran, how it went, and what it logged. */
export interface InvocationRecord {
  readonly id: string;
  readonly time: string;
  readonly function: string;
  readonly kind: string;
  readonly via: Via;
  readonly provider: Through;
  readonly durationMs: number;
  readonly request?: { readonly method: string; readonly path: string };
  readonly status?: number;
  readonly outcomes?: ReadonlyArray<{ id: string; status: string; error?: string; reason?: string }>;
  readonly failed?: readonly string[];
  /** What the provider (or, locally, each provider) does next with a failed item. */
  readonly onFailure?: string | Readonly<Record<string, string>>;
  /** Through a provider: the native event(s) and result(s). */
  readonly native?: unknown;
  readonly logs: readonly LogEntry[];
}

export interface InvokerDeps {
  readonly stray: StrayErrors;
  readonly logSink: LogSink;
  readonly feed: Feed;
  readonly print: (line: string) => void;
  /** The environment an invocation of `fn` sees (see `layeredEnv`). */
  readonly envFor: (fn: DevFunction) => Readonly<Record<string, string | undefined>>;
  readonly bridge: (provider: BridgeProvider) => Promise<DevBridge>;
  /** The local queues, topics and buckets that handlers' `ctx.resources` reach. */
  readonly resources?: ResourceDriverSource;
}

let sequence = 0;
const MAX_LOGS = 200;

/**
 * A sink that keeps what an invocation logs (bounded) for its record, and passes every entry on. Once
 * the record is out (`seal`), a late entry (a timer the handler left behind) reaches the feed on its
 * own, naming the function, rather than being lost.
 */
function collecting(base: LogSink, feed: Feed, fn: string): { sink: LogSink; logs: LogEntry[]; seal(): void } {
  const logs: LogEntry[] = [];
  let dropped = 0;
  let sealed = false;
  return {
    logs,
    seal: () => void (sealed = true),
    sink: (entry) => {
      base(entry);
      if (sealed) feed.publish('log', { ...entry, fields: { function: fn, ...entry.fields } });
      else if (logs.length < MAX_LOGS) logs.push(entry);
      else if (++dropped === 1) logs.push({ level: 'warn', message: `more than ${MAX_LOGS} log entries; the rest are in the terminal only`, time: entry.time, fields: {} });
    },
  };
}

function headerRecord(headers: Readonly<Record<string, string | readonly string[]>>): Record<string, string | readonly string[]> {
  return Object.assign(Object.create(null) as Record<string, string | readonly string[]>, headers);
}

/** Runs local invocations, through the portable pipeline or a provider's adapter, and reports each one. */
export class Invoker {
  constructor(private readonly deps: InvokerDeps) {}

  async http(served: Served, wire: WireRequest, through: Through, via: Via, signal: AbortSignal): Promise<{ response: ResponseData; record: InvocationRecord }> {
    // Loaded before the clock starts: the first use of a provider imports its adapter.
    const bridge = through === 'local' ? undefined : await this.deps.bridge(through);
    const started = performance.now();
    const request = createRequest({
      method: wire.method,
      path: wire.path,
      query: wire.rawQuery,
      headers: wire.headers,
      headersLowerCased: true,
      body: wire.body.byteLength ? { data: wire.body } : undefined,
      ip: wire.ip,
      native: { provider: 'local', event: wire.native, context: undefined },
    });
    const fn = functionFor(served, request);
    const { sink, logs, seal } = collecting(this.deps.logSink, this.deps.feed, fn.name);
    let response: ResponseData;
    let native: unknown;
    if (!bridge) {
      response = await this.local(served, request, fn, sink, signal);
    } else {
      const answer = await this.deps.stray.origins.run({ function: fn.name }, () =>
        bridge.http(served.router.definitions, { method: wire.method, path: wire.path, rawQuery: wire.rawQuery, headers: wire.headers, body: wire.body.byteLength ? wire.body : undefined, ip: wire.ip }, { functionName: fn.name, timeoutMs: fn.timeoutMs, logSink: sink, resources: this.deps.resources }),
      );
      native = { event: answer.nativeEvent, result: answer.nativeResult };
      response = { status: answer.response.status, headers: headerRecord(answer.response.headers), cookies: answer.response.cookies, body: answer.response.body };
    }
    const record = this.report({
      function: fn.name, kind: 'http', via, provider: through, started,
      request: { method: wire.method, path: wire.path }, status: response.status, native, logs,
    });
    seal();
    return { response, record };
  }

  private local(served: Served, request: PortableRequest, fn: DevFunction, sink: LogSink, signal: AbortSignal): Promise<ResponseData> | ResponseData {
    const ctx = createContext({ functionName: fn.name, provider: 'local', timeoutMs: fn.timeoutMs, logSink: sink, signal, env: this.deps.envFor(fn), resources: this.deps.resources });
    return this.deps.stray.origins.run({ function: fn.name, requestId: ctx.requestId }, () => served.router.handle(request, ctx));
  }

  async events(found: { definition: EventDefinition; fn: DevFunction }, input: Exclude<PortableInput, { kind: 'http' }>, through: Through, via: Via, signal: AbortSignal): Promise<InvocationRecord> {
    const bridge = through === 'local' ? undefined : await this.deps.bridge(through);
    const started = performance.now();
    const { definition, fn } = found;
    const { sink, logs, seal } = collecting(this.deps.logSink, this.deps.feed, fn.name);
    const ids = input.items.map((item) => item.id);
    if (!bridge) {
      const ctx = createContext({ functionName: fn.name, provider: 'local', timeoutMs: fn.timeoutMs, logSink: sink, signal, env: this.deps.envFor(fn), resources: this.deps.resources });
      const items = input.items;
      const result = await this.deps.stray.origins.run({ function: fn.name, requestId: ctx.requestId }, () => runEvents(definition, items, ctx));
      const outcomes = result.outcomes.map((o) =>
        o.status === 'failed' ? { id: o.id, status: o.status, error: (o.error as Error)?.message ?? String(o.error) } : o.status === 'skipped' ? { id: o.id, status: o.status, reason: o.reason } : { id: o.id, status: o.status },
      );
      const record = this.report({ function: fn.name, kind: definition.kind, via, provider: through, started, outcomes, failed: result.failed, onFailure: result.failed.length ? onFailureLocally(definition) : undefined, logs });
      seal();
      return record;
    }
    const answer = await this.deps.stray.origins.run({ function: fn.name }, () => bridge.events(definition, input.items, { functionName: fn.name, timeoutMs: fn.timeoutMs, logSink: sink, resources: this.deps.resources }));
    const failed = new Set(answer.deliveries.flatMap((d) => d.failed));
    const outcomes = ids.map((id) => ({ id, status: failed.has(id) ? 'failed' : 'ok' }));
    const record = this.report({
      function: fn.name, kind: definition.kind, via, provider: through, started, outcomes, failed: ids.filter((id) => failed.has(id)),
      onFailure: failed.size ? answer.onFailure : undefined,
      native: answer.deliveries.map((d) => ({ event: d.nativeEvent, result: d.nativeResult })), logs,
    });
    seal();
    return record;
  }

  /** A request the dev server refused before any function ran (a bad event body, say), in the access log. */
  refused(method: string, path: string, status: number, fn: string, started: number): void {
    this.deps.print(accessLine(method, path, status, performance.now() - started, fn));
  }

  private report(r: Omit<InvocationRecord, 'id' | 'time' | 'durationMs'> & { started: number }): InvocationRecord {
    const { started, ...rest } = r;
    const durationMs = Math.round((performance.now() - started) * 10) / 10;
    const record: InvocationRecord = { id: `inv-${++sequence}`, time: new Date().toISOString(), durationMs, ...rest };
    const status = record.status ?? (record.failed?.length ? `${record.failed.length}/${record.outcomes?.length ?? 0} failed` : 'ok');
    const where = record.request ? record.request : { method: 'EVENT', path: record.function };
    this.deps.print(accessLine(where.method, where.path, status, durationMs, record.provider === 'local' ? record.function : `${record.function} (as ${record.provider})`));
    this.deps.feed.publish('invocation', record);
    return record;
  }
}
