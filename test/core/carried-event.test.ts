import { describe, expect, it } from 'vitest';
import { defineCloudEvent, defineHttp, DefinitionError, MalformedEventError, noContent, queue, topic } from 'onefn';
import { cloudEventFromMessage, cloudEventMessage, createCloudEvent } from 'onefn/runtime';
import { httpRequest, invoke, memoryResources } from 'onefn/testing';

// A CloudEvent carried by a topic message in binary mode (what publishEvent sends on every provider),
// read back by cloudEventFromMessage, which the three adapters share; and defineCloudEvent({ topic }).

const native = { provider: 'local', event: undefined, context: undefined } as const;
const context = { 'ce-specversion': '1.0', 'ce-id': 'e-1', 'ce-source': '/orders', 'ce-type': 'order.done' };

describe('cloudEventFromMessage', () => {
  it('reads the context from ce- attributes and JSON data from the body; other ce- attributes are extensions', () => {
    const event = cloudEventFromMessage(
      { ...context, 'ce-time': '2026-01-02T03:04:05.000Z', 'ce-subject': 'orders/a b+ü.json', 'ce-datacontenttype': 'application/json; charset=utf-8', 'ce-traceparent': 't-1', kind: 'not ce' },
      '{"id":"o-1","note":"a\\r\\nb"}',
      native,
    );
    expect(event).toMatchObject({ specversion: '1.0', id: 'e-1', source: '/orders', type: 'order.done', subject: 'orders/a b+ü.json', data: { id: 'o-1', note: 'a\r\nb' } });
    expect(event?.time?.toISOString()).toBe('2026-01-02T03:04:05.000Z');
    expect(Object.entries(event!.extensions)).toEqual([['traceparent', 't-1']]);
  });

  it('keeps data as text when it is not JSON, and undefined when the body is empty', () => {
    expect(cloudEventFromMessage({ ...context, 'ce-datacontenttype': 'text/plain' }, 'line 1\r\nline 2', native)?.data).toBe('line 1\r\nline 2');
    expect(cloudEventFromMessage(context, '{"kept":"as text"}', native)?.data).toBe('{"kept":"as text"}');
    expect(cloudEventFromMessage({ ...context, 'ce-datacontenttype': 'application/json' }, '', native)?.data).toBeUndefined();
  });

  it('is undefined for a message that carries no CloudEvent', () => {
    expect(cloudEventFromMessage({ 'ce-id': 'e-1', 'ce-type': 't', 'ce-source': 's' }, '{}', native)).toBeUndefined();
    expect(cloudEventFromMessage(JSON.parse('{"__proto__":{"ce-specversion":"1.0"}}') as Record<string, string>, '{}', native)).toBeUndefined();
  });

  it.each([
    [{ 'ce-specversion': '1.0', 'ce-id': 'e-1', 'ce-source': '/orders' }, '{}', 'Malformed event: a message carrying a CloudEvent without the ce-type attribute'],
    [{ 'ce-specversion': '1.0', 'ce-type': 'secret-type' }, '{}', 'Malformed event: a message carrying a CloudEvent without the ce-id, ce-source attributes'],
    [{ ...context, 'ce-specversion': '2.0' }, '{}', 'Malformed event: unsupported CloudEvents specversion in the ce-specversion attribute (this reads 1.x)'],
    [{ ...context, 'ce-datacontenttype': 'application/cloudevents+json' }, '{"secret":', 'Malformed event: the data of a message carrying a CloudEvent is not the JSON its ce-datacontenttype says'],
  ])('refuses a message that claims a CloudEvent but is not one, repeating none of it %#', (attributes, body, message) => {
    let error: unknown;
    try {
      cloudEventFromMessage(attributes, body, native);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(MalformedEventError);
    expect((error as Error).message).toBe(message);
  });

  it('refuses a ce-time that is not a time', () => {
    expect(() => cloudEventFromMessage({ ...context, 'ce-time': 'yesterday' }, '{}', native)).toThrow(MalformedEventError);
  });
});

describe('cloudEventMessage', () => {
  it('is what cloudEventFromMessage reads back: JSON data, text data, extensions, subject and time', () => {
    const json = createCloudEvent({ id: 'e-1', source: '/o', type: 't', subject: 'a b', time: '2026-01-02T03:04:05.000Z', data: { n: 1, s: 'l1\r\nl2' }, extensions: { traceparent: 'x' } });
    const carried = cloudEventMessage(json);
    expect(carried).toEqual({
      attributes: { 'ce-traceparent': 'x', 'ce-specversion': '1.0', 'ce-id': 'e-1', 'ce-source': '/o', 'ce-type': 't', 'ce-datacontenttype': 'application/json', 'ce-subject': 'a b', 'ce-time': '2026-01-02T03:04:05.000Z' },
      body: '{"n":1,"s":"l1\\r\\nl2"}',
    });
    expect(cloudEventFromMessage(carried.attributes, carried.body, native)).toMatchObject({ id: 'e-1', subject: 'a b', data: { n: 1, s: 'l1\r\nl2' }, extensions: { traceparent: 'x' } });
    const text = createCloudEvent({ id: 'e-2', source: '/o', type: 't', datacontenttype: 'text/plain', data: 'plain\ntext' });
    expect(cloudEventMessage(text).body).toBe('plain\ntext');
    expect(cloudEventFromMessage(cloudEventMessage(text).attributes, cloudEventMessage(text).body, native)?.data).toBe('plain\ntext');
  });
});

describe('defineCloudEvent({ topic })', () => {
  it('takes a topic name or handle, and refuses anything else', () => {
    const done = topic('order-done');
    expect(defineCloudEvent({ topic: done, handler: () => {} }).trigger.topic).toBe('order-done');
    expect(defineCloudEvent({ topic: 'order-done', handler: () => {} }).trigger.topic).toBe('order-done');
    expect(defineCloudEvent({ handler: () => {} }).trigger.topic).toBeUndefined();
    expect(() => defineCloudEvent({ topic: queue('orders') as never, handler: () => {} })).toThrow(DefinitionError);
    expect(() => defineCloudEvent({ topic: '' as never, handler: () => {} })).toThrow(DefinitionError);
  });

  it('in memory, gets the CloudEvents of its own topic only', async () => {
    const done = topic('order-done');
    const other = topic('order-other');
    const seen: string[] = [];
    const mod = {
      api: defineHttp({
        uses: { done: done.publish, other: other.publish },
        handler: async (_req, ctx) => {
          await ctx.resources.done.publishEvent({ type: 'order.done', source: '/orders', id: 'on-done', data: {} });
          await ctx.resources.other.publishEvent({ type: 'order.done', source: '/orders', id: 'on-other', data: {} });
          return noContent();
        },
      }),
      bound: defineCloudEvent({ topic: done, handler: (event) => void seen.push(`bound:${event.id}`) }),
      any: defineCloudEvent({ handler: (event) => void seen.push(`any:${event.id}`) }),
    };
    const mem = memoryResources();
    await invoke(mod.api, httpRequest({ method: 'POST' }), { resources: mem });
    expect((await mem.deliver(mod)).ok).toBe(true);
    expect(seen.sort()).toEqual(['any:on-done', 'any:on-other', 'bound:on-done']);
  });
});
