import { beforeEach, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { inspect } from 'node:util';
import { z } from 'zod';
import {
  azureHost, blobEvent, rpcBlob, rpcEventGrid, rpcFromHostPayload, rpcQueueMessage, rpcServiceBusMessage, rpcTimer,
} from '@onefn/azure/testing';
import { serve } from '@onefn/azure';
import {
  type CloudEvent, defineCloudEvent, defineQueue, defineSchedule, defineStorage, defineTopic, type Message,
  MalformedEventError, type ScheduleEvent, type StorageEvent, UnsupportedEventError,
} from 'onefn';

const fixture = (path: string): unknown => JSON.parse(readFileSync(new URL(`../../../../shared/fixtures/azure/${path}`, import.meta.url), 'utf8'));
const host = azureHost();
beforeEach(() => host.reset());

function collect<T>(): { seen: T[]; handler: (item: T) => void } {
  const seen: T[] = [];
  return { seen, handler: (item) => void seen.push(item) };
}

describe('messages', () => {
  it('registers a Storage queue trigger by default, and reads the host queue fixture with its metadata', async () => {
    const { seen, handler } = collect<Message>();
    serve({ orders: defineQueue({ queue: 'orders', handler }) });
    expect(host.registrations.get('orders')?.trigger).toMatchObject({ type: 'queueTrigger', queueName: 'orders', connection: 'AzureWebJobsStorage' });
    const result = await host.invoke('orders', rpcFromHostPayload(fixture('functions/queue-trigger-invocation-request.json')));
    expect(result.status).toBe('success');
    const msg = seen[0] as Message;
    expect(msg.id).toBe('800ae4b3-bdd2-4c08-badd-f08e5a34b865');
    expect(msg.attempt).toBe(1);
    expect(msg.publishedAt?.toISOString()).toBe('2019-10-09T17:58:31.000Z');
    expect(msg.source).toBe('orders');
    // Not JSON (unquoted key): kept as the text that was sent.
    expect(msg.body).toBe('{ message: "Message sent" }');
    expect(() => msg.json()).toThrow(MalformedEventError);
  });

  it.each([
    ['JSON', { id: 'o-1', total: 3 }, { id: 'o-1', total: 3 }],
    ['text', 'plain words', 'plain words'],
    ['a JSON number', 42, 42],
  ])('delivers a %s body', async (_label, body, expected) => {
    const { seen, handler } = collect<Message>();
    serve({ q: defineQueue({ queue: 'q', handler }) });
    await host.invoke('q', rpcQueueMessage({ body, dequeueCount: 3 }));
    expect(seen[0]?.body).toEqual(expected);
    expect(seen[0]?.attempt).toBe(3);
  });

  it('delivers binary bodies as bytes', async () => {
    const { seen, handler } = collect<Message>();
    serve({ q: defineQueue({ queue: 'q', handler }) });
    await host.invoke('q', rpcQueueMessage({ body: new Uint8Array([1, 2, 250]) }));
    expect([...(seen[0] as Message).bytes()]).toEqual([1, 2, 250]);
  });

  it('fails the invocation when the handler throws or the schema rejects, so the host retries and poisons', async () => {
    serve({ q: defineQueue({ queue: 'q', schema: z.object({ n: z.number() }), handler: (m) => { if (m.body.n > 1) throw new Error('too big'); } }) });
    const ok = await host.invoke('q', rpcQueueMessage({ body: { n: 1 } }));
    expect(ok.status).toBe('success');
    const thrown = await host.invoke('q', rpcQueueMessage({ body: { n: 2 }, id: 'm-2' }));
    expect(thrown.status).toBe('failure');
    expect(thrown.status === 'failure' && (thrown.error as Error).message).toBe('q: 1 of 1 event(s) failed: m-2');
    const invalid = await host.invoke('q', rpcQueueMessage({ body: { n: 'x' } }));
    expect(invalid.status === 'failure' && (invalid.error as { code?: string }).code).toBe('EVENT_FAILED');
  });

  it('a failed invocation names the message ids, never the handler\'s message, which stays in the function\'s log lines', async () => {
    serve({ q: defineQueue({ queue: 'q', handler: () => { throw new Error('card 4111-1111 declined for bob@example.com'); } }) });
    const result = await host.invoke('q', rpcQueueMessage({ body: { n: 1 }, id: 'msg-7' }));
    expect(result.status).toBe('failure');
    const error = (result.status === 'failure' ? result.error : undefined) as Error & { code?: string };
    expect(error).toMatchObject({ code: 'EVENT_FAILED', message: 'q: 1 of 1 event(s) failed: msg-7' });
    // Nothing the host could record as the failure carries it: not the message, the stack or a cause.
    expect(`${error.message}\n${error.stack ?? ''}\n${inspect(error)}`).not.toContain('declined');
    const logged = result.logs.filter((l) => l.category === 'user').map((l) => JSON.parse(l.message) as { message: string; id?: string; error?: { message?: string } });
    expect(logged).toContainEqual(expect.objectContaining({ message: 'Event handler failed', id: 'msg-7', error: expect.objectContaining({ message: 'card 4111-1111 declined for bob@example.com' }) }));
  });

  it('refuses a queue message without an id with a typed error', async () => {
    serve({ q: defineQueue({ queue: 'q', handler: () => {} }) });
    const result = await host.invoke('q', { data: { string: 'x' }, triggerMetadata: {} });
    expect(result.status === 'failure' && result.error).toBeInstanceOf(MalformedEventError);
  });

  it('uses Service Bus queues when asked, with delivery count, session and application properties', async () => {
    const { seen, handler } = collect<Message>();
    serve({ jobs: defineQueue({ queue: 'jobs', handler }) }, { messaging: 'serviceBus', serviceBusConnection: 'SB' });
    expect(host.registrations.get('jobs')?.trigger).toMatchObject({ type: 'serviceBusTrigger', queueName: 'jobs', connection: 'SB' });
    await host.invoke('jobs', rpcServiceBusMessage({ body: { a: 1 }, messageId: 'sb-1', deliveryCount: 2, sessionId: 's1', correlationId: 'c1', applicationProperties: { tenant: 'acme', n: 3 }, enqueuedTimeUtc: '2024-05-01T10:00:00Z' }));
    const msg = seen[0] as Message;
    expect([msg.id, msg.attempt, msg.orderingKey, msg.source]).toEqual(['sb-1', 2, 's1', 'jobs']);
    expect(msg.attributes).toEqual({ tenant: 'acme', n: '3', correlationId: 'c1' });
    expect(msg.publishedAt?.toISOString()).toBe('2024-05-01T10:00:00.000Z');
  });

  it('registers topics on Service Bus with a subscription', () => {
    serve({ audit: defineTopic({ topic: 'events', handler: () => {} }) });
    expect(host.registrations.get('audit')?.trigger).toMatchObject({ type: 'serviceBusTrigger', topicName: 'events', subscriptionName: 'audit', connection: 'ServiceBusConnection' });
  });
});

describe('timers', () => {
  it.each(['functions/timer-trigger-timer-info.json', 'functions/timer-trigger-timer-info-camelcase.json'])('reads %s', async (file) => {
    const { seen, handler } = collect<ScheduleEvent>();
    serve({ nightly: defineSchedule({ schedule: '*/5 * * * *', handler }) });
    expect(host.registrations.get('nightly')?.trigger).toMatchObject({ type: 'timerTrigger', schedule: '0 */5 * * * *' });
    const result = await host.invoke('nightly', { ...rpcTimer(fixture(file)), invocationId: 'tick-1' });
    expect(result.status).toBe('success');
    expect(seen[0]).toMatchObject({ id: 'tick-1', pastDue: false, name: 'nightly' });
    expect(seen[0]?.scheduledTime.toISOString()).toBe('2016-10-04T10:20:00.000Z');
  });

  it('marks late runs and translates day-of-week schedules to NCRONTAB', async () => {
    const { seen, handler } = collect<ScheduleEvent>();
    serve({ weekly: defineSchedule({ schedule: '30 9 * * MON-FRI', handler }) });
    expect(host.registrations.get('weekly')?.trigger).toMatchObject({ schedule: '0 30 9 * * 1,2,3,4,5' });
    await host.invoke('weekly', rpcTimer({ IsPastDue: true }));
    expect(seen[0]?.pastDue).toBe(true);
  });
});

describe('Event Grid', () => {
  it.each([
    ['eventgrid/eventgrid-schema-custom-topic-event.json', ['Contoso.Items.ItemReceived']],
    ['eventgrid/eventgrid-schema-eventhub-capture-file-created.json', ['captureFileCreated']],
    ['eventgrid/cloudevent-schema-blob-created.json', ['Microsoft.Storage.BlobCreated']],
    ['eventgrid/cloudevent-schema-custom-data-base64.json', ['Contoso.Items.ItemReceived']],
    ['eventgrid/eventgrid-schema-mixed-batch-blob-servicebus.json', ['Microsoft.Storage.BlobCreated', 'Microsoft.Storage.BlobDeleted', 'Microsoft.Storage.BlobDeleted', 'Microsoft.ServiceBus.DeadletterMessagesAvailableWithNoListeners']],
  ])('delivers %s as CloudEvents', async (file, types) => {
    const { seen, handler } = collect<CloudEvent>();
    serve({ events: defineCloudEvent({ handler }) });
    expect(host.registrations.get('events')?.trigger).toMatchObject({ type: 'eventGridTrigger' });
    const result = await host.invoke('events', rpcEventGrid(fixture(file)));
    expect(result.status).toBe('success');
    expect(seen.map((e) => e.type)).toEqual(types);
    for (const e of seen) expect(e.source.length).toBeGreaterThan(0);
  });

  it('maps the Event Grid schema onto CloudEvent attributes', async () => {
    const { seen, handler } = collect<CloudEvent>();
    serve({ events: defineCloudEvent({ handler }) });
    await host.invoke('events', rpcEventGrid(fixture('eventgrid/eventgrid-schema-custom-topic-event.json')));
    expect(seen[0]).toMatchObject({ id: '2d1781af-3a4c-4d7c-bd0c-e34b19da4e66', source: '/subscriptions/xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx', subject: undefined, dataschema: '1', data: { itemSku: '512d38b6-c7b8-40c8-89fe-f46f9e9622b6' } });
    expect(seen[0]?.time?.toISOString()).toBe('2018-01-25T22:12:19.455Z');
  });

  it('keeps CloudEvents extensions and base64 data', async () => {
    const { seen, handler } = collect<CloudEvent>();
    serve({ events: defineCloudEvent({ handler }) });
    await host.invoke('events', rpcEventGrid(fixture('eventgrid/cloudevent-schema-custom-data-base64.json')));
    expect(seen[0]?.extensions).toMatchObject({ foo: 'bar' });
    expect(seen[0]?.data).toBeInstanceOf(Uint8Array);
  });

  it('answers the subscription-validation handshake without running the handler', async () => {
    const { seen, handler } = collect<CloudEvent>();
    serve({ events: defineCloudEvent({ handler }) });
    const result = await host.invoke('events', rpcEventGrid(fixture('eventgrid/eventgrid-schema-subscription-validation.json')));
    expect(result.status === 'success' && JSON.parse(result.response.returnValue?.json ?? 'null')).toEqual({ validationResponse: '512d38b6-c7b8-40c8-89fe-f46f9e9622b6' });
    expect(seen).toHaveLength(0);
  });

  it('refuses (fails the invocation for) a type it does not serve, and fails it when a handler fails', async () => {
    let runs = 0;
    serve({ events: defineCloudEvent({ types: ['Microsoft.Storage.BlobDeleted'], handler: () => { runs++; throw new Error('nope'); } }) });
    const result = await host.invoke('events', rpcEventGrid(fixture('eventgrid/eventgrid-schema-blob-created.json')));
    expect(result.status).toBe('failure');
    expect(result.status === 'failure' && result.error).toBeInstanceOf(UnsupportedEventError);
    expect(result.status === 'failure' && (result.error as Error).message).toMatch(/^Unsupported event: received a CloudEvent of type "Microsoft.Storage.BlobCreated" .*, this function serves CloudEvents of type "Microsoft.Storage.BlobDeleted"$/);
    expect(runs).toBe(0);
    const failed = await host.invoke('events', rpcEventGrid(fixture('eventgrid/eventgrid-schema-mixed-batch-blob-servicebus.json')));
    expect(failed.status).toBe('failure');
  });
});

describe('storage', () => {
  it.each([
    ['eventgrid/eventgrid-schema-blob-created.json', 'testcontainer', ['file1.txt'], ['created']],
    ['eventgrid/cloudevent-schema-blob-created.json', '{storage-container}', ['{new-file}'], ['created']],
  ])('reads blob events from %s', async (file, bucket, keys, changes) => {
    const { seen, handler } = collect<StorageEvent>();
    serve({ uploads: defineStorage({ bucket, handler }) });
    const result = await host.invoke('uploads', rpcEventGrid(fixture(file)));
    expect(result.status).toBe('success');
    expect(seen.map((e) => e.key)).toEqual(keys);
    expect(seen.map((e) => e.change)).toEqual(changes);
  });

  it('reads size, etag and content type, and filters by change', async () => {
    const { seen, handler } = collect<StorageEvent>();
    serve({ uploads: defineStorage({ bucket: 'testcontainer', changes: ['deleted'], handler }) });
    await host.invoke('uploads', rpcEventGrid([blobEvent({ container: 'testcontainer', name: 'a/b.png', size: 12, contentType: 'image/png' }), blobEvent({ container: 'testcontainer', name: 'gone.txt', change: 'deleted', schema: 'cloudevents' })]));
    expect(seen.map((e) => [e.key, e.change])).toEqual([['gone.txt', 'deleted']]);
  });

  it('refuses (fails the invocation for) a blob event of another container rather than skipping it', async () => {
    const { seen, handler } = collect<StorageEvent>();
    serve({ uploads: defineStorage({ bucket: 'uploads', handler }) });
    const result = await host.invoke('uploads', rpcEventGrid(blobEvent({ container: 'other', name: 'a.png' })));
    expect(result.status).toBe('failure');
    expect(result.status === 'failure' && result.error).toBeInstanceOf(UnsupportedEventError);
    expect(result.status === 'failure' && (result.error as UnsupportedEventError).received).toBe('an object change in bucket "other"');
    expect(seen).toHaveLength(0);
  });

  it('refuses a non-blob event in the batch with a typed error before any handler runs', async () => {
    const { seen, handler } = collect<StorageEvent>();
    serve({ uploads: defineStorage({ bucket: 'testcontainer', handler }) });
    const result = await host.invoke('uploads', rpcEventGrid(fixture('eventgrid/eventgrid-schema-mixed-batch-blob-servicebus.json')));
    expect(result.status === 'failure' && result.error).toBeInstanceOf(UnsupportedEventError);
    expect(seen).toHaveLength(0);
  });

  it('uses the blob trigger when asked', async () => {
    const { seen, handler } = collect<StorageEvent>();
    serve({ uploads: defineStorage({ bucket: 'uploads', prefix: 'img/', handler }) }, { storageTrigger: 'blob' });
    expect(host.registrations.get('uploads')?.trigger).toMatchObject({ type: 'blobTrigger', path: 'uploads/img/{name}', connection: 'AzureWebJobsStorage' });
    await host.invoke('uploads', rpcBlob({ container: 'uploads', name: 'img/cat.png', content: 'abc', contentType: 'image/png' }));
    expect(seen[0]).toMatchObject({ bucket: 'uploads', key: 'img/cat.png', change: 'created', size: 3, contentType: 'image/png' });
  });
});
