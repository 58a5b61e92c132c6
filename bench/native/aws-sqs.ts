// An SQS batch handler written by hand, with partial batch responses.
import { seenCounter } from '../workload.js';
import type { SqsEvent } from './aws-types.js';

const seen = seenCounter();

export const handler = async (event: SqsEvent): Promise<{ batchItemFailures: Array<{ itemIdentifier: string }> }> => {
  const batchItemFailures: Array<{ itemIdentifier: string }> = [];
  for (const record of event.Records) {
    try {
      seen.n += (JSON.parse(record.body) as { qty: number }).qty;
    } catch {
      batchItemFailures.push({ itemIdentifier: record.messageId });
    }
  }
  return { batchItemFailures };
};
