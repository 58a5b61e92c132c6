import { defineCloudEvent, topic } from 'onefn';

// A CloudEvent consumer bound to a topic: deploy subscribes it to the SNS topic, not an EventBridge rule.
export const done = topic('order-done');
export const announce = defineCloudEvent({ topic: done, types: ['com.example.order.done'], handler: () => {} });
