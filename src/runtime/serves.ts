import type { CloudEventTrigger, EventDefinition } from '../onefn/definition.js';
import { UnsupportedEventError } from '../onefn/errors.js';
import type { CloudEvent, Message, ScheduleEvent, StorageEvent } from '../onefn/events.js';

/**
 * Which items an event definition serves. Two answers besides "yes": refused (the definition does not
 * serve the item at all) and filtered (it serves its kind, but not this one). See README, "Events a
 * definition does not serve".
 */

type Item = Message | StorageEvent | ScheduleEvent | CloudEvent;

/** A producer's value in a message: escaped (no CR/LF survives) and cut short. */
function shown(value: string): string {
  return JSON.stringify(value.length > 80 ? `${value.slice(0, 80)}...` : value);
}

function quoted(names: readonly string[]): string {
  return names.map((n) => JSON.stringify(n)).join(', ');
}

function cloudEventsServed(t: CloudEventTrigger): string {
  return `CloudEvents ${t.types.length ? `of type ${quoted(t.types)}` : 'of any type'}${t.source ? ` from ${JSON.stringify(t.source)}` : ''}`;
}

/**
 * Why the definition does not serve an item at all, or undefined. These are what the trigger itself
 * selects (the Eventarc or EventBridge type and source, the bucket), so such an item was misrouted: it
 * is refused rather than acknowledged, and so stays with the provider (retried, then dead-lettered).
 */
export function refusal(def: EventDefinition, item: Item): UnsupportedEventError | undefined {
  if (def.kind === 'storage') {
    const e = item as StorageEvent;
    const bucket = def.trigger.bucket;
    if (e.bucket !== bucket) return new UnsupportedEventError(`an object change in bucket ${shown(e.bucket)}`, `object changes in bucket ${JSON.stringify(bucket)}`);
  } else if (def.kind === 'cloudevent') {
    const e = item as CloudEvent;
    const t = def.trigger;
    if ((t.types.length && !t.types.includes(e.type)) || (t.source && e.source !== t.source)) {
      return new UnsupportedEventError(`a CloudEvent of type ${shown(e.type)} from ${shown(e.source)}`, cloudEventsServed(t));
    }
  }
  return undefined;
}

/**
 * Why a storage item is filtered out, or undefined. Filters, not refusals: Cloud Storage triggers
 * cannot select by prefix or suffix, so the function sees every object of its bucket and must
 * acknowledge those it leaves alone.
 */
export function filterReason(def: EventDefinition, item: Item): string | undefined {
  if (def.kind !== 'storage') return undefined;
  const e = item as StorageEvent;
  const t = def.trigger;
  if (!t.changes.includes(e.change)) return `change "${e.change}" is not one of ${t.changes.join(', ')}`;
  if (t.prefix && !e.key.startsWith(t.prefix)) return `key does not start with "${t.prefix}"`;
  if (t.suffix && !e.key.endsWith(t.suffix)) return `key does not end with "${t.suffix}"`;
  return undefined;
}
