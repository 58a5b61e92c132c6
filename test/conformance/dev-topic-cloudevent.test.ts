// `onefn dev --provider <p>` delivers a topic's CloudEvent to a defineCloudEvent bound to that topic as
// the provider's subscription does (an SNS notification, a Pub/Sub messagePublished event, a Service Bus
// topic message), each carrying the event in ce- attributes; every bridge hands the handler the same event.
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { defineCloudEvent, topic, type CloudEvent } from 'onefn';
import { createCloudEvent } from 'onefn/runtime';
import type { DevBridge } from 'onefn/cli';
import { devBridge as aws } from '@onefn/aws/dev';
import { devBridge as gcp } from '@onefn/gcp/dev';
import { devBridge as azure } from '@onefn/azure/dev';

const done = topic('order-done');
const published = createCloudEvent({
  id: 'e-1', source: '/orders', type: 'com.example.order.done', subject: 'orders/a b+ü.json', time: '2026-01-02T03:04:05.000Z',
  datacontenttype: 'application/json', data: { orderId: 'a b+ü', total: 12.5, note: 'l1\r\nl2' }, extensions: { topic: 'order-done' },
});

// What shows the delivery came through the topic's subscription, in the native event shown in the feed.
describe.each([
  ['aws', aws, '"EventSource":"aws:sns"'],
  ['gcp', gcp, '"ce-type":"google.cloud.pubsub.topic.v1.messagePublished"'],
  ['azure', azure, '"kind":"serviceBusTopic"'],
] as Array<[string, DevBridge, string]>)('dev bridge %s: a CloudEvent bound to a topic', (_provider, bridge, marker) => {
  it('gets the event through the topic, as published', async () => {
    const seen: unknown[] = [];
    const def = defineCloudEvent({
      topic: done, types: ['com.example.order.done'], schema: z.object({ orderId: z.string(), total: z.number(), note: z.string() }),
      handler: (event: CloudEvent) => void seen.push({ id: event.id, type: event.type, source: event.source, subject: event.subject, time: event.time?.toISOString(), data: event.data }),
    });
    const result = await bridge.events(def, [published], { functionName: 'announce', timeoutMs: 5000, logSink: () => {} });
    expect(result.deliveries.map((d) => d.failed)).toEqual([[]]);
    expect(JSON.stringify(result.deliveries[0]?.nativeEvent)).toContain(marker);
    expect(seen).toEqual([{ id: 'e-1', type: 'com.example.order.done', source: '/orders', subject: 'orders/a b+ü.json', time: '2026-01-02T03:04:05.000Z', data: { orderId: 'a b+ü', total: 12.5, note: 'l1\r\nl2' } }]);
  });
});
