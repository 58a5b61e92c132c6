import { AsyncLocalStorage } from 'node:async_hooks';
import { serializeError, type LogEntry } from '../onefn/logger.js';

/** Who started a piece of async work: a function's invocation, or the module's top level. */
export interface Origin {
  readonly function: string;
  readonly requestId?: string;
}

/** The origin of work the module's top level starts (a timer set at import, say). */
export const MODULE_TOP_LEVEL: Origin = { function: '(module top level)' };

/**
 * Keeps a handler's stray errors (a throw in a timer callback, a rejection nobody handles) from
 * ending the dev server, as they would end the process by default; each becomes one error log
 * entry naming the function whose invocation started the work. The origin travels with the async
 * work through AsyncLocalStorage, and Node runs both process events in the failing work's context,
 * so it is known wherever the work was started inside `origins.run`; "unknown" means it was not.
 */
export class StrayErrors {
  readonly origins = new AsyncLocalStorage<Origin>();
  private readonly onException = (error: unknown): void => this.report('uncaught exception', error);
  private readonly onRejection = (reason: unknown): void => this.report('unhandled rejection', reason);

  constructor(private readonly sink: (entry: LogEntry) => void) {
    process.on('uncaughtException', this.onException);
    process.on('unhandledRejection', this.onRejection);
  }

  private report(what: string, error: unknown): void {
    const origin = this.origins.getStore();
    const fields: Record<string, unknown> = { function: origin?.function ?? 'unknown' };
    if (origin?.requestId) fields['requestId'] = origin.requestId;
    fields['error'] = serializeError(error);
    try {
      this.sink({ level: 'error', message: `${what}; the dev server keeps serving`, time: Date.now(), fields });
    } catch {
      // A failing sink must not turn one stray error into an endless chain of them.
    }
  }

  close(): void {
    process.off('uncaughtException', this.onException);
    process.off('unhandledRejection', this.onRejection);
  }
}
