import type { InvocationContext } from '@azure/functions';
import { type CloudEvent, UnsupportedEventError } from 'onefn';
import { cloudEventFromMessage } from 'onefn/runtime';
import { fromServiceBus } from './from-messages.js';

/**
 * The CloudEvent a Service Bus topic message carries in binary mode, as `publishEvent` sends it
 * (`defineCloudEvent({ topic })`): its `ce-` application properties are the context, its body the
 * data. A message without them is refused (the invocation fails, so it is retried and dead-lettered).
 */
export function cloudEventFromServiceBus(input: unknown, context: InvocationContext, topic: string): CloudEvent {
  const message = fromServiceBus(input, context, topic);
  const carried = cloudEventFromMessage(message.attributes, message.text(), message.native);
  if (!carried) throw new UnsupportedEventError(`a message of the Service Bus topic "${topic}" without a CloudEvent (no ce-specversion application property)`, 'CloudEvents sent with publishEvent');
  return carried;
}
