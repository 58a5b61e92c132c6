import { OnefnError } from './errors.js';
import { createLogger, jsonLineSink, levelFromEnv, type Logger, type LogSink } from './logger.js';
import type { ResourceDriverSource } from '../resources/driver.js';

/** The providers onefn runs on; `local` is the dev server, the CLI and tests. */
export const PROVIDERS = ['aws', 'gcp', 'azure', 'local'] as const;
export type Provider = (typeof PROVIDERS)[number];

/**
 * Adapters describe their native event and context here, by declaration merging, so that
 * `ctx.native` is typed without the core knowing any provider:
 *
 * @example
 * declare module 'onefn' {
 *   interface NativeRegistry { aws: { event: LambdaEvent; context: LambdaContext } }
 * }
 */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface NativeRegistry {}

/** The untouched provider event and context, tagged by provider so that narrowing gives its types. */
export type Native =
  | { [P in keyof NativeRegistry & string]: { readonly provider: P } & NativeRegistry[P] }[keyof NativeRegistry & string]
  | { readonly provider: 'local'; readonly event: unknown; readonly context: unknown };

/** The native view of an input made locally (tests, the dev server, the CLI). */
export function localNative(event: unknown): Native {
  return { provider: 'local', event, context: undefined };
}

/**
 * What every handler receives, the same on every provider.
 *
 * @example
 * handler: async (req, ctx) => {
 *   ctx.log.info('working', { left: ctx.remainingMs() })
 *   await fetch(url, { signal: ctx.signal })
 * }
 */
export interface Context {
  /** The provider's id for this invocation (Lambda request id, CloudEvent or execution id, invocationId). */
  readonly requestId: string;
  readonly functionName: string;
  readonly provider: Provider;
  /** When the platform will stop this invocation, in milliseconds since the epoch. */
  readonly deadline: number;
  /** Milliseconds left before `deadline` (never negative). */
  remainingMs(): number;
  /** Aborts shortly before the deadline (see `abortMarginMs`), so work can stop cleanly. */
  readonly signal: AbortSignal;
  readonly log: Logger;
  readonly env: Readonly<Record<string, string | undefined>>;
  /** The provider's own event and context, for what the portable model does not carry. */
  readonly native: Native;
}

export interface ContextInit {
  requestId?: string;
  functionName?: string;
  provider?: Provider;
  /**
   * Milliseconds since the epoch, or a function giving it, called when the deadline is first needed
   * (most invocations never ask, and reading a provider's clock costs a little on every call).
   * Default: now plus `timeoutMs`.
   */
  deadline?: number | (() => number | undefined);
  /** Used when `deadline` is not given. Default 60 000. */
  timeoutMs?: number;
  /**
   * How long before the deadline `signal` aborts. Default: 500 ms, or a tenth of the time left if less.
   * At half this margin before the deadline, the pipeline stops waiting for a handler still running and
   * answers without it (a 504, or the unfinished events failed).
   */
  abortMarginMs?: number;
  log?: Logger;
  /** Used to build `log` when none is given. Default: JSON lines on stdout. */
  logSink?: LogSink;
  env?: Readonly<Record<string, string | undefined>>;
  native?: Native;
  /** An outer signal (a closed client connection, say) that also aborts `signal`. */
  signal?: AbortSignal;
  /**
   * Where handlers that declare `uses` reach their queues, topics and buckets: an adapter's driver
   * (made once per container), or `memoryResources()` in tests.
   */
  resources?: ResourceDriverSource;
}

// Unique within the process: its start time, then a counter (the time is formatted once, not per id).
const started = `local-${Date.now().toString(36)}-`;
let counter = 0;
function localId(): string {
  counter = (counter + 1) % 0x7fffffff;
  return started + counter.toString(36);
}

/**
 * The context implementation. The signal and its timer are made only when a handler reads `signal`:
 * most invocations never do, and an AbortController plus a timer per call is measurable on the hot path.
 */
class InvocationContext implements Context {
  readonly requestId: string;
  readonly functionName: string;
  readonly provider: Provider;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly native: Native;
  private deadlineValue: number | (() => number | undefined);
  private readonly timeoutMs: number;
  private margin: number | undefined;
  private readonly outer: AbortSignal | undefined;
  private logger: Logger | undefined;
  private readonly sink: LogSink | undefined;
  /** Where `uses` reach their resources; read through `resourceSourceOf`. */
  readonly driver: ResourceDriverSource | undefined;
  private controller: AbortController | undefined;
  private timer: ReturnType<typeof setTimeout> | undefined;

  constructor(init: ContextInit) {
    this.requestId = init.requestId ?? localId();
    this.functionName = init.functionName ?? 'local';
    this.provider = init.provider ?? 'local';
    this.timeoutMs = init.timeoutMs ?? 60_000;
    this.deadlineValue = init.deadline ?? Date.now() + this.timeoutMs;
    this.env = init.env ?? process.env;
    this.native = init.native ?? { provider: 'local', event: undefined, context: undefined };
    this.margin = init.abortMarginMs;
    this.outer = init.signal;
    this.logger = init.log;
    this.sink = init.logSink;
    this.driver = init.resources;
  }

  get deadline(): number {
    const value = this.deadlineValue;
    if (typeof value === 'number') return value;
    const computed = value();
    return (this.deadlineValue = typeof computed === 'number' && Number.isFinite(computed) ? computed : Date.now() + this.timeoutMs);
  }

  remainingMs(): number {
    return Math.max(0, this.deadline - Date.now());
  }

  get log(): Logger {
    return (this.logger ??= createLogger(this.sink ?? jsonLineSink, {
      level: levelFromEnv(this.env),
      fields: { requestId: this.requestId },
    }));
  }

  /**
   * Fixed when first needed (by `signal` or the cutoff), so that the signal always fires before the
   * cutoff, whichever was asked for first.
   */
  private abortMargin(): number {
    return (this.margin ??= marginFor(this.remainingMs()));
  }

  get signal(): AbortSignal {
    if (this.controller) return this.controller.signal;
    const controller = new AbortController();
    this.controller = controller;
    const left = this.remainingMs();
    const margin = this.abortMargin();
    const abort = (): void => {
      controller.abort(new DeadlineError(this.deadline));
    };
    if (left - margin <= 0) abort();
    else {
      this.timer = setTimeout(abort, left - margin);
      // A pending deadline timer must never keep a process (a test, the CLI) alive.
      this.timer.unref?.();
    }
    if (this.outer) {
      if (this.outer.aborted) controller.abort(this.outer.reason);
      else this.outer.addEventListener('abort', () => controller.abort(this.outer?.reason), { once: true });
    }
    return controller.signal;
  }

  /** Milliseconds until the cutoff: half the abort margin before the deadline. */
  cutoffIn(): number {
    return this.deadline - Math.floor(this.abortMargin() / 2) - Date.now();
  }

  /** Clears the deadline timer. The pipeline calls this when the invocation ends. */
  dispose(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  /** At the cutoff: a handler still holding the signal is told to stop, whatever its timer said. */
  cut(): void {
    this.dispose();
    const controller = this.controller;
    if (controller && !controller.signal.aborted) controller.abort(new DeadlineError(this.deadline));
  }
}

/** The reason `ctx.signal` aborts with when the deadline nears. */
export class DeadlineError extends OnefnError {
  constructor(readonly deadline: number) {
    super('DEADLINE', `The invocation deadline (${new Date(deadline).toISOString()}) is near`);
    this.name = 'DeadlineError';
  }
}

/**
 * Builds a context with every field defaulted. Adapters pass what their provider gives; tests pass
 * only what they assert on.
 *
 * @example
 * const ctx = createContext({ functionName: 'orders', timeoutMs: 5_000 })
 */
export function createContext(init: ContextInit = {}): Context {
  return new InvocationContext(init);
}

/**
 * Milliseconds from now until the pipeline stops waiting for a handler: half the abort margin before
 * the deadline, so after `ctx.signal` fires (a handler that listens can stop first) and before the
 * platform stops the invocation (the answer still has to reach it). Any context works; one not made
 * by `createContext` gets the default margin.
 */
export function cutoffDelay(ctx: Context): number {
  if (ctx instanceof InvocationContext) return ctx.cutoffIn();
  const left = ctx.remainingMs();
  return left - Math.floor(marginFor(left) / 2);
}

/** The default abort margin: 500 ms, or a tenth of the time left if less. */
function marginFor(left: number): number {
  return Math.min(500, Math.floor(left / 10));
}

/** Ends a context at the cutoff: its timer cleared, its signal (if a handler took it) aborted. */
export function cutContext(ctx: Context): void {
  if (ctx instanceof InvocationContext) ctx.cut();
}

/** Aborts a context's signal with `reason` (a streamed answer's client went away) and clears its timer. */
export function abortContext(ctx: Context, reason: unknown): void {
  // A function, not a method, so that bundles without streams leave it out. The signal is made if no
  // one asked for it yet, so that a handler reading it later still sees it aborted.
  if (!(ctx instanceof InvocationContext)) return;
  ctx.dispose();
  const controller = (ctx['controller'] ??= new AbortController());
  if (!controller.signal.aborted) controller.abort(reason);
}

/** Ends what a context started (its deadline timer). Safe on any context. */
export function disposeContext(ctx: Context): void {
  if (ctx instanceof InvocationContext) ctx.dispose();
}

/** The resource driver source a context was made with, if any. */
export function resourceSourceOf(ctx: Context): ResourceDriverSource | undefined {
  return ctx instanceof InvocationContext ? ctx.driver : undefined;
}
