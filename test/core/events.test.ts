import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { defineCloudEvent, defineQueue, defineSchedule, defineStorage, defineTopic, MalformedEventError, UnsupportedEventError, ValidationError } from 'onefn';
import { batchError, cloudEventFromJson, createCloudEvent, createContext, createMessage, runEvents } from 'onefn/runtime';
import { cloudEvent, invoke, message, scheduleTick, storageEvent } from 'onefn/testing';

const fixtures = new URL('../../../shared/fixtures/', import.meta.url);

describe('messages', () => {
  const seen: unknown[] = [];
  const orders = defineQueue({
    queue: 'orders',
    schema: z.object({ id: z.string(), total: z.number().nonnegative() }),
    handler: async (msg) => {
      if (msg.body.id === 'boom') throw new Error('handler failed');
      seen.push(msg.body);
    },
  });

  it('handles each message on its own and reports failures per message', async () => {
    seen.length = 0;
    const batch = [
      message({ id: 'm1', body: { id: 'a', total: 1 } }),
      message({ id: 'm2', body: { id: 'boom', total: 1 } }),
      message({ id: 'm3', body: { id: 'c', total: -1 } }),
      message({ id: 'm4', body: 'not json' }),
      message({ id: 'm5', body: { id: 'e', total: 2 } }),
    ];
    const result = await invoke(orders, batch);
    expect(result.ok).toBe(false);
    expect(result.failed).toEqual(['m2', 'm3', 'm4']);
    expect(result.outcomes.map((o) => o.status)).toEqual(['ok', 'failed', 'failed', 'failed', 'ok']);
    const invalid = result.outcomes[2];
    expect(invalid?.status === 'failed' && invalid.error).toBeInstanceOf(ValidationError);
    expect(invalid?.status === 'failed' && (invalid.error as ValidationError).issues[0]).toMatchObject({ location: 'message', path: ['total'] });
    expect(result.outcomes[3]?.status === 'failed' && result.outcomes[3].error).toBeInstanceOf(MalformedEventError);
    expect(seen).toEqual([{ id: 'a', total: 1 }, { id: 'e', total: 2 }]);
    expect(result.logs.messages('error')).toEqual(['Event handler failed', 'Event failed validation', 'Event handler failed']);
  });

  it('stops an ordered batch at the first failure and fails every later message unrun', async () => {
    const ran: string[] = [];
    const fifo = defineQueue({ queue: 'q.fifo', ordered: true, handler: (msg) => {
      ran.push(msg.id);
      if (msg.id === 'b') throw new Error('x');
    } });
    const result = await invoke(fifo, ['a', 'b', 'c', 'd'].map((id) => message({ id, body: {} })));
    expect(ran).toEqual(['a', 'b']);
    expect(result.failed).toEqual(['b', 'c', 'd']);
  });

  it('exposes id, attributes, attempt, time, source, ordering key and raw forms', async () => {
    let got: Record<string, unknown> = {};
    const topic = defineTopic({ topic: 't', handler: (msg) => {
      got = { id: msg.id, body: msg.body, text: msg.text(), bytes: msg.bytes().length, attrs: msg.attributes, attempt: msg.attempt, at: msg.publishedAt?.toISOString(), source: msg.source, key: msg.orderingKey };
    } });
    const msg = createMessage({ id: 'x', body: { data: Buffer.from('{"a":1}').toString('base64'), base64: true }, attributes: { k: 'v' }, attempt: 3, publishedAt: '2026-01-02T03:04:05Z', source: 'topic-a', orderingKey: 'key-1' });
    expect((await invoke(topic, msg)).ok).toBe(true);
    expect(got).toEqual({ id: 'x', body: { a: 1 }, text: '{"a":1}', bytes: 7, attrs: { k: 'v' }, attempt: 3, at: '2026-01-02T03:04:05.000Z', source: 'topic-a', key: 'key-1' });
  });

  it('gives a non-JSON body as text without a schema', async () => {
    let body: unknown;
    await invoke(defineTopic({ topic: 't', handler: (m) => void (body = m.body) }), message({ body: 'plain words' }));
    expect(body).toBe('plain words');
  });

  it('reads attempt, time and attributes given as functions once, when first asked for', () => {
    let reads = 0;
    const msg = createMessage({
      id: 'x',
      body: { data: '{}' },
      attempt: () => (++reads, 3),
      publishedAt: () => (++reads, 1_700_000_000_000),
      attributes: () => (++reads, { k: 'v' }),
    });
    expect(reads).toBe(0);
    expect([msg.attempt, msg.attempt, msg.publishedAt?.getTime(), msg.attributes, msg.attributes]).toEqual([3, 3, 1_700_000_000_000, { k: 'v' }, { k: 'v' }]);
    expect(reads).toBe(3);
    const unreadable = createMessage({ id: 'y', body: { data: '' }, attempt: () => Number('x'), publishedAt: () => 'not a time' });
    expect([unreadable.attempt, unreadable.publishedAt]).toEqual([1, undefined]);
  });

  it('calls shared reading functions with readFrom, so a batch needs no closure per message', () => {
    const records = [{ n: 2, at: 1_700_000_000_000 }, { n: 5, at: 1_800_000_000_000 }];
    const attempt = (from: unknown): number => (from as { n: number }).n;
    const publishedAt = (from: unknown): number => (from as { at: number }).at;
    const attributes = (from: unknown): Record<string, string> => ({ n: String((from as { n: number }).n) });
    const msgs = records.map((r, i) => createMessage({ id: `m${i}`, body: { data: '' }, attempt, publishedAt, attributes, readFrom: r }));
    expect(msgs.map((m) => [m.attempt, m.publishedAt?.getTime(), m.attributes])).toEqual([
      [2, 1_700_000_000_000, { n: '2' }],
      [5, 1_800_000_000_000, { n: '5' }],
    ]);
  });

  it('rejects a bad publish time as malformed', () => {
    expect(() => createMessage({ id: 'x', body: { data: '' }, publishedAt: 'yesterday' })).toThrow(MalformedEventError);
  });
});

describe('storage, schedule and CloudEvents', () => {
  it('filters storage events by change, prefix and suffix before the handler', async () => {
    const keys: string[] = [];
    const def = defineStorage({ bucket: 'b', changes: ['created'], prefix: 'img/', suffix: '.png', handler: (e) => void keys.push(e.key) });
    const result = await invoke(def, [
      storageEvent({ bucket: 'b', key: 'img/a.png', size: 10 }),
      storageEvent({ bucket: 'b', key: 'img/a.png', change: 'deleted' }),
      storageEvent({ bucket: 'b', key: 'doc/a.png' }),
      storageEvent({ bucket: 'b', key: 'img/a.jpg' }),
    ]);
    expect(keys).toEqual(['img/a.png']);
    expect(result.outcomes.map((o) => o.status)).toEqual(['ok', 'skipped', 'skipped', 'skipped']);
    expect(result.ok).toBe(true);
  });

  it('runs a schedule tick', async () => {
    let at = '';
    const def = defineSchedule({ schedule: '0 9 * * *', handler: (tick) => void (at = tick.scheduledTime.toISOString()) });
    expect((await invoke(def, scheduleTick({ scheduledTime: '2026-03-01T09:00:00Z' }))).ok).toBe(true);
    expect(at).toBe('2026-03-01T09:00:00.000Z');
  });

  it('refuses (fails, never acknowledges) an object change in another bucket, without running the handler', async () => {
    const keys: string[] = [];
    const def = defineStorage({ bucket: 'uploads', handler: (e) => void keys.push(e.key) });
    const result = await invoke(def, [storageEvent({ id: 's1', bucket: 'other', key: 'a.png' }), storageEvent({ id: 's2', bucket: 'uploads', key: 'b.png' })]);
    expect(keys).toEqual(['b.png']);
    expect(result.failed).toEqual(['s1']);
    const refused = result.outcomes[0];
    expect(refused?.status === 'failed' && refused.error).toBeInstanceOf(UnsupportedEventError);
    expect(refused?.status === 'failed' && (refused.error as Error).message).toBe(
      'Unsupported event: received an object change in bucket "other", this function serves object changes in bucket "uploads"',
    );
    expect(batchError(result)).toBe(refused?.status === 'failed' ? refused.error : undefined);
  });

  it.each([
    ['another type', { type: 'order.deleted', source: '/orders' }, 'a CloudEvent of type "order.deleted" from "/orders"'],
    ['another source', { type: 'order.created', source: '/elsewhere' }, 'a CloudEvent of type "order.created" from "/elsewhere"'],
  ])('refuses a CloudEvent of %s: failed with an UnsupportedEventError, the handler not run', async (_n, attrs, received) => {
    let runs = 0;
    const def = defineCloudEvent({ types: ['order.created'], source: '/orders', handler: () => void runs++ });
    const result = await invoke(def, cloudEvent({ id: 'e1', ...attrs }));
    expect(runs).toBe(0);
    expect(result.ok).toBe(false);
    expect(result.failed).toEqual(['e1']);
    const error = batchError(result);
    expect(error).toBeInstanceOf(UnsupportedEventError);
    expect(error?.message).toBe(`Unsupported event: received ${received}, this function serves CloudEvents of type "order.created" from "/orders"`);
    expect(result.logs.messages('warn')).toEqual(['Event refused: this function does not serve it']);
  });

  it('names no batch error when a handler itself failed', async () => {
    const def = defineCloudEvent({ types: ['a'], handler: () => { throw new Error('boom'); } });
    const result = await invoke(def, [cloudEvent({ type: 'b' }), cloudEvent({ type: 'a' })]);
    expect(result.failed).toHaveLength(2);
    expect(batchError(result)).toBeUndefined();
    expect(batchError(await invoke(def, []))).toBeUndefined();
  });

  it('validates CloudEvent data and refuses other types', async () => {
    const ids: string[] = [];
    const def = defineCloudEvent({ types: ['order.created'], schema: z.object({ orderId: z.string() }), handler: (e) => void ids.push(e.data.orderId) });
    const result = await invoke(def, [
      cloudEvent({ id: '1', type: 'order.created', data: { orderId: 'o1' } }),
      cloudEvent({ id: '2', type: 'order.deleted', data: { orderId: 'o2' } }),
      cloudEvent({ id: '3', type: 'order.created', data: { order: 'x' } }),
      cloudEvent({ id: '4', type: 'order.created', data: new TextEncoder().encode('{"orderId":"o4"}') }),
    ]);
    expect(ids).toEqual(['o1', 'o4']);
    expect(result.outcomes.map((o) => o.status)).toEqual(['ok', 'failed', 'failed', 'ok']);
    expect(result.outcomes.map((o) => (o.status === 'failed' ? (o.error as Error).name : o.status))).toEqual(['ok', 'UnsupportedEventError', 'ValidationError', 'ok']);
  });
});

describe('CloudEvents JSON format fixtures', () => {
  const dir = new URL('cloudevents/json-format/', fixtures);
  const files = readdirSync(dir).filter((f) => f.endsWith('.json'));
  it.each(files)('%s parses or is rejected clearly', (file) => {
    const value = JSON.parse(readFileSync(new URL(file, dir), 'utf8')) as unknown;
    const events = Array.isArray(value) ? value : [value];
    for (const raw of events) {
      const r = raw as Record<string, unknown>;
      if (typeof r['data_base64'] === 'string' && !/^[A-Za-z0-9+/]*={0,2}$/.test(r['data_base64'])) {
        // The spec's batch example carries a placeholder where the base64 goes.
        expect(() => cloudEventFromJson(raw)).toThrow('CloudEvent "data_base64" is not valid base64');
        continue;
      }
      const event = cloudEventFromJson(raw);
      expect(event.id).toBe(r['id']);
      expect(event.type).toBe(r['type']);
      expect(event.source).toBe(r['source']);
      if ('data_base64' in r) expect(Buffer.from(event.data as Uint8Array).toString('base64')).toBe(r['data_base64']);
      else expect(event.data).toEqual(r['data']);
    }
  });

  it.each([null, 'x', [], { id: '1', type: 't' }, { id: '1', source: 's', type: 't', specversion: '0.3' }])('rejects %j', (value) => {
    expect(() => cloudEventFromJson(value)).toThrow(MalformedEventError);
  });
});

describe('a refusal names what arrived, escaped and cut short', () => {
  it('never carries CR/LF or more than 80 characters of a producer value', async () => {
    const def = defineCloudEvent({ types: ['order.created'], handler: () => {} });
    const type = `evil\r\nx-injected: 1${'a'.repeat(5000)}`;
    const result = await runEvents(def, [createCloudEvent({ id: 'e1', type, source: 's', specversion: '1.0' })], createContext({ logSink: () => {} }));
    const outcome = result.outcomes[0] as { status: string; error: Error };
    expect(outcome.status).toBe('failed');
    expect(outcome.error.message).not.toMatch(/[\r\n]/);
    expect(outcome.error.message.length).toBeLessThan(400);
  });
});
