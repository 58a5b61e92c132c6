// Hostile input through functions-framework's own server: Object.prototype names in the query,
// cookies and Pub/Sub attributes; base64 that is not; JSON that is not. Answers name the field and
// repeat none of the input.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defineCloudEvent, defineHttp, defineTopic, json, type CloudEvent, type Message } from 'onefn';
import { isInputRecord } from 'onefn/runtime';
import { serve } from '@onefn/gcp';
import { binaryCloudEvent, httpRequest, pubsubEvent, pushEnvelope, startServer, structuredCloudEvent, type GcpTestRequest, type TestServer } from '@onefn/gcp/testing';

const seen: { messages: Message[]; events: CloudEvent[] } = { messages: [], events: [] };
const mod = {
  hostileHttp: defineHttp({ handler: (req) => json({ query: Object.entries(req.query), cookies: Object.entries(req.cookies), inherited: typeof (req.query as Record<string, unknown>)['toString'] }) }),
  hostileTopic: defineTopic({ topic: 't', handler: (m) => void seen.messages.push(m) }),
  hostileEvents: defineCloudEvent({ handler: (e) => void seen.events.push(e) }),
};

const servers: Record<string, TestServer> = {};
beforeAll(async () => {
  serve(mod, { logSink: () => {} });
  for (const name of Object.keys(mod)) servers[name] = await startServer(name);
});
afterAll(async () => {
  for (const s of Object.values(servers)) await s.close();
});
const send = (name: keyof typeof mod, request: GcpTestRequest): Promise<Response> => (servers[name] as TestServer).send(request);

describe('HTTP', () => {
  it('hands the handler query and cookies named like prototype members, as sent', async () => {
    const res = await send('hostileHttp', httpRequest({ path: '/?__proto__=1&__proto__=2&constructor=c', headers: { cookie: 'constructor=abc; normal=ok; __proto__=p' } }));
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      query: [['__proto__', ['1', '2']], ['constructor', 'c']],
      cookies: [['constructor', 'abc'], ['normal', 'ok'], ['__proto__', 'p']],
      inherited: 'undefined',
    });
  });
});

/** A Pub/Sub delivery whose message.data is replaced by `data`, in the way `mode` delivers it. */
function withData(data: string, mode: 'binary' | 'push'): GcpTestRequest {
  const request = mode === 'push' ? pushEnvelope({ messageId: 'm1' }) : pubsubEvent({ messageId: 'm1' });
  const envelope = JSON.parse(request.body as string) as { message: { data: string } };
  envelope.message.data = data;
  return { ...request, body: JSON.stringify(envelope) };
}

/** Sends, and checks a 400 problem naming `detail` that repeats none of `secret`. */
async function expectRefused(name: keyof typeof mod, request: GcpTestRequest, detail: string, secret: RegExp): Promise<void> {
  seen.messages.length = seen.events.length = 0;
  const res = await send(name, request);
  const text = await res.text();
  expect(res.status).toBe(400);
  expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  expect(JSON.parse(text)).toMatchObject({ code: 'MALFORMED_EVENT', detail });
  expect(text).not.toMatch(secret);
  expect(seen.messages.length + seen.events.length).toBe(0);
}

describe('Pub/Sub message data that is not strict base64', () => {
  // The old check took any run of base64 characters: a lone last character or a misplaced "=" was then
  // decoded loosely into other bytes than were published.
  it.each([
    ['a lone last character', 'c2VjcmV0a'],
    ['a space', 'c2Vj cmV0'],
    ['a character outside the alphabet', 'secret!!'],
    ['padding in the middle', 'c2U=Y3JldA=='],
  ])('%s is a 400 problem naming message.data', async (_name, data) => {
    for (const mode of ['binary', 'push'] as const) {
      await expectRefused('hostileTopic', withData(data, mode), 'Malformed event: Pub/Sub "message.data" is not valid base64', /secret|c2Vj/);
    }
  });

  it('still delivers valid base64, and attributes named like prototype members', async () => {
    seen.messages.length = 0;
    const attributes = JSON.parse('{"__proto__":"p","constructor":"c"}') as Record<string, string>;
    const res = await send('hostileTopic', pubsubEvent({ data: 'hi', attributes }));
    expect(res.status).toBe(204);
    expect(seen.messages[0]?.text()).toBe('hi');
    expect(Object.entries(seen.messages[0]?.attributes ?? {})).toEqual([['__proto__', 'p'], ['constructor', 'c']]);
    expect((seen.messages[0]?.attributes as Record<string, unknown>)['toString']).toBeUndefined();
  });
});

describe('CloudEvents', () => {
  it('refuses structured data_base64 that is not base64, naming the field', async () => {
    const request = structuredCloudEvent({ id: 'e1', data: new Uint8Array([1]) });
    const event = JSON.parse(request.body as string) as Record<string, unknown>;
    event['data_base64'] = 'secret!!';
    await expectRefused('hostileEvents', { ...request, body: JSON.stringify(event) }, 'Malformed event: CloudEvent "data_base64" is not valid base64', /secret/);
  });

  // functions-framework parses application/json and application/cloudevents+json itself (and answers
  // those malformed, deployed, with a bare 400); other JSON types reach onefn's parser unparsed.
  it('refuses a batch that is not JSON without repeating the parser message that quotes it', async () => {
    const request = { method: 'POST', path: '/', headers: { 'content-type': 'application/cloudevents-batch+json' }, body: '[{"specversion":"1.0", secret' };
    await expectRefused('hostileEvents', request, 'Malformed event: the request body is not valid JSON (at position 23)', /secret/);
  });

  it('refuses a specversion it does not read without repeating it', async () => {
    const request = binaryCloudEvent({ id: 'e3', json: {} });
    const headers = { ...request.headers, 'ce-specversion': '0.3-secret' };
    await expectRefused('hostileEvents', { ...request, headers }, 'Malformed event: unsupported CloudEvents specversion in the ce-specversion header (this reads 1.x)', /secret/);
  });

  it('keeps binary-mode extension attributes named like prototype members', async () => {
    seen.events.length = 0;
    const res = await send('hostileEvents', binaryCloudEvent({ id: 'e2', json: {}, extensions: { constructor: 'c', tostring: 't' } }));
    expect(res.status).toBe(204);
    expect(seen.events[0]?.extensions).toMatchObject({ constructor: 'c', tostring: 't' });
    expect(isInputRecord(seen.events[0]?.extensions)).toBe(true);
  });
});
