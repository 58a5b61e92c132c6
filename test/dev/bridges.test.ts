import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { invoke, KITCHEN_SINK, startOn, type Started } from './helpers.js';

interface Answer {
  record: { provider: string; outcomes: Array<{ id: string; status: string }>; failed: string[]; onFailure: string; native: Array<{ event: unknown; result: unknown }> | { event: unknown; result: unknown } };
  response?: { status: number; body: string };
}

const batch = [
  { kind: 'message', id: 'm-1', body: { id: 'a', total: 1 } },
  { kind: 'message', id: 'm-2', body: { id: 'boom', total: 2 } },
  { kind: 'message', id: 'm-3', body: { id: 'c', total: 3 } },
];

describe.each(['aws', 'gcp', 'azure'] as const)('sending as %s through its adapter', (provider) => {
  let s: Started;
  beforeAll(async () => {
    s = await startOn(KITCHEN_SINK);
  });
  afterAll(() => s.stop());

  const send = async (body: unknown): Promise<Answer> => {
    const res = await invoke(s.dev, body);
    expect(res.status).toBe(200);
    return (await res.json()) as Answer;
  };

  it('answers an HTTP request as the portable pipeline does, showing the native event', async () => {
    const good = await send({ function: 'http', provider, input: { method: 'POST', path: '/users', body: { name: 'Ada', age: 30 } } });
    expect(good.response?.status).toBe(201);
    expect(JSON.parse(good.response?.body ?? '')).toEqual({ created: 'Ada' });
    expect(good.record.provider).toBe(provider);
    const bad = await send({ function: 'http', provider, input: { method: 'POST', path: '/users', body: { name: '', age: 30 } } });
    expect(bad.response?.status).toBe(400);
    expect(JSON.parse(bad.response?.body ?? '').issues[0]).toMatchObject({ location: 'body', path: ['name'] });
    const native = good.record.native as { event: Record<string, unknown>; result: unknown };
    if (provider === 'aws') expect(native.event).toMatchObject({ version: '2.0', rawPath: '/users', requestContext: { http: { method: 'POST' } } });
    if (provider === 'gcp') expect(native.event).toMatchObject({ method: 'POST', path: '/users' });
    if (provider === 'azure') expect(native.event).toMatchObject({ method: 'POST', url: 'http://localhost:7071/api/users' });
  });

  it('reports exactly the failing message of a batch, as the provider would hand it back', async () => {
    const { record } = await send({ function: 'orders', provider, input: batch });
    expect(record.failed).toEqual(['m-2']);
    expect(record.outcomes.map((o) => o.status)).toEqual(['ok', 'failed', 'ok']);
    const native = record.native as Array<{ event: unknown; result: unknown }>;
    if (provider === 'aws') {
      // One SQS batch, answered with batchItemFailures naming the failed message only.
      expect(native).toHaveLength(1);
      expect(native[0]?.result).toEqual({ batchItemFailures: [{ itemIdentifier: 'm-2' }] });
      expect((native[0]?.event as { Records: Array<{ messageId: string; eventSource: string }> }).Records.map((r) => [r.messageId, r.eventSource])).toEqual([['m-1', 'aws:sqs'], ['m-2', 'aws:sqs'], ['m-3', 'aws:sqs']]);
      expect(record.onFailure).toContain('batchItemFailures');
    } else {
      // Pub/Sub and the Functions host deliver one message per invocation.
      expect(native).toHaveLength(3);
      if (provider === 'gcp') expect(native.map((d) => (d.result as { status: number }).status)).toEqual([204, 500, 204]);
      if (provider === 'azure') expect(native.map((d) => (d.result as { status: string }).status)).toEqual(['succeeded', 'failed', 'succeeded']);
      expect(record.onFailure).toMatch(provider === 'gcp' ? /Pub\/Sub/ : /orders-poison/);
    }
  });

  it.each([
    ['uploads', { kind: 'storage', bucket: 'uploads', key: 'images/red flower.png', size: 3 }],
    ['nightly', { kind: 'schedule', scheduledTime: '2026-01-01T01:30:00Z' }],
    ['placed', { kind: 'cloudevent', id: 'e-1', source: '/shop', type: 'order.placed', data: { n: 1 } }],
    ['signups', { kind: 'message', id: 's-1', body: 'hello' }],
  ])('delivers a %s event', async (name, input) => {
    const { record } = await send({ function: name, provider, input });
    expect(record.failed).toEqual([]);
    expect(record.outcomes).toHaveLength(1);
  });

  it('refuses, as the provider would, an event the definition does not serve', async () => {
    const { record } = await send({ function: 'placed', provider, input: { kind: 'cloudevent', source: '/shop', type: 'order.cancelled' } });
    expect(record.outcomes.map((o) => o.status)).toEqual(['failed']);
  });
});

describe('onefn dev --provider', () => {
  it('sends every request through the adapter, and says so in the access line', async () => {
    const s = await startOn(KITCHEN_SINK, { provider: 'aws' });
    try {
      const res = await fetch(`${s.dev.url}/users/12`, { headers: { cookie: 'a=1; b=2' } });
      expect(await res.json()).toMatchObject({ id: '12' });
      const events = await fetch(`${s.dev.url}/_onefn/events/orders`, { method: 'POST', body: JSON.stringify(batch) });
      expect(await events.json()).toEqual({ outcomes: [{ id: 'm-1', status: 'ok' }, { id: 'm-2', status: 'failed' }, { id: 'm-3', status: 'ok' }], failed: ['m-2'] });
      expect(s.lines).toContainEqual(expect.stringMatching(/^GET \/users\/12 200 \d+(\.\d)?ms http \(as aws\)$/));
      expect(s.lines[0]).toContain('(each request as aws would deliver it)');
    } finally {
      await s.stop();
    }
  });
});
