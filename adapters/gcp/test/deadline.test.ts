// Deadlines and refusals under functions-framework's own server: a function configured with a 2 s
// timeout answers for a hung handler on its own before the deadline, and an event its definition does
// not serve is never acknowledged.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defineCloudEvent, defineHttp, defineTopic, type LogEntry } from 'onefn';
import { serve } from '@onefn/gcp';
import { binaryCloudEvent, httpRequest, pubsubEvent, startServer, type TestServer } from '@onefn/gcp/testing';

const ran: string[] = [];
// Each handler notes its invocation's deadline: an answer the client holds before it was in time.
const deadlines: number[] = [];
const logs: LogEntry[] = [];
const never = (): Promise<never> => new Promise<never>(() => {});

const mod = {
  dlSlowApi: defineHttp({ route: '/slow', handler: (_req, ctx) => (deadlines.push(ctx.deadline), never()) }),
  dlTopic: defineTopic({
    topic: 'orders',
    handler: async (m, ctx) => {
      ran.push(m.id);
      deadlines.push(ctx.deadline);
      if (m.text() === 'hang') await never();
    },
  }),
  dlOrders: defineCloudEvent({ types: ['order.created'], handler: (e) => void ran.push(e.id) }),
};

const servers: Record<string, TestServer> = {};
beforeAll(async () => {
  serve(mod, { timeoutSeconds: 2, logSink: (e) => void logs.push(e) });
  for (const name of ['dlSlowApi', 'dlTopic', 'dlOrders']) servers[name] = await startServer(name);
});
afterAll(async () => {
  for (const s of Object.values(servers)) await s.close();
});

/** The answer, and how long before the handler's deadline it reached the client (negative when late). */
async function timed(name: string, request: Parameters<TestServer['send']>[0]): Promise<{ res: Response; ahead: number; ms: number }> {
  deadlines.length = 0;
  const start = Date.now();
  const res = await (servers[name] as TestServer).send(request);
  await res.clone().arrayBuffer();
  const now = Date.now();
  return { res, ahead: (deadlines[0] ?? Infinity) - now, ms: now - start };
}

describe('the deadline cutoff on functions-framework', () => {
  it('answers a hung HTTP handler with a 504 problem before the 2 s timeout', async () => {
    const { res, ms, ahead } = await timed('dlSlowApi', httpRequest({ path: '/slow' }));
    expect(res.status).toBe(504);
    expect(res.headers.get('content-type')).toBe('application/problem+json');
    expect(await res.json()).toMatchObject({ status: 504, code: 'DEADLINE_EXCEEDED' });
    // At the cutoff: after ctx.signal (200 ms before a 2 s deadline), before the deadline itself.
    expect(ms).toBeGreaterThanOrEqual(1_800);
    expect(ahead).toBeGreaterThan(0);
    expect(ahead).toBeLessThan(200);
  });

  it('answers a hung message with a 504 naming it (so Pub/Sub redelivers), and acknowledges the others', async () => {
    const ok = await timed('dlTopic', pubsubEvent({ messageId: 'p-1', data: 'fine' }));
    expect(ok.res.status).toBe(204);
    const { res, ahead } = await timed('dlTopic', pubsubEvent({ messageId: 'p-2', data: 'hang' }));
    expect(res.status).toBe(504);
    expect(await res.json()).toMatchObject({ code: 'DEADLINE_EXCEEDED', failed: ['p-2'], detail: 'The function did not finish before its deadline; unfinished: p-2' });
    expect(ahead).toBeGreaterThan(0);
    expect(logs.some((e) => e.level === 'error' && e.message.startsWith('Event handler did not finish before the deadline'))).toBe(true);
  });
});

describe('events the definition does not serve', () => {
  it('answers a CloudEvent of another type 422 without running the handler (it used to be a 204)', async () => {
    ran.length = 0;
    const { res } = await timed('dlOrders', binaryCloudEvent({ id: 'ce-del', type: 'order.deleted', source: '/orders', json: { id: 1 } }));
    expect(res.status).toBe(422);
    expect(await res.json()).toMatchObject({ code: 'UNSUPPORTED_EVENT', received: 'a CloudEvent of type "order.deleted" from "/orders"', failed: ['ce-del'] });
    expect(ran).toEqual([]);
    const served = await timed('dlOrders', binaryCloudEvent({ id: 'ce-new', type: 'order.created', source: '/orders', json: { id: 1 } }));
    expect(served.res.status).toBe(204);
    expect(ran).toEqual(['ce-new']);
  });
});
