// A queue function (SQS on AWS, a Storage queue on Azure) that reads each message's JSON body.
import { defineQueue } from 'onefn';
import { seenCounter } from '../workload.js';

const seen = seenCounter();

export const queue = defineQueue({
  queue: 'orders',
  handler: (message) => {
    seen.n += (message.body as { qty: number }).qty;
  },
});
