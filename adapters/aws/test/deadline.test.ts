// The deadline cutoff on the Lambda handler (the aws-lambda-ric path is in real-runtime.test.ts): an
// asynchronously invoked function whose handler hangs throws a DeadlineExceededError before the
// deadline, so that Lambda retries the event and then sends it to the DLQ or failure destination.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { DeadlineExceededError, defineCloudEvent, defineTopic } from 'onefn';
import { wrap } from '@onefn/aws';
import { eventBridgeEvent, lambdaContext, snsEvent } from '@onefn/aws/testing';

afterEach(() => vi.useRealTimers());
const never = (): Promise<never> => new Promise<never>(() => {});

describe('the deadline cutoff on Lambda', () => {
  it.each([
    ['an SNS message', wrap(defineTopic({ topic: 't', handler: () => never() })), snsEvent({ id: 'sns-1', body: 'x' })],
    ['an EventBridge event', wrap(defineCloudEvent({ handler: () => never() })), eventBridgeEvent({ detailType: 'OrderCreated' })],
  ])('throws a DeadlineExceededError naming %s that hangs, before the deadline', async (_n, handler, event) => {
    const id = 'Records' in event ? event.Records[0]!.Sns.MessageId : event.id;
    vi.useFakeTimers({ now: 0 });
    const settled = handler(event, lambdaContext({ timeoutMs: 1_000 })).then(
      () => 'resolved',
      (error: unknown) => error,
    );
    await vi.advanceTimersByTimeAsync(949);
    let done = false;
    void settled.then(() => (done = true));
    await vi.advanceTimersByTimeAsync(0);
    expect(done).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    const error = await settled;
    expect(error).toBeInstanceOf(DeadlineExceededError);
    expect(error).toMatchObject({ code: 'DEADLINE_EXCEEDED', unfinished: [id] });
  });
});
