import type { EventDefinition } from '../onefn/definition.js';

/**
 * What each provider does with an item that failed, as the dashboard shows it beside a local run.
 * Sources: AWS Lambda's SQS partial batch responses (ReportBatchItemFailures; the message returns
 * after its visibility timeout, and goes to the dead-letter queue after maxReceiveCount); Pub/Sub
 * redelivers a push whose answer is not 2xx, with the subscription's retry policy, and dead-letters
 * after max delivery attempts; the Azure Functions queue trigger retries a message and moves it to
 * `<queue>-poison` after maxDequeueCount (5 by default). See shared/PROVIDERS.md.
 */
export function onFailureLocally(definition: EventDefinition): Record<string, string> {
  if (definition.kind === 'message' && definition.trigger.type === 'queue') {
    const queue = definition.trigger.name;
    return {
      aws: `SQS: reported in batchItemFailures; the message is received again after its visibility timeout, and moved to the dead-letter queue after maxReceiveCount${definition.trigger.ordered ? ' (FIFO: every later message of its group is failed too)' : ''}`,
      gcp: 'Pub/Sub: answered with a non-2xx status, so it is redelivered with backoff, and sent to the dead-letter topic after max delivery attempts',
      azure: `Storage queue: the invocation fails and the host retries it; after 5 dequeues (maxDequeueCount) it moves to ${queue}-poison`,
    };
  }
  if (definition.kind === 'message') {
    return {
      aws: 'SNS: the invocation fails; Lambda retries an asynchronous invocation twice, then sends it to the on-failure destination or dead-letter queue',
      gcp: 'Pub/Sub: answered with a non-2xx status, so it is redelivered with backoff, and sent to the dead-letter topic after max delivery attempts',
      azure: 'Service Bus topic: the message is abandoned and redelivered, and dead-lettered after MaxDeliveryCount',
    };
  }
  return {
    aws: 'the invocation fails; Lambda retries an asynchronous invocation twice, then sends it to the on-failure destination',
    gcp: 'Eventarc: answered with a non-2xx status; retried only when the trigger\'s retry policy is on',
    azure: 'the invocation fails; Event Grid redelivers by its retry policy, a timer waits for its next tick',
  };
}
