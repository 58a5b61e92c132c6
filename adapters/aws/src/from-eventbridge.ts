import { MalformedEventError, type CloudEvent, type Native, type ScheduleEvent } from 'onefn';
import { cloudEventFromJson, createCloudEvent, createScheduleEvent, inputRecord } from 'onefn/runtime';
import type { EventBridgeEvent } from './native.js';

/** EventBridge events -> schedule ticks and CloudEvents. */

function optionalString(value: unknown): string | undefined {
  return typeof value === 'string' && value ? value : undefined;
}

/**
 * The rule's or schedule's name from its ARN: `arn:aws:events:<region>:<account>:rule/<name>`, or
 * `arn:aws:scheduler:<region>:<account>:schedule/<group>/<name>`.
 */
function sourceName(resources: unknown): string | undefined {
  for (const r of Array.isArray(resources) ? resources : []) {
    if (typeof r !== 'string') continue;
    const rule = /:rule\/(.+)$/.exec(r);
    if (rule) return rule[1];
    const schedule = /^arn:[^:]+:scheduler:[^:]*:[^:]*:schedule\/[^/]+\/(.+)$/.exec(r);
    if (schedule) return schedule[1];
  }
  return undefined;
}

/** A scheduled rule's or schedule's tick; `time` is when it was due, the name comes from its ARN. */
export function fromScheduledEvent(event: EventBridgeEvent, native: Native): ScheduleEvent {
  return createScheduleEvent({
    id: optionalString(event.id),
    scheduledTime: optionalString(event.time),
    name: sourceName(event.resources),
    native,
  });
}

/**
 * Any EventBridge event as a CloudEvent: `detail-type` is the type, `source` the source, `detail` the
 * JSON data, the first resource the subject; account and region travel as extensions.
 */
export function fromEventBridge(event: EventBridgeEvent, native: Native): CloudEvent {
  const id = optionalString(event.id);
  if (!id) throw new MalformedEventError('EventBridge event without an id');
  const extensions = inputRecord<string>();
  const account = optionalString(event.account);
  const region = optionalString(event.region);
  if (account) extensions['awsaccount'] = account;
  if (region) extensions['awsregion'] = region;
  const resources = Array.isArray(event.resources) ? event.resources : [];
  return createCloudEvent({
    id,
    source: event.source,
    type: event['detail-type'],
    subject: optionalString(resources[0]),
    time: optionalString(event.time),
    datacontenttype: 'application/json',
    data: event.detail,
    extensions,
    native,
  });
}

/** A CloudEvent sent as JSON (a direct invocation, say). */
export function fromCloudEventJson(event: unknown, native: Native): CloudEvent {
  return cloudEventFromJson(event, native);
}
