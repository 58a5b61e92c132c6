import { type CloudEvent, type Native, UnsupportedEventError } from 'onefn';
import { cloudEventFromMessage } from 'onefn/runtime';
import { fromSns } from './from-messages.js';
import type { SnsEvent } from './native.js';

/** What a CloudEvent definition takes on AWS, for the refusal of anything else. */
export const CLOUDEVENT_SOURCES = 'EventBridge events, JSON CloudEvents and SNS notifications carrying a CloudEvent';

/** Whether every record of an SNS event carries a CloudEvent in its `ce-` message attributes. */
export function carriesCloudEvent(event: SnsEvent): boolean {
  return event.Records.every((r) => {
    const attrs = (r as { Sns?: { MessageAttributes?: Record<string, unknown> } }).Sns?.MessageAttributes;
    return typeof attrs === 'object' && attrs !== null && Object.hasOwn(attrs, 'ce-specversion');
  });
}

/**
 * The CloudEvents that SNS notifications carry in binary mode, as `publishEvent` sends them on a topic
 * (`defineCloudEvent({ topic })`): context attributes as `ce-` message attributes, data as the Message.
 * A notification without them is refused, not acknowledged.
 */
export function cloudEventsFromSns(event: SnsEvent, native: Native): CloudEvent[] {
  return fromSns(event, native).map((message) => {
    const carried = cloudEventFromMessage(message.attributes, message.text(), native);
    if (!carried) throw new UnsupportedEventError('an SNS notification without a CloudEvent (no ce-specversion message attribute)', CLOUDEVENT_SOURCES);
    return carried;
  });
}
