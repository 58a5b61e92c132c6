import { describe, expectTypeOf, it } from 'vitest';
import { defineTopic, type Context } from 'onefn';
import { toCloudEventFunction, toEventFunction, toHttpFunction, type GcpRequest, type GcpCloudEventObject } from '@onefn/gcp';
import { defineHttp, json } from 'onefn';

describe('@onefn/gcp types', () => {
  it('types ctx.native for gcp by narrowing on provider', () => {
    const ctx = {} as Context;
    if (ctx.native.provider === 'gcp') expectTypeOf(ctx.native.event).toEqualTypeOf<GcpRequest | GcpCloudEventObject>();
  });

  it('wraps definitions into framework functions', () => {
    const get = defineHttp({ method: 'GET', handler: () => json({}) });
    const topic = defineTopic({ topic: 't', handler: () => {} });
    expectTypeOf(toHttpFunction([get])).parameters.toMatchTypeOf<[GcpRequest, unknown]>();
    expectTypeOf(toEventFunction(topic)).returns.toEqualTypeOf<Promise<void>>();
    expectTypeOf(toCloudEventFunction(topic)).parameter(0).toEqualTypeOf<GcpCloudEventObject>();
    // @ts-expect-error an HTTP definition is not an event definition
    toEventFunction(get);
    // @ts-expect-error unknown option names fail to compile
    toHttpFunction(get, { timeoutSecs: 5 });
  });
});
