// Base64 from input is decoded strictly, and no answer to malformed input repeats any of the input.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { defineHttp, defineQueue, HttpError, json, MalformedEventError } from 'onefn';
import { cloudEventFromJson, createMessage, createRequest, createStorageEvent, decodeBase64 } from 'onefn/runtime';
import { httpRequest, invoke } from 'onefn/testing';

const bytesOf = (text: string): number[] | undefined => {
  const bytes = decodeBase64(text);
  return bytes && Array.from(bytes);
};

describe('decodeBase64', () => {
  it.each([
    ['', []],
    ['aGk=', [104, 105]],
    ['aGk', [104, 105]],
    ['aGlh', [104, 105, 97]],
    ['AP8=', [0, 255]],
    ['AP-_', [0, 255, 191]],
    ['AP+/', [0, 255, 191]],
  ])('decodes %j', (text, expected) => {
    expect(bytesOf(text)).toEqual(expected);
  });

  it.each([
    ['a character outside the alphabet', 'aGk!'],
    ['a space inside', 'aG k='],
    ['a line break', 'aGlh\naGlh'],
    ['a lone last character', 'aGlha'],
    ['padding on a short text', 'aGk=='],
    ['padding alone', '===='],
    ['padding in the middle', 'aQ==aGlh'],
    ['a stray "=" after a full group', 'aGlh='],
    ['bits set after the last byte', 'aGl='],
    ['not base64 at all', 'not json'],
    ['both alphabets mixed', '/+/-'],
  ])('refuses %s', (_name, text) => {
    expect(decodeBase64(text)).toBeUndefined();
  });

  it('decodes every canonical encoding back to its bytes, and nothing else', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), fc.boolean(), fc.boolean(), (bytes, pad, urlSafe) => {
        let text = Buffer.from(bytes).toString(urlSafe ? 'base64url' : 'base64');
        text = pad ? text.padEnd(Math.ceil(text.length / 4) * 4, '=') : text.replace(/=+$/, '');
        expect(bytesOf(text)).toEqual(Array.from(bytes));
      }),
    );
    fc.assert(
      // Few characters, so that padding, tails and mixed alphabets come up often.
      fc.property(fc.oneof(fc.string({ maxLength: 24 }), fc.string({ unit: fc.constantFrom(...'AQgw+/-_= '), maxLength: 12 })), (text) => {
        const bytes = decodeBase64(text);
        if (!bytes) return;
        // Whatever decodes is the canonical encoding of what it decodes to.
        const canonical = Buffer.from(bytes).toString(/[-_]/.test(text) ? 'base64url' : 'base64');
        expect(text.replace(/=+$/, '')).toBe(canonical.replace(/=+$/, ''));
      }),
      { numRuns: 2000 },
    );
  });
});

describe('a request body marked base64-encoded that is not', () => {
  const sent = 'bm90IGpzb24gISEh secret-token';
  const echo = defineHttp({ method: 'POST', handler: (req) => json({ got: req.body }) });
  const schemaed = defineHttp({ method: 'POST', body: z.object({ name: z.string() }), handler: (req) => json(req.body) });

  it.each([
    ['read by the handler', echo],
    ['validated by a body schema', schemaed],
  ])('is a 400 problem naming the body, echoing none of it, when %s', async (_name, def) => {
    const req = createRequest({ method: 'POST', path: '/', headers: { 'content-type': 'application/json' }, body: { data: sent, base64: true } });
    const res = await invoke(def, req);
    expect(res.status).toBe(400);
    expect(res.header('content-type')).toBe('application/problem+json');
    expect(res.json()).toMatchObject({ code: 'MALFORMED_BASE64', detail: 'Malformed body: marked base64-encoded but not valid base64' });
    expect(res.text()).not.toMatch(/secret|bm90/);
  });

  it('throws the same HttpError from bytes() and text()', () => {
    const req = createRequest({ method: 'POST', path: '/', body: { data: sent, base64: true } });
    expect(() => req.bytes()).toThrow(HttpError);
    expect(() => req.text()).toThrow(/not valid base64/);
  });
});

describe('malformed JSON is described without repeating it', () => {
  it.each([
    ['not json', 'not valid JSON'],
    ['{"secret":', 'not valid JSON (it ends too early)'],
    ['{secret}', 'not valid JSON (at position 1)'],
  ])('%j in an HTTP body', async (body, detail) => {
    const def = defineHttp({ method: 'POST', body: z.object({ a: z.string() }), handler: () => json({}) });
    const res = await invoke(def, httpRequest({ method: 'POST', text: body, headers: { 'content-type': 'application/json' } }));
    expect(res.status).toBe(400);
    expect(res.json()).toMatchObject({ code: 'MALFORMED_JSON', detail: `Malformed JSON body: ${detail}` });
    expect(res.text()).not.toMatch(/secret|json"/);
  });

  it('in a message that a schema needs as JSON', async () => {
    const def = defineQueue({ queue: 'q', schema: z.object({ a: z.string() }), handler: () => undefined });
    const msg = createMessage({ id: 'm1', body: { data: 'not json secret' } });
    expect(() => msg.json()).toThrow(new MalformedEventError('message m1: the body is not valid JSON'));
    const result = await invoke(def, msg);
    expect(result.failed).toEqual(['m1']);
    expect(String((result.outcomes[0] as { error: Error }).error.message)).not.toContain('secret');
  });
});

describe('base64 in events', () => {
  it('refuses a CloudEvent whose data_base64 is not base64, naming the field and echoing nothing', () => {
    const event = { specversion: '1.0', id: 'e-secret', source: 's', type: 't', data_base64: 'secret!!' };
    expect(() => cloudEventFromJson(event)).toThrow(MalformedEventError);
    expect(() => cloudEventFromJson(event)).toThrow(/^Malformed event: CloudEvent "data_base64" is not valid base64$/);
    expect(() => cloudEventFromJson({ ...event, data_base64: 12 })).toThrow(/"data_base64" is not valid base64/);
    expect(Array.from(cloudEventFromJson({ ...event, data_base64: 'AP8=' }).data as Uint8Array)).toEqual([0, 255]);
  });

  it('refuses a message body marked base64 that is not, as a malformed event', () => {
    const msg = createMessage({ id: 'm1', body: { data: 'secret!!', base64: true } });
    expect(() => msg.bytes()).toThrow(new MalformedEventError('the message body is not valid base64'));
  });
});

describe('malformed event fields are named, never repeated', () => {
  const base = { specversion: '1.0', id: 'e1', source: 's', type: 't' };
  it.each([
    ['a CloudEvent specversion', () => cloudEventFromJson({ ...base, specversion: '0.3-secret' }), 'unsupported CloudEvents "specversion" (this reads 1.x)'],
    ['a CloudEvent time', () => cloudEventFromJson({ ...base, time: 'secret o clock' }), 'time is not a valid time'],
    ['a storage size', () => createStorageEvent({ bucket: 'b', key: 'k', change: 'created', size: 'secret' }), 'storage object size is not a number'],
    ['a message publish time', () => createMessage({ id: 'm', body: { data: '' }, publishedAt: 'secret o clock' }), 'publishedAt is not a valid time'],
  ])('%s', (_name, make, message) => {
    expect(make).toThrow(new MalformedEventError(message));
  });
});
