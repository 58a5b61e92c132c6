import { describe, expectTypeOf, it } from 'vitest';
import { defineTopic, type Context } from 'onefn';
import { wrap, type GcpRequest, type GcpCloudEventObject } from '@onefn/gcp';
import { defineHttp, json } from 'onefn';

describe('@onefn/gcp types', () => {
  it('types ctx.native for gcp by narrowing on provider', () => {
    const ctx = {} as Context;
    if (ctx.native.provider === 'gcp') expectTypeOf(ctx.native.event).toEqualTypeOf<GcpRequest | GcpCloudEventObject>();
  });

  it('wraps definitions into framework functions', () => {
    const get = defineHttp({ method: 'GET', handler: () => json({}) });
    const topic = defineTopic({ topic: 't', handler: () => {} });
    expectTypeOf(wrap([get])).parameters.toMatchTypeOf<[GcpRequest, unknown]>();
    expectTypeOf(wrap(topic)).returns.toEqualTypeOf<Promise<void>>();
    expectTypeOf(wrap(topic, { signature: 'cloudevent' })).parameter(0).toEqualTypeOf<GcpCloudEventObject>();
    // @ts-expect-error an HTTP definition has no CloudEvent signature
    wrap(get, { signature: 'cloudevent' });
    // @ts-expect-error unknown option names fail to compile
    wrap(get, { timeoutSecs: 5 });
  });
});
