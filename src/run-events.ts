import { type Context, disposeContext } from './context.js';
import type { CloudEventDefinition, Definition, EventDefinition, HttpDefinition, MessageDefinition, ScheduleDefinition, StorageDefinition } from './definition.js';
import { OnefnError, ValidationError } from './errors.js';
import type { CloudEvent, Message, ScheduleEvent, StorageEvent } from './events.js';
import type { PortableRequest } from './http.js';
import { validate, type IssueLocation, type StandardSchemaV1, type Validated } from './schema.js';

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

/** How one event (message, object change, tick, CloudEvent) ended. */
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

function skipReason(def: EventDefinition, item: Message | StorageEvent | ScheduleEvent | CloudEvent): string | undefined {
  if (def.kind === 'storage') {
    const e = item as StorageEvent;
    const t = def.trigger;
    if (!t.changes.includes(e.change)) return `change "${e.change}" is not one of ${t.changes.join(', ')}`;
    if (t.prefix && !e.key.startsWith(t.prefix)) return `key does not start with "${t.prefix}"`;
    if (t.suffix && !e.key.endsWith(t.suffix)) return `key does not end with "${t.suffix}"`;
  }
  if (def.kind === 'cloudevent') {
    const e = item as CloudEvent;
    const t = def.trigger;
    if (t.types.length && !t.types.includes(e.type)) return `type "${e.type}" is not one of ${t.types.join(', ')}`;
    if (t.source && e.source !== t.source) return `source "${e.source}" is not "${t.source}"`;
  }
  return undefined;
}

/** Runs one item; a promise only when the validator or the handler is asynchronous. */
function runOne(def: EventDefinition, item: Message | StorageEvent | ScheduleEvent | CloudEvent, ctx: Context): void | Promise<void> {
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
      const text = typeof data === 'string' ? data : new TextDecoder().decode(data);
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

/**
 * Runs an event definition on a batch, one item at a time, and reports each item's outcome. Items
 * outside the definition's filters are skipped. With `ordered` (FIFO queues) the first failure fails
 * every later item unrun, so that order is kept on retry. Never throws or rejects.
 *
 * Answers synchronously when every handler did (and with a promise otherwise; `await` reads both):
 * a promise tick per message is measurable on a batch of ten.
 *
 * @example
 * const { failed } = await runEvents(def, messages, ctx)
 * return { batchItemFailures: failed.map((itemIdentifier) => ({ itemIdentifier })) }
 */
export function runEvents(
  def: EventDefinition,
  items: ReadonlyArray<Message | StorageEvent | ScheduleEvent | CloudEvent>,
  ctx: Context,
  options: { ordered?: boolean } = {},
): BatchResult | Promise<BatchResult> {
  const outcomes: Outcome[] = [];
  const failed: string[] = [];
  const ordered = options.ordered ?? (def.kind === 'message' && def.trigger.ordered);
  let stopped: string | undefined;

  const fail = (id: string, error: unknown): void => {
    ctx.log.error(error instanceof ValidationError ? 'Event failed validation' : 'Event handler failed', {
      id,
      error,
      ...(error instanceof ValidationError ? { issues: error.issues } : {}),
    });
    outcomes.push({ id, status: 'failed', error });
    failed.push(id);
    if (ordered) stopped = id;
  };

  const loop = (start: number): BatchResult | Promise<BatchResult> => {
    for (let i = start; i < items.length; i++) {
      const item = items[i] as Message | StorageEvent | ScheduleEvent | CloudEvent;
      const id = item.id;
      if (stopped !== undefined) {
        const error = new OnefnError('ORDERED_BATCH_STOPPED', `Not run: message ${stopped} before it failed in an ordered batch`);
        outcomes.push({ id, status: 'failed', error });
        failed.push(id);
        continue;
      }
      const reason = skipReason(def, item);
      if (reason) {
        ctx.log.debug('Event skipped', { id, reason });
        outcomes.push({ id, status: 'skipped', reason });
        continue;
      }
      let running: void | Promise<void>;
      try {
        running = runOne(def, item, ctx);
      } catch (error) {
        fail(id, error);
        continue;
      }
      if (running instanceof Promise) {
        return running.then(
          () => void outcomes.push({ id, status: 'ok' }),
          (error: unknown) => fail(id, error),
        ).then(() => loop(i + 1));
      }
      outcomes.push({ id, status: 'ok' });
    }
    disposeContext(ctx);
    return { outcomes, failed };
  };

  try {
    const result = loop(0);
    return result instanceof Promise ? result.catch((error: unknown) => settleBroken(error)) : result;
  } catch (error) {
    return settleBroken(error);
  }

  // Only a failing logger can get here; every item not yet reported is failed rather than dropped.
  function settleBroken(error: unknown): BatchResult {
    disposeContext(ctx);
    for (const item of items) {
      if (!outcomes.some((o) => o.id === item.id)) {
        outcomes.push({ id: item.id, status: 'failed', error });
        failed.push(item.id);
      }
    }
    return { outcomes, failed };
  }
}
