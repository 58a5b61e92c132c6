import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defineCloudEvent, type CloudEvent } from 'onefn';
import { serve } from '@onefn/gcp';
import { startServer, type TestServer } from '@onefn/gcp/testing';
import { fixtureFiles, fixtureText, httpFixture } from './fixtures.js';

const seen: CloudEvent[] = [];
let server: TestServer;
beforeAll(async () => {
  serve({ specEvents: defineCloudEvent({ handler: (e) => void seen.push(e) }) }, { logSink: () => {} });
  server = await startServer('specEvents');
});
afterAll(() => server.close());

const structured = (body: string) => ({ method: 'POST', path: '/', headers: { 'content-type': 'application/cloudevents+json' }, body });
const text = (data: unknown): string => (data instanceof Uint8Array ? Buffer.from(data).toString('utf8') : typeof data === 'string' ? data : JSON.stringify(data));

describe('CloudEvents spec examples (JSON format), structured mode', () => {
  const single = fixtureFiles('cloudevents/json-format').filter((f) => !f.includes('batch'));
  const expected: Record<string, { id: string; data: unknown; extensions?: Record<string, string> }> = {
    'event-data-base64-no-datacontenttype.json': { id: 'D234-1234-1234', data: '{ "xyz": 123 }' },
    'event-json-number-data.json': { id: 'C234-1234-1234', data: 1.5, extensions: { comexampleextension1: 'value', comexampleothervalue: '5' } },
    'event-json-object-data.json': { id: 'C234-1234-1234', data: { appinfoA: 'abc', appinfoB: 123, appinfoC: true } },
    'event-string-data-no-datacontenttype.json': { id: 'D234-1234-1234', data: "I'm just a string" },
    'event-xml-string-data.json': { id: 'B234-1234-1234', data: '<much wow="xml"/>' },
  };
  it.each(single)('%s', async (file) => {
    seen.length = 0;
    const res = await server.send(structured(fixtureText(file)));
    expect(res.status).toBe(204);
    const want = expected[file.split('/').pop() as string];
    if (!want) throw new Error(`no expectation for ${file}`);
    const e = seen[0] as CloudEvent;
    expect(e.id).toBe(want.id);
    expect(e.type).toBe('com.example.someevent');
    if (typeof want.data === 'string' && e.data instanceof Uint8Array) expect(text(e.data)).toBe(want.data);
    else expect(e.data).toEqual(want.data);
    expect(e.subject).toBeUndefined();
    if (want.extensions) expect(e.extensions).toEqual(want.extensions);
  });

  it('batch-two-events.json as a batch: the placeholder base64 is refused with a 400, not a crash', async () => {
    seen.length = 0;
    const res = await server.send({ method: 'POST', path: '/', headers: { 'content-type': 'application/cloudevents-batch+json' }, body: fixtureText('cloudevents/json-format/batch-two-events.json') });
    expect(res.status).toBe(400);
    expect((await res.json()).detail).toContain('data_base64');
    expect(seen).toHaveLength(0);
  });

  it('batch-two-events.json second event alone', async () => {
    seen.length = 0;
    const [, second] = JSON.parse(fixtureText('cloudevents/json-format/batch-two-events.json')) as unknown[];
    expect((await server.send(structured(JSON.stringify(second)))).status).toBe(204);
    expect(seen[0]).toMatchObject({ id: 'C234-1234-1234', type: 'com.example.someotherevent', datacontenttype: 'application/json', data: { appinfoA: 'abc', appinfoB: 123, appinfoC: true } });
  });
});

describe('CloudEvents spec HTTP messages', () => {
  it.each([
    ['cloudevents/http/binary-mode-json-object.http', { id: 'C234-1234-1234', source: '/mycontext', data: { appinfoA: 'abc', appinfoB: 123, appinfoC: true }, extensions: { comexampleextension1: 'value', comexampleothervalue: '5' } }],
    ['cloudevents/http/binary-mode-no-content-type.http', { id: 'D234-1234-1234', source: '/mycontext', dataText: '{ "xyz": 123 }' }],
    ['cloudevents/http/binary-mode-request.http', { id: '1234-1234-1234', source: '/mycontext/subcontext', data: { message: 'Hello World!' }, time: '2018-04-05T03:56:24.000Z' }],
    ['cloudevents/http/structured-mode-request.http', { id: '1234-1234-1234', source: '/mycontext/subcontext', data: { message: 'Hello World!' }, time: '2018-04-05T03:56:24.000Z' }],
  ] as const)('%s', async (file, want) => {
    seen.length = 0;
    const res = await server.send(httpFixture(file));
    expect(res.status).toBe(204);
    const e = seen[0] as CloudEvent;
    expect(e).toMatchObject({ id: want.id, source: want.source, type: 'com.example.someevent' });
    if ('data' in want) expect(e.data).toEqual(want.data);
    if ('dataText' in want) {
      expect(e.data).toBeInstanceOf(Uint8Array); // no content type: bytes, read from the stream the framework left unread
      expect(text(e.data).trim()).toBe(want.dataText);
    }
    if ('extensions' in want) expect(e.extensions).toEqual(want.extensions);
    if ('time' in want) expect(e.time?.toISOString()).toBe(want.time);
  });
});

describe('binary mode: ce- header values are percent-decoded, as the HTTP binding asks', () => {
  const binary = (headers: Record<string, string>) => ({
    method: 'POST', path: '/',
    headers: { 'ce-specversion': '1.0', 'ce-id': 'e-1', 'ce-source': '//example.com/a', 'ce-type': 'com.example.someevent', 'content-type': 'text/plain', ...headers },
    body: 'x',
  });

  it('decodes space, %, quotes and UTF-8 in context attributes and extensions', async () => {
    seen.length = 0;
    const res = await server.send(binary({ 'ce-subject': 'objects/a%20b%E2%82%AC%2Fc.txt', 'ce-source': '//example.com/caf%C3%A9', 'ce-note': '50%25%20%22off%22' }));
    expect(res.status).toBe(204);
    expect(seen[0]).toMatchObject({ subject: 'objects/a b€/c.txt', source: '//example.com/café', extensions: { note: '50% "off"' } });
  });

  it('keeps a run that is not percent-encoded UTF-8 as it came, and a lone %', async () => {
    seen.length = 0;
    const res = await server.send(binary({ 'ce-subject': 'bad%FF%FEutf8 100% sure %zz', 'ce-id': '%E2%82' }));
    expect(res.status).toBe(204);
    expect(seen[0]).toMatchObject({ subject: 'bad%FF%FEutf8 100% sure %zz', id: '%E2%82' });
  });

  it('the testing kit encodes what it sends, so a value round-trips', async () => {
    const { binaryCloudEvent } = await import('@onefn/gcp/testing');
    seen.length = 0;
    const subject = 'objects/a b+ü€/ß "q" 100%.json';
    const req = binaryCloudEvent({ type: 'com.example.someevent', subject, extensions: { note: 'crème brûlée' }, data: 'x' });
    expect(req.headers['ce-subject']).toBe('objects/a%20b+%C3%BC%E2%82%AC/%C3%9F%20%22q%22%20100%25.json');
    expect((await server.send(req)).status).toBe(204);
    expect(seen[0]).toMatchObject({ subject, extensions: { note: 'crème brûlée' } });
  });
});
