// A Storage queue function written directly against @azure/functions v4.
import { app } from '@azure/functions';
import { seenCounter } from '../workload.js';

const seen = seenCounter();

app.storageQueue('queue', {
  queueName: 'orders',
  connection: 'AzureWebJobsStorage',
  handler: async (message) => {
    seen.n += (message as { qty: number }).qty;
  },
});
