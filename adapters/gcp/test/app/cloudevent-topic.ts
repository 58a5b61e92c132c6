import { defineCloudEvent, topic } from 'onefn';

// A CloudEvent consumer bound to a topic, and one that is not (its trigger cannot be derived).
export const done = topic('order-done');
export const announce = defineCloudEvent({ topic: done, types: ['com.example.order.done'], handler: () => {} });
export const anything = defineCloudEvent({ handler: () => {} });
