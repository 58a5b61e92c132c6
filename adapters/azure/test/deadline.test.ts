// The deadline cutoff through @azure/functions' own invocation pipeline: with host.json's
// functionTimeout at 2 s, a hung handler is answered for before the host would stop it.
import { beforeEach, describe, expect, it } from 'vitest';
import { DeadlineExceededError, defineHttp, defineQueue } from 'onefn';
import { serve } from '@onefn/azure';
import { azureHost, httpResult, rpcHttp, rpcQueueMessage } from '@onefn/azure/testing';

const host = azureHost();
beforeEach(() => host.reset());
const never = (): Promise<never> => new Promise<never>(() => {});

describe('the deadline cutoff on Azure', () => {
  it('answers a hung HTTP handler with a 504 problem before functionTimeout', async () => {
    let deadline = 0;
    serve({ slow: defineHttp({ route: '/slow', handler: (_req, ctx) => ((deadline = ctx.deadline), never()) }) }, { functionTimeout: 2 });
    const start = Date.now();
    const res = httpResult(await host.invoke('slow', rpcHttp({ method: 'GET', url: '/api/slow' })));
    const now = Date.now();
    expect(res.status).toBe(504);
    expect(res.headers['content-type']).toBe('application/problem+json');
    expect(JSON.parse(new TextDecoder().decode(res.body))).toMatchObject({ status: 504, code: 'DEADLINE_EXCEEDED' });
    expect(now - start).toBeGreaterThanOrEqual(1_800);
    expect(now).toBeLessThan(deadline);
  });

  it('fails the invocation of a hung message with a DeadlineExceededError naming it, and lets the others succeed', async () => {
    let deadline = 0;
    serve({
      orders: defineQueue({
        queue: 'orders',
        handler: async (msg, ctx) => {
          deadline = ctx.deadline;
          if (msg.id === 'q-2') await never();
        },
      }),
    }, { functionTimeout: 2 });
    expect((await host.invoke('orders', rpcQueueMessage({ id: 'q-1', body: { n: 1 } }))).status).toBe('success');
    const hung = await host.invoke('orders', rpcQueueMessage({ id: 'q-2', body: { n: 2 } }));
    expect(Date.now()).toBeLessThan(deadline);
    expect(hung.status).toBe('failure');
    const error = hung.status === 'failure' ? hung.error : undefined;
    expect(error).toBeInstanceOf(DeadlineExceededError);
    expect(error).toMatchObject({ code: 'DEADLINE_EXCEEDED', unfinished: ['q-2'], message: 'The function did not finish before its deadline; unfinished: q-2' });
  });
});
