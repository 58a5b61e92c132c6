// A Pub/Sub function (an Eventarc CloudEvent) written directly against functions-framework.
import { cloudEvent, type CloudEvent } from '@google-cloud/functions-framework';
import { seenCounter } from '../workload.js';

const seen = seenCounter();

type Published = { message?: { data?: string } };

cloudEvent<Published>('topic', (event: CloudEvent<Published>) => {
  const data = event.data?.message?.data;
  if (data === undefined) throw new Error('no message data');
  seen.n += (JSON.parse(Buffer.from(data, 'base64').toString('utf8')) as { qty: number }).qty;
});
