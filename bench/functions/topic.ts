// A topic function (Pub/Sub through Eventarc on GCP) that reads the message's JSON body.
import { defineTopic } from 'onefn';
import { seenCounter } from '../workload.js';

const seen = seenCounter();

export const topic = defineTopic({
  topic: 'orders',
  handler: (message) => {
    seen.n += (message.body as { qty: number }).qty;
  },
});
