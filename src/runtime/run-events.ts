import { type Context, disposeContext } from '../onefn/context.js';
import { utf8Text } from '../onefn/bytes.js';
import { raceCutoff } from '../onefn/cutoff.js';
import type {
  CloudEventDefinition, Definition, EventDefinition, HttpDefinition, MessageDefinition, ScheduleDefinition, StorageDefinition,
} from '../onefn/definition.js';
import { DeadlineExceededError, OnefnError, UnsupportedEventError, ValidationError } from '../onefn/errors.js';
import { filterReason, refusal } from './serves.js';
import type { CloudEvent, Message, ScheduleEvent, StorageEvent } from '../onefn/events.js';
import type { PortableRequest } from '../onefn/http.js';
import { validate, type IssueLocation, type StandardSchemaV1, type Validated } from '../onefn/schema.js';

function runValidation<T>(
  schema: StandardSchemaV1<unknown, T>,
  location: IssueLocation,
  value: unknown,
  assign: (value: T) => void,
): Promise<void> | undefined {
  const result = validate(schema, location, value);
  const settle = (r: Validated<T>): void => {
    if (!r.ok) throw new ValidationError(r.issues);
    assign(r.value);
  };
  if (result instanceof Promise) return result.then(settle);
  settle(result);
  return undefined;
}

// ---------------------------------------------------------------------------------------------------
// Events

/**
 * How one event (message, object change, tick, CloudEvent) ended. `skipped` is an item outside the
 * definition's storage filters (changes, prefix, suffix): acknowledged, the handler not run. An item
 * the definition does not serve at all (a CloudEvent of another type or source, an object change in
 * another bucket) is `failed` with an `UnsupportedEventError`, and so never acknowledged; so is an item
 * still running at the deadline cutoff, with a `DeadlineExceededError`.
 */
export type Outcome =
  | { readonly id: string; readonly status: 'ok' }
  | { readonly id: string; readonly status: 'skipped'; readonly reason: string }
  | { readonly id: string; readonly status: 'failed'; readonly error: unknown };

/** Every item's outcome, and the ids of the failed ones (what adapters hand back for retry). */
export interface BatchResult {
  readonly outcomes: readonly Outcome[];
  readonly failed: readonly string[];
}

/** The portable input a definition's handler takes. */
export type InputOf<D extends Definition> = D extends MessageDefinition
  ? Message
  : D extends StorageDefinition
    ? StorageEvent
    : D extends ScheduleDefinition
      ? ScheduleEvent
      : D extends CloudEventDefinition
        ? CloudEvent
        : D extends HttpDefinition
          ? PortableRequest
          : never;

type Item = Message | StorageEvent | ScheduleEvent | CloudEvent;

/** Runs one item; a promise only when the validator or the handler is asynchronous. */
function runOne(def: EventDefinition, item: Item, ctx: Context): void | Promise<void> {
  if (def.kind === 'message') {
    const msg = item as Message;
    const schema = def.trigger.schema;
    if (!schema) return def.handler(msg, ctx);
    const validating = runValidation(schema, 'message', msg.json(), (v) => ((msg as { body: unknown }).body = v));
    return validating ? validating.then(() => def.handler(msg, ctx)) : def.handler(msg, ctx);
  }
  if (def.kind === 'cloudevent') {
    const schema = def.trigger.schema;
    let event = item as CloudEvent;
    if (!schema) return def.handler(event, ctx);
    let data: unknown = event.data;
    // Structured events carry JSON; binary-mode and base64 data arrive as bytes or text.
    if (data instanceof Uint8Array || typeof data === 'string') {
      const text = typeof data === 'string' ? data : utf8Text(data);
      try {
        data = JSON.parse(text);
      } catch {
        data = text;
      }
    }
    const validating = runValidation(schema, 'data', data, (v) => (event = { ...event, data: v }));
    return validating ? validating.then(() => def.handler(event, ctx)) : def.handler(event, ctx);
  }
  if (def.kind === 'storage') return def.handler(item as StorageEvent, ctx);
  return def.handler(item as ScheduleEvent, ctx);
}

/** The batch cutoff's late work: the batch's own settling; the items' late ends are logged one by one. */
function ignoreLate(): void {}

/** One batch's run: its outcomes so far, and whether the cutoff has answered for it. */
class BatchRun {
  readonly outcomes: Outcome[] = [];
  readonly failed: string[] = [];
  private stopped: string | undefined;
  private raced = false;
  private cut = false;

  constructor(
    private readonly def: EventDefinition,
    private readonly items: ReadonlyArray<Item>,
    private readonly ctx: Context,
    private readonly ordered: boolean,
  ) {}

  result(): BatchResult {
    return { outcomes: this.outcomes, failed: this.failed };
  }

  private fail(id: string, error: unknown): void {
    if (error instanceof UnsupportedEventError) this.ctx.log.warn('Event refused: this function does not serve it', { id, error: error.message });
    else {
      this.ctx.log.error(error instanceof ValidationError ? 'Event failed validation' : 'Event handler failed', {
        id,
        error,
        ...(error instanceof ValidationError ? { issues: error.issues } : {}),
      });
    }
    this.outcomes.push({ id, status: 'failed', error });
    this.failed.push(id);
    if (this.ordered) this.stopped = id;
  }

  /** An asynchronous handler ended; after the cutoff its item is already reported failed. */
  private settled(id: string, error: unknown, rejected: boolean): void {
    if (this.cut) {
      if (rejected) this.ctx.log.error('Event handler failed after the deadline cutoff', { id, error });
      else this.ctx.log.warn('Event handler finished after the deadline cutoff; the event stays reported as failed', { id });
      return;
    }
    if (rejected) this.fail(id, error);
    else this.outcomes.push({ id, status: 'ok' });
  }

  /** Every item without an outcome (the one running, and those not started) fails, as unfinished. */
  private cutoff(): BatchResult {
    this.cut = true;
    const unfinished = this.items.slice(this.outcomes.length).map((item) => item.id);
    const error = new DeadlineExceededError(unfinished);
    this.ctx.log.error('Event handler did not finish before the deadline; the unfinished events are reported as failed', { unfinished });
    for (const id of unfinished) {
      this.outcomes.push({ id, status: 'failed', error });
      this.failed.push(id);
    }
    return this.result();
  }

  loop(start: number): BatchResult | Promise<BatchResult> {
    // A continuation of an abandoned handler must not start the next items.
    if (this.cut) return this.result();
    const { def, items, ctx } = this;
    for (let i = start; i < items.length; i++) {
      const item = items[i] as Item;
      const id = item.id;
      if (this.stopped !== undefined) {
        const error = new OnefnError('ORDERED_BATCH_STOPPED', `Not run: message ${this.stopped} before it failed in an ordered batch`);
        this.outcomes.push({ id, status: 'failed', error });
        this.failed.push(id);
        continue;
      }
      const refused = refusal(def, item);
      if (refused) {
        this.fail(id, refused);
        continue;
      }
      const reason = filterReason(def, item);
      if (reason) {
        ctx.log.debug('Event skipped', { id, reason });
        this.outcomes.push({ id, status: 'skipped', reason });
        continue;
      }
      let running: void | Promise<void>;
      try {
        running = runOne(def, item, ctx);
      } catch (error) {
        this.fail(id, error);
        continue;
      }
      if (running instanceof Promise) {
        const rest = running.then(
          () => this.settled(id, undefined, false),
          (error: unknown) => this.settled(id, error, true),
        ).then(() => this.loop(i + 1));
        // One cutoff for the whole batch, from its first asynchronous item on.
        if (this.raced) return rest;
        this.raced = true;
        return raceCutoff(ctx, rest, () => this.cutoff(), ignoreLate);
      }
      this.outcomes.push({ id, status: 'ok' });
    }
    disposeContext(ctx);
    return this.result();
  }

  /** Only a failing logger can get here; every item not yet reported is failed rather than dropped. */
  broken(error: unknown): BatchResult {
    disposeContext(this.ctx);
    for (let i = this.outcomes.length; i < this.items.length; i++) {
      const id = (this.items[i] as Item).id;
      this.outcomes.push({ id, status: 'failed', error });
      this.failed.push(id);
    }
    return this.result();
  }
}

const held: { run: BatchRun | undefined } = { run: undefined };

/**
 * Runs an event definition on a batch, one item at a time, and reports each item's outcome. Items
 * outside the definition's storage filters are skipped; items it does not serve at all are refused
 * (failed, see `Outcome`). With `ordered` (FIFO queues) the first failure fails every later item
 * unrun, so that order is kept on retry. Never throws or rejects.
 *
 * Answers synchronously when every handler did (and with a promise otherwise; `await` reads both):
 * a promise tick per message is measurable on a batch of ten. Once a handler is asynchronous, the
 * answer comes at the latest at the context's cutoff (see `cutoffDelay`): the handler still running
 * is abandoned, and it and every item not started fail with a `DeadlineExceededError`.
 *
 * @example
 * const { failed } = await runEvents(def, messages, ctx)
 * return { batchItemFailures: failed.map((itemIdentifier) => ({ itemIdentifier })) }
 */
export function runEvents(
  def: EventDefinition,
  items: ReadonlyArray<Item>,
  ctx: Context,
  options: { ordered?: boolean } = {},
): BatchResult | Promise<BatchResult> {
  const run = new BatchRun(def, items, ctx, options.ordered ?? (def.kind === 'message' && def.trigger.ordered));
  // Held until the next batch: its items' and context's classes then survive a major GC, and so does
  // the code optimized for them (see run-http.ts's keepShapes).
  held.run = run;
  try {
    const result = run.loop(0);
    return result instanceof Promise ? result.catch((error: unknown) => run.broken(error)) : result;
  } catch (error) {
    return run.broken(error);
  }
}

/**
 * The typed error that stands for a batch's failures when onefn decided them rather than a handler:
 * the `UnsupportedEventError` when every failed item was refused, a `DeadlineExceededError` naming the
 * unfinished items when the rest ran out of time. Undefined when nothing failed, or when a handler's
 * own failure is among them (adapters then name the failed ids their way). Adapters answer with it:
 * AWS throws it, GCP answers 422 or 504, Azure fails the invocation with it.
 *
 * @example
 * const error = batchError(result)
 * if (error) throw error
 */
export function batchError(result: BatchResult): UnsupportedEventError | DeadlineExceededError | undefined {
  let refused: UnsupportedEventError | undefined;
  let deadline: DeadlineExceededError | undefined;
  for (const outcome of result.outcomes) {
    if (outcome.status !== 'failed') continue;
    const error = outcome.error;
    if (error instanceof DeadlineExceededError) deadline ??= error;
    else if (error instanceof UnsupportedEventError) refused ??= error;
    else return undefined;
  }
  return deadline ?? refused;
}
