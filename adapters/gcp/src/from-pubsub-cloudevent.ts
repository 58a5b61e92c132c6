import type { CloudEvent, Native } from 'onefn';
import { cloudEventFromMessage } from 'onefn/runtime';
import type { Delivery } from './from-delivery.js';
import { messageFromDelivery } from './from-pubsub.js';

/**
 * The CloudEvent a Pub/Sub message carries in binary mode (the CloudEvents Pub/Sub binding, what
 * `publishEvent` sends): its `ce-` attributes are the context, its data the event's data. Undefined
 * when the message carries none, so the messagePublished event itself is the CloudEvent.
 * https://github.com/cloudevents/spec/blob/main/cloudevents/bindings/pubsub-protocol-binding.md
 */
export function carriedCloudEvent(delivery: Delivery, native: Native): CloudEvent | undefined {
  const message = messageFromDelivery(delivery, native);
  return cloudEventFromMessage(message.attributes, message.text(), native);
}
