// The testing kits take the same option names for the same things on every provider (json, body,
// headers, attributes, id): the same options, given to each kit, reach the handler as the same input.
import { describe, expect, it } from 'vitest';
import { wrap, type LambdaV2Result } from '@onefn/aws';
import { functionUrlEvent, lambdaContext, snsEvent, sqsEvent } from '@onefn/aws/testing';
import { serve as serveAzure } from '@onefn/azure';
import { azureHost, httpResult, rpcHttp, rpcQueueMessage, rpcServiceBusMessage } from '@onefn/azure/testing';
import { serve as serveGcp } from '@onefn/gcp';
import { httpRequest, pubsubEvent, startServer } from '@onefn/gcp/testing';
import { defineHttp, defineQueue, defineTopic, json } from 'onefn';

const echo = defineHttp({
  method: 'POST',
  route: '/echo',
  handler: async (req) => json({ body: await req.json(), type: req.headers.get('content-type'), a: req.headers.get('x-a') }),
});
const HTTP = { method: 'POST', headers: { 'x-a': '1' }, json: { name: 'Ada', n: [1, 2] } } as const;
const EXPECTED_HTTP = { body: { name: 'Ada', n: [1, 2] }, type: 'application/json', a: '1' };

describe('HTTP kits: method, path, headers, json', () => {
  it('AWS functionUrlEvent', async () => {
    const res = (await wrap(echo)(functionUrlEvent({ ...HTTP, path: '/echo' }), lambdaContext())) as LambdaV2Result;
    expect(JSON.parse(res.body ?? '')).toEqual(EXPECTED_HTTP);
  });

  it('GCP httpRequest', async () => {
    const [plan] = serveGcp({ echo }, { routedName: 'kitEcho', write: () => {} });
    const server = await startServer(plan!.name);
    try {
      const res = await server.send(httpRequest({ ...HTTP, path: '/echo' }));
      expect(await res.json()).toEqual(EXPECTED_HTTP);
    } finally {
      await server.close();
    }
  });

  it('Azure rpcHttp: json is sent, not dropped', async () => {
    const host = azureHost();
    host.reset();
    const [spec] = serveAzure({ echo }, { routedName: 'api' });
    const res = httpResult(await host.invoke(spec!.name, rpcHttp({ ...HTTP, path: '/api/echo' })));
    expect([res.status, res.json()]).toEqual([200, EXPECTED_HTTP]);
  });

  it('Azure rpcHttp refuses what it would drop: an unknown option, two bodies, url and path', () => {
    expect(() => rpcHttp({ jsn: {} } as never)).toThrow(expect.objectContaining({ code: 'INVALID_TEST_OPTION', message: expect.stringContaining('unknown option "jsn"') }));
    expect(() => rpcHttp({ json: {}, body: 'x' })).toThrow(/give one of json, text, body, not json and body/);
    expect(() => rpcHttp({ url: '/a', path: '/b' })).toThrow(/give one of url, path/);
    const text = rpcHttp({ method: 'POST', path: '/api/x', text: 'hi' });
    expect(new TextDecoder().decode(text.data.http?.body?.bytes ?? undefined)).toBe('hi');
  });
});

describe('message kits: id, json, attributes', () => {
  const seen: unknown[] = [];
  const consumer = { handler: (m: { id: string; body: unknown; attributes: Readonly<Record<string, string>> }) => void seen.push({ id: m.id, body: m.body, attributes: { ...m.attributes } }) };
  const queue = defineQueue({ queue: 'orders', ...consumer });
  const topic = defineTopic({ topic: 'orders', ...consumer });
  const MESSAGE = { id: 'm-1', json: { order: 7 }, attributes: { tenant: 'acme' } } as const;

  it.each([
    ['AWS sqsEvent', async () => void (await wrap(queue)(sqsEvent([MESSAGE]), lambdaContext())), MESSAGE.attributes],
    ['AWS snsEvent', async () => void (await wrap(topic)(snsEvent(MESSAGE), lambdaContext())), MESSAGE.attributes],
    ['GCP pubsubEvent', async () => {
      const [plan] = serveGcp({ kitOrders: queue }, { write: () => {} });
      const server = await startServer(plan!.name);
      try {
        expect((await server.send(pubsubEvent(MESSAGE))).status).toBe(204);
      } finally {
        await server.close();
      }
    }, MESSAGE.attributes],
    ['Azure rpcServiceBusMessage', async () => {
      const host = azureHost();
      host.reset();
      serveAzure({ kitOrders: queue }, { messaging: 'serviceBus' });
      expect((await host.invoke('kitOrders', rpcServiceBusMessage(MESSAGE))).status).toBe('success');
    }, MESSAGE.attributes],
    ['Azure rpcQueueMessage (Storage queues carry no attributes)', async () => {
      const host = azureHost();
      host.reset();
      serveAzure({ kitOrders: queue });
      const { attributes: _none, ...rest } = MESSAGE;
      expect((await host.invoke('kitOrders', rpcQueueMessage(rest))).status).toBe('success');
    }, {}],
  ])('%s', async (_name, send, attributes) => {
    seen.length = 0;
    await send();
    expect(seen).toHaveLength(1);
    expect(seen[0]).toMatchObject({ id: 'm-1', body: { order: 7 } });
    expect((seen[0] as { attributes: Record<string, string> }).attributes).toMatchObject(attributes);
  });

  it('every kit refuses a message given both json and body', () => {
    expect(() => sqsEvent([{ json: 1, body: 'x' }])).toThrow(expect.objectContaining({ code: 'INVALID_TEST_OPTION' }));
    expect(() => snsEvent({ json: 1, body: 'x' })).toThrow(expect.objectContaining({ code: 'INVALID_TEST_OPTION' }));
    expect(() => pubsubEvent({ json: 1, body: 'x' })).toThrow(expect.objectContaining({ code: 'INVALID_TEST_OPTION' }));
    expect(() => rpcQueueMessage({ json: 1, body: 'x' })).toThrow(expect.objectContaining({ code: 'INVALID_TEST_OPTION' }));
    expect(() => rpcServiceBusMessage({ json: 1, body: 'x' })).toThrow(expect.objectContaining({ code: 'INVALID_TEST_OPTION' }));
  });
});
