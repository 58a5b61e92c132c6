import { describe, expectTypeOf, it } from 'vitest';
import { defineHttp, defineQueue, defineSchedule, defineStorage, defineTopic, json, type Context } from 'onefn';
import { wrap, serve, type LambdaContext, type LambdaEvent, type LambdaHttpResult, type LambdaResult, type SqsBatchResponse } from '@onefn/aws';
import { lambdaContext } from '@onefn/aws/testing';

const orders = defineQueue({ queue: 'orders', handler: () => {} });
const audit = defineTopic({ topic: 'audit', handler: () => {} });
const uploads = defineStorage({ bucket: 'uploads', handler: () => {} });
const nightly = defineSchedule({ schedule: '0 2 * * *', handler: () => {} });
const hello = defineHttp({ method: 'GET', route: '/hello', handler: () => json({ hi: true }) });
const app = { orders, hello };

describe('@onefn/aws handler types', () => {
  it('a message definition answers an SQS batch response, or nothing (SNS)', async () => {
    expectTypeOf(wrap(orders)).returns.resolves.toEqualTypeOf<SqsBatchResponse | undefined>();
    expectTypeOf(wrap(audit)).returns.resolves.toEqualTypeOf<SqsBatchResponse | undefined>();
    expectTypeOf(serve(orders)).returns.resolves.toEqualTypeOf<SqsBatchResponse | undefined>();
    expectTypeOf(wrap(orders)).returns.resolves.toEqualTypeOf<SqsBatchResponse | undefined>();
    const answer = await wrap(orders)({}, lambdaContext());
    if (answer) expectTypeOf(answer.batchItemFailures).toEqualTypeOf<Array<{ itemIdentifier: string }>>();
    // @ts-expect-error an SNS invocation answers nothing, so the batch response must be checked for
    void answer.batchItemFailures;
    // @ts-expect-error a queue consumer does not answer HTTP
    const http: LambdaHttpResult = await wrap(orders)({}, lambdaContext());
    void http;
  });

  it('HTTP definitions answer HTTP results; other event definitions answer nothing', () => {
    expectTypeOf(wrap(hello)).returns.resolves.toEqualTypeOf<LambdaHttpResult>();
    expectTypeOf(wrap([hello])).returns.resolves.toEqualTypeOf<LambdaHttpResult>();
    expectTypeOf(wrap([hello])).returns.resolves.toEqualTypeOf<LambdaHttpResult>();
    expectTypeOf(serve([hello])).returns.resolves.toEqualTypeOf<LambdaHttpResult>();
    expectTypeOf(wrap(uploads)).returns.resolves.toEqualTypeOf<undefined>();
    expectTypeOf(serve(nightly)).returns.resolves.toEqualTypeOf<undefined>();
    // @ts-expect-error a list given to wrap holds HTTP definitions only
    wrap([orders]);
    // @ts-expect-error only HTTP definitions stream
    wrap(orders, { stream: true });
  });

  it('a module may plan into any function, so its handler answers any of them', () => {
    expectTypeOf(serve(app, { function: 'orders' })).returns.resolves.toEqualTypeOf<LambdaResult>();
    expectTypeOf<SqsBatchResponse>().toMatchTypeOf<LambdaResult>();
    expectTypeOf<LambdaResult>().toEqualTypeOf<LambdaHttpResult | SqsBatchResponse | undefined>();
    // @ts-expect-error unknown option names fail to compile
    serve(app, { fn: 'orders' });
  });

  it('is called as the Node.js runtime calls it: any event, a Lambda context', () => {
    expectTypeOf(wrap(orders)).parameters.toEqualTypeOf<[unknown, LambdaContext]>();
    // @ts-expect-error the context is required, and must be a Lambda context
    void wrap(orders)({}, { functionName: 'orders' });
  });
});

describe('@onefn/aws ctx.native', () => {
  it('narrows to the Lambda event and context when provider is aws', () => {
    const ctx = {} as Context;
    if (ctx.native.provider === 'aws') {
      expectTypeOf(ctx.native.event).toEqualTypeOf<LambdaEvent>();
      expectTypeOf(ctx.native.context).toEqualTypeOf<LambdaContext | undefined>();
      // @ts-expect-error locally built contexts have no Lambda context, so it must be checked for
      void ctx.native.context.getRemainingTimeInMillis();
    }
    // @ts-expect-error before narrowing, the event may be another provider's
    const event: LambdaEvent = ctx.native.event;
    void event;
  });

  it('narrows inside a definition handler too', () => {
    defineQueue({
      queue: 'orders',
      handler: (_message, ctx) => {
        if (ctx.native.provider === 'aws' && ctx.native.context) expectTypeOf(ctx.native.context.awsRequestId).toEqualTypeOf<string>();
        // @ts-expect-error awsRequestId is on the Lambda context only
        void ctx.native.context.awsRequestId;
      },
    });
  });
});
