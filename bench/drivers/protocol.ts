// What the bench's coordinator and the case processes say to each other, and how a case process
// answers. One case per process: its JIT state, deopts and heap are its own.

/** How a case is expected to answer; the drivers turn their provider's result into this shape. */
export interface Expectation {
  /** HTTP: the status, the JSON body, a response header and a Set-Cookie the answer must carry. */
  readonly status?: number;
  readonly json?: unknown;
  readonly header?: readonly [name: string, value: string];
  readonly setCookie?: string;
  /** Events: the whole result, as JSON (e.g. no batch item failures). */
  readonly result?: unknown;
  /** Events: how much the handler must add to the seen counter per invocation. */
  readonly seen?: number;
}

/** The HTTP answer as drivers read it from their provider's result. */
export interface HttpAnswer {
  readonly status: number;
  readonly body: string;
  readonly headers: Readonly<Record<string, string | undefined>>;
  readonly setCookies: readonly string[];
}

export type ToCase = { type: 'check' } | { type: 'batch'; iterations: number; gc: boolean } | { type: 'exit' };
export type FromCase =
  | { type: 'ready' }
  | { type: 'checked'; error?: string }
  | { type: 'timed'; ns: number; firstNs: number }
  | { type: 'failed'; error: string };

/** What a fresh process prints (one JSON line) after its first invocation. */
export interface ColdSample {
  readonly importMs: number;
  /** The first invocation as the platform drives it (on GCP and Azure: the server or pipeline too). */
  readonly firstMs: number;
  /**
   * The function's own first invocation: from the framework calling it to its answer (GCP: its
   * response finished; Azure: its handler's promise settled). On Lambda the same as `firstMs`.
   */
  readonly fnMs?: number;
  readonly error?: string;
}

/** The wall clock in milliseconds, without performance (a lazily loaded global). */
export const nowMs = (): number => Number(process.hrtime.bigint()) / 1e6;
