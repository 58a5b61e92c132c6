import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defineCloudEvent, defineSchedule, defineStorage, defineTopic, type CloudEvent, type LogEntry, type Message, type ScheduleEvent, type StorageEvent } from 'onefn';
import { serve } from '@onefn/gcp';
import { binaryCloudEvent, httpRequest, legacyEvent, pubsubEvent, pushEnvelope, startServer, storageCloudEvent, type TestServer } from '@onefn/gcp/testing';
import { fixtureFiles, fixtureRequest } from './fixtures.js';

const seen: { messages: Message[]; objects: StorageEvent[]; ticks: ScheduleEvent[]; events: CloudEvent[] } = { messages: [], objects: [], ticks: [], events: [] };
const logs: LogEntry[] = [];
const clear = (): void => {
  for (const list of Object.values(seen)) list.length = 0;
  logs.length = 0;
};

const mod = {
  evMessage: defineTopic({
    topic: 'gcf-test',
    handler: (m) => {
      if (m.text() === 'fail me') throw new Error('internal detail: db at 10.0.0.1');
      seen.messages.push(m);
    },
  }),
  evStorage: defineStorage({ bucket: 'some-bucket', handler: (o) => void seen.objects.push(o) }),
  // The fixtures come from two buckets; each definition serves one.
  evSample: defineStorage({ bucket: 'sample-bucket', handler: (o) => void seen.objects.push(o) }),
  evSchedule: defineSchedule({ schedule: '0 * * * *', handler: (t) => void seen.ticks.push(t) }),
  evCloud: defineCloudEvent({ handler: (e) => void seen.events.push(e) }),
};

const servers: Record<string, TestServer> = {};
beforeAll(async () => {
  serve(mod, { logSink: (e) => void logs.push(e) });
  for (const name of Object.keys(mod)) servers[name] = await startServer(name);
});
afterAll(async () => {
  for (const s of Object.values(servers)) await s.close();
});

const send = (name: keyof typeof mod, request: Parameters<TestServer['send']>[0]): Promise<Response> => (servers[name] as TestServer).send(request);

const MESSAGES: Array<[string, Partial<Record<'id' | 'text' | 'source' | 'orderingKey' | 'published', string>> & { attributes?: Record<string, string>; hex?: string }]> = [
  ['gcp/cloudevent-structured/pubsub-message-published.json', { id: 'aaaaaa-1111-bbbb-2222-cccccccccccc', text: 'test message 3', source: 'gcf-test', attributes: { attr1: 'attr1-value' }, published: '2020-09-29T11:32:00.123Z' }],
  ['gcp/cloudevent-structured/pubsub-message-published-binary-payload.json', { id: 'aaaaaa-1111-bbbb-2222-cccccccccccc', hex: '01020304', attributes: {} }],
  ['gcp/cloudevent-structured/pubsub-message-published-ordering-key.json', { id: 'message-id', text: 'test message 3', source: 'my-topic', orderingKey: 'ordering-key' }],
  ['gcp/cloudevent-binary/pubsub-message-published-data.json', { id: 'message-id', text: 'test message 3', orderingKey: 'ordering-key', attributes: { attr1: 'attr1-value' }, published: '2021-02-05T04:06:14.109Z' }],
  ['gcp/cloudevent-binary/pubsub-message-published-data-binary.json', { id: 'message-id', hex: '01020304' }],
  ['gcp/cloudevent-binary/pubsub-eventarc-request.body.json', { id: '1999507485604232', text: 'Do that thing, yo! I love it', attributes: { foz: '42' }, source: 'eventarc-us-central1-events-pubsub-trigger-072' }],
  ['gcp/pubsub-push/pubsub-push-envelope.json', { id: '4102184774039362', text: 'Text message', orderingKey: 'orderxyz', attributes: { attr1: 'value1' }, published: '2022-02-15T11:28:32.942Z' }],
  ['gcp/legacy/pubsub-topic-publish.json', { id: 'aaaaaa-1111-bbbb-2222-cccccccccccc', text: 'test message 3', source: 'gcf-test', attributes: { attr1: 'attr1-value' } }],
  ['gcp/legacy/pubsub-provider-topic-publish.json', { id: 'aaaaaa-1111-bbbb-2222-cccccccccccc', text: 'This is a sample message', attributes: { attribute1: 'value1' } }],
];

const OBJECTS: Array<[string, Partial<StorageEvent>]> = [
  ['gcp/cloudevent-structured/storage-object-finalized.json', { change: 'created', bucket: 'some-bucket', key: 'folder/Test.cs', size: 352, contentType: 'text/plain', version: '1587627537231057' }],
  ['gcp/cloudevent-structured/storage-object-finalized-full-metadata.json', { change: 'created', bucket: 'sample-bucket', key: 'MyFile', size: 0, version: '96883251' }],
  ['gcp/cloudevent-binary/storage-object-data.json', { change: 'created', bucket: 'sample-bucket', key: 'folder/Test.cs', size: 352, etag: 'CNHZkbuF/ugCEAE=' }],
  ['gcp/legacy/storage-object-finalize.json', { change: 'created', bucket: 'some-bucket', key: 'folder/Test.cs', size: 352 }],
  ['gcp/legacy/storage-object-change-not-exists.json', { change: 'deleted', bucket: 'sample-bucket', key: 'MyFile', size: 0, id: '1200401551653202' }],
];

describe('every GCP fixture, as it arrives', () => {
  it('covers every fixture file', () => {
    const covered = new Set([...MESSAGES, ...OBJECTS].map(([f]) => f).concat(['gcp/cloudevent-binary/scheduler-job-data.json', 'gcp/cloudevent-structured/firestore-document-written.json', 'gcp/legacy/firestore-document-write.json', 'gcp/cloudevent-binary/pubsub-eventarc-request.headers.json']));
    const all = ['cloudevent-binary', 'cloudevent-structured', 'legacy', 'pubsub-push'].flatMap((d) => fixtureFiles(`gcp/${d}`));
    expect(all.filter((f) => !covered.has(f))).toEqual([]);
  });

  it.each(MESSAGES)('%s -> one Pub/Sub message', async (file, want) => {
    clear();
    const res = await send('evMessage', fixtureRequest(file));
    expect(res.status).toBe(204);
    expect(seen.messages).toHaveLength(1);
    const m = seen.messages[0] as Message;
    expect(m.id).toBe(want.id);
    if (want.text !== undefined) expect(m.text()).toBe(want.text);
    if (want.hex !== undefined) expect(Buffer.from(m.bytes()).toString('hex')).toBe(want.hex);
    if (want.attributes) expect(m.attributes).toEqual(want.attributes);
    if (want.source) expect(m.source).toBe(want.source);
    expect(m.orderingKey).toBe(want.orderingKey);
    if (want.published) expect(m.publishedAt?.toISOString()).toBe(want.published);
    expect(m.attempt).toBe(1);
    expect(m.native.provider).toBe('gcp');
  });

  it.each(MESSAGES)('%s -> a CloudEvent for a generic definition', async (file) => {
    clear();
    expect((await send('evCloud', fixtureRequest(file))).status).toBe(204);
    expect(seen.events[0]?.type).toBe('google.cloud.pubsub.topic.v1.messagePublished');
    expect(seen.events[0]?.data).toMatchObject({ message: expect.objectContaining({ data: expect.any(String) }) });
  });

  it.each(OBJECTS)('%s -> one storage event', async (file, want) => {
    clear();
    const res = await send(want.bucket === 'sample-bucket' ? 'evSample' : 'evStorage', fixtureRequest(file));
    expect(res.status).toBe(204);
    expect(seen.objects).toHaveLength(1);
    expect(seen.objects[0]).toMatchObject(want);
  });

  it.each([
    ['gcp/cloudevent-structured/firestore-document-written.json'],
    ['gcp/legacy/firestore-document-write.json'],
  ])('%s -> a Firestore CloudEvent', async (file) => {
    clear();
    expect((await send('evCloud', fixtureRequest(file))).status).toBe(204);
    const e = seen.events[0] as CloudEvent<{ value: { fields: { count: { integerValue: string } } } }>;
    expect(e).toMatchObject({ type: 'google.cloud.firestore.document.v1.written', id: 'aaaaaa-1111-bbbb-2222-cccccccccccc', source: '//firestore.googleapis.com/projects/project-id/databases/(default)', subject: 'documents/gcf-test/2Vm2mI1d0wIaK2Waj5to' });
    expect(e.data.value.fields.count.integerValue).toBe('4');
    expect(e.time?.toISOString()).toBe('2020-09-29T11:32:00.123Z');
  });

  it('scheduler-job-data (binary) -> a schedule tick', async () => {
    clear();
    expect((await send('evSchedule', fixtureRequest('gcp/cloudevent-binary/scheduler-job-data.json'))).status).toBe(204);
    expect(seen.ticks[0]).toMatchObject({ id: 'ce-4', name: 'my-job' });
    expect(seen.ticks[0]?.scheduledTime.toISOString()).toBe('2021-02-05T04:00:00.000Z');
  });
});

describe('refusals and failures', () => {
  it.each([
    ['gcp/cloudevent-structured/firestore-document-written.json', 'evMessage', 'google.cloud.firestore.document.v1.written'],
    ['gcp/cloudevent-structured/storage-object-finalized.json', 'evMessage', 'google.cloud.storage.object.v1.finalized'],
    ['gcp/cloudevent-structured/pubsub-message-published.json', 'evStorage', 'google.cloud.pubsub.topic.v1.messagePublished'],
  ] as const)('%s sent to %s is a 422 naming the type', async (file, target, type) => {
    clear();
    const res = await send(target, fixtureRequest(file));
    expect(res.status).toBe(422);
    const body = await res.json();
    expect(body.code).toBe('UNSUPPORTED_EVENT');
    expect(body.detail).toContain(type);
    expect(seen.messages.length + seen.objects.length).toBe(0);
  });

  it('an object change in another bucket is a 422 naming the bucket, the handler not run', async () => {
    clear();
    const res = await send('evStorage', fixtureRequest('gcp/cloudevent-binary/storage-object-data.json'));
    expect(res.status).toBe(422);
    const body = await res.json();
    expect(body).toMatchObject({ code: 'UNSUPPORTED_EVENT', received: 'an object change in bucket "sample-bucket"' });
    expect(body.detail).toContain('object changes in bucket "some-bucket"');
    expect(seen.objects).toHaveLength(0);
  });

  it.each([
    ['missing ce-id', { ...binaryCloudEvent({ json: {} }), headers: { 'ce-specversion': '1.0', 'ce-type': 't', 'ce-source': 's', 'content-type': 'application/json' } }, 'ce-id'],
    ['bad specversion', { ...binaryCloudEvent({ json: {} }), headers: { ...binaryCloudEvent({ json: {} }).headers, 'ce-specversion': '0.3' } }, 'specversion'],
    ['message without message', pubsubEvent({ json: {} }), undefined],
    ['not base64', { ...pushEnvelope(), body: JSON.stringify({ subscription: 's', message: { messageId: '1', data: '%%%' } }) }, 'base64'],
    ['legacy without eventId', legacyEvent({ eventType: 'google.pubsub.topic.publish', resource: 'projects/p/topics/t', data: {}, eventId: '' }), 'eventId'],
  ])('%s is a 400 problem', async (_name, request, mention) => {
    const fixed = _name === 'message without message' ? { ...request, body: JSON.stringify({ subscription: 's' }) } : request;
    const res = await send('evMessage', fixed);
    expect(res.status).toBe(400);
    const body = await res.json();
    expect(body.code).toBe('MALFORMED_EVENT');
    if (mention) expect(body.detail).toContain(mention);
  });

  it('a request that is no event is a 422 naming what arrived, never a crash', async () => {
    const res = await send('evMessage', httpRequest({ method: 'POST', text: 'hello' }));
    expect(res.status).toBe(422);
    expect((await res.json()).detail).toContain('content type text/plain');
  });

  it('a failed message answers 500 (redelivery) without the internal message', async () => {
    clear();
    const res = await send('evMessage', pubsubEvent({ data: 'fail me', messageId: 'm-fail' }));
    expect(res.status).toBe(500);
    const text = await res.text();
    expect(text).toContain('m-fail');
    expect(text).not.toContain('10.0.0.1');
    expect(logs.some((e) => e.level === 'error' && JSON.stringify(e.fields).includes('10.0.0.1'))).toBe(true);
  });

  it('keeps deliveryAttempt from a push envelope, and the message id as request id', async () => {
    clear();
    expect((await send('evMessage', pushEnvelope({ json: { a: 1 }, deliveryAttempt: 3, messageId: 'push-1' }))).status).toBe(204);
    expect(seen.messages[0]).toMatchObject({ id: 'push-1', attempt: 3, body: { a: 1 } });
  });

  it('a CloudEvents batch runs each event', async () => {
    clear();
    const events = [1, 2].map((n) => ({ specversion: '1.0', id: `b${n}`, source: '/s', type: 't', data: { n } }));
    const res = await send('evCloud', { method: 'POST', path: '/', headers: { 'content-type': 'application/cloudevents-batch+json' }, body: JSON.stringify(events) });
    expect(res.status).toBe(204);
    expect(seen.events.map((e) => e.id)).toEqual(['b1', 'b2']);
  });
});

describe('schedules', () => {
  it('takes Cloud Scheduler HTTP calls', async () => {
    clear();
    const res = await send('evSchedule', httpRequest({ method: 'POST', headers: { 'x-cloudscheduler-jobname': 'nightly', 'x-cloudscheduler-scheduletime': '2026-01-01T09:00:00Z', 'function-execution-id': 'ex-9' }, text: 'tick' }));
    expect(res.status).toBe(204);
    expect(seen.ticks[0]).toMatchObject({ id: 'ex-9', name: 'nightly' });
    expect(seen.ticks[0]?.scheduledTime.toISOString()).toBe('2026-01-01T09:00:00.000Z');
  });

  it('takes jobs that publish to Pub/Sub', async () => {
    clear();
    expect((await send('evSchedule', pubsubEvent({ topic: 'onefn-schedule', messageId: 's1', publishTime: '2026-02-01T00:00:00Z' }))).status).toBe(204);
    expect(seen.ticks[0]).toMatchObject({ id: 's1', name: 'onefn-schedule' });
  });
});

describe('storage builders', () => {
  it('deleted and filtered objects', async () => {
    clear();
    expect((await send('evStorage', storageCloudEvent({ bucket: 'some-bucket', name: 'a b/c.txt', change: 'deleted', mode: 'structured' }))).status).toBe(204);
    expect(seen.objects[0]).toMatchObject({ change: 'deleted', key: 'a b/c.txt' });
  });
});
