// ctx.native is typed per provider once the adapters are imported (they augment NativeRegistry).
import { describe, expectTypeOf, it } from 'vitest';
import { defineHttp, json, type Native } from 'onefn';
import type { LambdaContext, LambdaEvent } from '@onefn/aws';
import type { GcpNative } from '@onefn/gcp';
import type { InvocationContext } from '@azure/functions';
import '@onefn/aws';
import '@onefn/gcp';
import '@onefn/azure';

describe('the typed escape hatch', () => {
  it('narrows ctx.native by provider', () => {
    defineHttp({
      handler: (_req, ctx) => {
        const native: Native = ctx.native;
        if (native.provider === 'aws') {
          expectTypeOf(native.event).toEqualTypeOf<LambdaEvent>();
          expectTypeOf(native.context).toEqualTypeOf<LambdaContext | undefined>();
          expectTypeOf(native.context?.awsRequestId).toEqualTypeOf<string | undefined>();
        }
        if (native.provider === 'gcp') expectTypeOf(native).toExtend<{ provider: 'gcp' } & GcpNative>();
        if (native.provider === 'azure') expectTypeOf(native.context).toEqualTypeOf<InvocationContext>();
        if (native.provider === 'local') expectTypeOf(native.event).toEqualTypeOf<unknown>();
        // @ts-expect-error no such provider
        if (native.provider === 'vercel') return json({});
        return json({});
      },
    });
  });
});
