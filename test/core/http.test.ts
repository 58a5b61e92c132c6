import { describe, expect, it } from 'vitest';
import { bytes, CookieError, html, HttpError, json, noContent, redirect, setCookie, status, text } from 'onefn';
import { createRequest, fromWebResponse, toResponseData } from 'onefn/runtime';

describe('the portable request', () => {
  const req = createRequest({
    method: 'post',
    path: '/a%20b',
    query: 'tag=x&tag=y%20z&q=1%2B1&plus=a+b&empty',
    headers: { 'Content-Type': 'application/json', 'X-Multi': ['1', '2'], Cookie: 'a=1; b=two%20words' },
    cookies: ['c=3'],
    body: { data: '{"n":1}' },
    ip: '203.0.113.9',
  });

  it('reads headers case-insensitively, multi-valued', () => {
    expect(req.method).toBe('POST');
    expect(req.headers.get('content-type')).toBe('application/json');
    expect(req.headers.get('x-multi')).toBe('1, 2');
    expect(req.headers.getAll('X-MULTI')).toEqual(['1', '2']);
    expect(req.headers.has('missing')).toBe(false);
    expect(req.headers.toObject()).toMatchObject({ 'content-type': 'application/json', 'x-multi': '1, 2' });
  });

  it('decodes the query exactly once, keeping repeats', () => {
    expect(req.query).toEqual({ tag: ['x', 'y z'], q: '1+1', plus: 'a b', empty: '' });
    expect(req.queryAll('tag')).toEqual(['x', 'y z']);
    expect(req.queryAll('none')).toEqual([]);
    const twice = createRequest({ method: 'GET', path: '/', query: 'v=%2541' });
    expect(twice.query).toEqual({ v: '%41' });
  });

  it('reads the cookies array where a provider gives one (it is the Cookie header split up), else the header', () => {
    expect(req.cookies).toEqual({ c: '3' });
    const headerOnly = createRequest({ method: 'GET', path: '/', headers: { Cookie: 'a=1; b=two%20words' }, cookies: [] });
    expect(headerOnly.cookies).toEqual({ a: '1', b: 'two words' });
    const both = createRequest({ method: 'GET', path: '/', headers: { cookie: 'a=1; b=two%20words' }, cookies: ['a=1', 'b=two%20words'] });
    expect(both.cookies).toEqual({ a: '1', b: 'two words' });
  });

  it('gives the body as text, JSON, bytes and parsed by content type', () => {
    expect(req.text()).toBe('{"n":1}');
    expect(req.json()).toEqual({ n: 1 });
    expect(req.body).toEqual({ n: 1 });
    expect(Array.from(req.bytes())).toEqual(Array.from(Buffer.from('{"n":1}')));
    expect(req.ip).toBe('203.0.113.9');
  });

  it.each([
    ['application/x-www-form-urlencoded', 'a=1&b=x+y', { a: '1', b: 'x y' }],
    ['text/plain', 'hi', 'hi'],
    ['application/vnd.api+json', '[1]', [1]],
  ])('parses a %s body', (type, data, expected) => {
    expect(createRequest({ method: 'POST', path: '/', headers: { 'content-type': type }, body: { data } }).body).toEqual(expected);
  });

  it('decodes base64 bodies lazily and keeps raw bytes', () => {
    const r = createRequest({ method: 'POST', path: '/', headers: { 'content-type': 'image/png' }, body: { data: Buffer.from([0, 255, 1]).toString('base64'), base64: true } });
    expect(r.body).toBeInstanceOf(Uint8Array);
    expect(Array.from(r.bytes())).toEqual([0, 255, 1]);
    expect(createRequest({ method: 'GET', path: '/' }).body).toBeUndefined();
  });

  it('throws a 400 HttpError for malformed JSON', () => {
    const r = createRequest({ method: 'POST', path: '/', headers: { 'content-type': 'application/json' }, body: { data: '{nope' } });
    expect(() => r.json()).toThrow(HttpError);
    try {
      r.json();
    } catch (e) {
      expect((e as HttpError).status).toBe(400);
    }
  });

  it('builds a web-standard Request on demand', async () => {
    const web = createRequest({ method: 'POST', path: '/x', query: 'a=1', headers: { host: 'example.com', 'content-type': 'text/plain' }, cookies: ['s=1'], body: { data: 'hi' } }).toRequest();
    expect(web.url).toBe('https://example.com/x?a=1');
    expect(web.method).toBe('POST');
    expect(web.headers.get('cookie')).toBe('s=1');
    expect(await web.text()).toBe('hi');
  });
});

describe('results', () => {
  it.each([
    ['json', json({ a: 1 }, { status: 201 }), 201, 'application/json', '{"a":1}'],
    ['text', text('hi'), 200, 'text/plain; charset=utf-8', 'hi'],
    ['html', html('<p>'), 200, 'text/html; charset=utf-8', '<p>'],
    ['plain object body', { body: { a: [1] } }, 200, 'application/json', '{"a":[1]}'],
    ['plain string body', { status: 202, body: 'ok' }, 202, 'text/plain; charset=utf-8', 'ok'],
    ['own content type', { headers: { 'Content-Type': 'text/csv' }, body: 'a,b' }, 200, 'text/csv', 'a,b'],
  ])('%s', (_n, result, code, type, body) => {
    const data = toResponseData(result);
    expect(data.status).toBe(code);
    const header = Object.entries(data.headers).find(([k]) => k.toLowerCase() === 'content-type')?.[1];
    expect(header).toBe(type);
    expect(data.body).toBe(body);
  });

  it('sends bytes as binary', () => {
    const data = toResponseData(bytes(new Uint8Array([1, 2]), 'image/png'));
    expect(data.body).toEqual(new Uint8Array([1, 2]));
    expect(data.headers['content-type']).toBe('image/png');
  });

  it('has empty answers', () => {
    expect(toResponseData(noContent())).toMatchObject({ status: 204, body: '' });
    expect(toResponseData(status(202))).toMatchObject({ status: 202, body: '' });
    expect(toResponseData({})).toMatchObject({ status: 204, body: '' });
    expect(toResponseData(redirect('/login', 303))).toMatchObject({ status: 303, headers: { location: '/login' } });
  });

  it('keeps several cookies apart', () => {
    const cookies = [setCookie('a', '1', { httpOnly: true, path: '/' }), setCookie('b', 'x y', { secure: true, sameSite: 'Lax', maxAge: 60 })];
    expect(cookies).toEqual(['a=1; Path=/; HttpOnly', 'b=x%20y; Max-Age=60; Secure; SameSite=Lax']);
    expect(toResponseData(json({}, { cookies })).cookies).toEqual(cookies);
    expect(() => setCookie('bad name', 'x')).toThrow(CookieError);
  });

  it('converts a web Response, every Set-Cookie kept', async () => {
    const headers = new Headers({ 'content-type': 'application/json', 'x-a': '1' });
    headers.append('set-cookie', 'a=1');
    headers.append('set-cookie', 'b=2');
    const data = await fromWebResponse(new Response('{"ok":true}', { status: 201, headers }));
    expect(data).toEqual({ status: 201, headers: { 'content-type': 'application/json', 'x-a': '1' }, cookies: ['a=1', 'b=2'], body: '{"ok":true}' });
    const bin = await fromWebResponse(new Response(new Uint8Array([9, 8]), { headers: { 'content-type': 'application/octet-stream' } }));
    expect(bin.body).toEqual(new Uint8Array([9, 8]));
  });
});

describe('error names survive minification', () => {
  it('names every error class explicitly', async () => {
    const errors = await import('onefn');
    expect(new errors.OnefnError('X', 'm').name).toBe('OnefnError');
    expect(new errors.HttpError(404, 'm').name).toBe('HttpError');
    expect(new errors.ValidationError([]).name).toBe('ValidationError');
    expect(new errors.DefinitionError('o', 'm').name).toBe('DefinitionError');
    expect(new errors.UnsupportedEventError('a', 'b').name).toBe('UnsupportedEventError');
    expect(new errors.MalformedEventError('m').name).toBe('MalformedEventError');
    expect(new errors.CookieError('path', 'm').name).toBe('CookieError');
    expect(new errors.HeaderError('x-a', 'm').name).toBe('HeaderError');
    expect(new errors.StatusError('m').name).toBe('StatusError');
  });
});

describe('request headers read in place from web Headers (webHeaders)', () => {
  // The same request as a record and as web Headers: every read answers the same.
  const sent: Array<[string, string]> = [
    ['Content-Type', 'application/json'],
    ['Cookie', 'a=1; b=2'],
    ['X-Forwarded-For', '203.0.113.1'],
    ['X-Forwarded-For', '10.0.0.1'],
    ['set-cookie', 'x=1'],
    ['set-cookie', 'y=2'],
    ['__proto__', 'p'],
    ['constructor', 'c'],
  ];
  const web = new Headers();
  for (const [name, value] of sent) web.append(name, value);
  const record: Record<string, string[]> = Object.create(null) as Record<string, string[]>;
  // A record as a provider hands it over, with web Headers' folding (a repeated header is one value).
  web.forEach((value, name) => (record[name] ??= []).push(value));
  const inPlace = createRequest({ method: 'POST', path: '/', webHeaders: web, body: { data: '{"n":1}' } });
  const copied = createRequest({ method: 'POST', path: '/', headers: record, headersLowerCased: true, body: { data: '{"n":1}' } });

  it('answers get, getAll and has as the record does, for any case of the name', () => {
    for (const name of ['content-type', 'Content-Type', 'COOKIE', 'x-forwarded-for', 'set-cookie', '__proto__', 'constructor', 'toString', 'absent']) {
      expect(inPlace.headers.get(name), name).toBe(copied.headers.get(name));
      expect(inPlace.headers.getAll(name), name).toEqual(copied.headers.getAll(name));
      expect(inPlace.headers.has(name), name).toBe(copied.headers.has(name));
    }
    expect(inPlace.headers.getAll('set-cookie')).toEqual(['x=1', 'y=2']);
    expect(inPlace.headers.get('x-forwarded-for')).toBe('203.0.113.1, 10.0.0.1');
  });

  it('iterates, builds the record a headers schema validates, and reads cookies and the JSON body the same', () => {
    expect([...inPlace.headers]).toEqual([...copied.headers]);
    expect(inPlace.headers.toObject()).toEqual(copied.headers.toObject());
    expect(inPlace.cookies).toEqual({ a: '1', b: '2' });
    expect(inPlace.body).toEqual({ n: 1 });
  });

  it('answers undefined for a name HTTP does not allow, where web Headers would throw', () => {
    for (const name of ['bad name', 'x\r\ny', '', 'é']) {
      expect(() => web.get(name)).toThrow();
      expect(inPlace.headers.get(name)).toBeUndefined();
      expect(inPlace.headers.getAll(name)).toEqual([]);
      expect(inPlace.headers.has(name)).toBe(false);
    }
  });
});
