import { describe, expect, it } from 'vitest';
import {
  defineHttp, DefinitionError, HeaderError, HttpError, json, redirect, StatusError, text, type HttpResult, type ResultHeaders,
} from 'onefn';
import { toResponseData } from 'onefn/runtime';
import { httpRequest, invoke } from 'onefn/testing';

const GENERIC = { type: 'about:blank', title: 'Internal Server Error', status: 500, detail: 'The function failed. See its logs for details.' };

function refusal(run: () => unknown): HeaderError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(HeaderError);
    return error as HeaderError;
  }
  throw new Error('no HeaderError was thrown');
}

const headers = (h: Record<string, unknown>): HttpResult => ({ headers: h as ResultHeaders, body: 'x' });

describe('toResponseData refuses a header that cannot go on the wire, naming it and not its value', () => {
  it.each<[string, HttpResult, string]>([
    ['CR/LF in a value', headers({ 'x-note': 'ok\r\nx-injected: evil' }), 'x-note'],
    ['a lone LF', headers({ 'x-note': 'ok\nevil' }), 'x-note'],
    ['NUL', headers({ 'x-note': 'evil\0' }), 'x-note'],
    ['another control character', headers({ 'x-note': 'evil\u0001' }), 'x-note'],
    ['DEL', headers({ 'x-note': 'evil\u007f' }), 'x-note'],
    ['a character above U+00FF', headers({ 'x-note': 'evil\u0100' }), 'x-note'],
    ['CR/LF in one value of a list', headers({ 'x-list': ['fine', 'evil\r\n'] }), 'x-list'],
    ['a list holding a non-string', headers({ 'x-list': ['fine', 5] }), 'x-list'],
    ['a null value', headers({ 'x-null': null }), 'x-null'],
    ['an object value', headers({ 'x-obj': { evil: 1 } }), 'x-obj'],
    ['a name with a space', headers({ 'x bad': '1' }), 'x bad'],
    ['a name with a colon', headers({ 'x-a: b': '1' }), 'x-a: b'],
    ['a name with CR/LF', headers({ 'x-a\r\nx-injected': 'evil' }), 'x-a\r\nx-injected'],
    ['an empty name', headers({ '': 'evil' }), ''],
    ['a redirect location with CR/LF, set by hand', { status: 302, headers: { location: '/next\r\nx-injected: evil' } }, 'location'],
    ['a raw cookie with CR/LF', { cookies: ['a=1\r\nx-injected: evil'] }, 'set-cookie'],
    ['a raw cookie without a name', { cookies: ['=evil'] }, 'set-cookie'],
    ['a raw cookie that is not a string', { cookies: [{ evil: 1 }] as never }, 'set-cookie'],
    ['cookies that are not a list', { cookies: 'a=evil' as never }, 'set-cookie'],
    ['a Set-Cookie header with CR/LF', headers({ 'Set-Cookie': ['a=1', 'b=2\r\nevil'] }), 'Set-Cookie'],
    ['a Set-Cookie header without a name', headers({ 'set-cookie': 'evil' }), 'set-cookie'],
    ['headers that are not an object', { headers: 'x-evil: 1' as never }, 'headers'],
    // obs-text: Node would send it, the Azure Functions host (Kestrel) would fail the response.
    ['Latin-1 (obs-text) in a value', headers({ 'x-latin': 'caf\u00e9' }), 'x-latin'],
    ['Latin-1 in a Set-Cookie line', { cookies: ['a=caf\u00ff'] }, 'set-cookie'],
  ])('%s', (_n, result, header) => {
    const error = refusal(() => toResponseData(result));
    expect(error.code).toBe('INVALID_HEADER');
    expect(error.header).toBe(header);
    expect(error.message).not.toMatch(/evil|\r|\n/);
  });

  it.each<[string, HttpResult]>([
    ['tabs and every visible ASCII character in values', headers({ 'x-a': 'a\tb', 'x-b': ' !"#~\x7e' })],
    ['numbers', headers({ 'content-length': 3, 'x-ratio': -1.5e21 })],
    ['lists', headers({ 'x-list': ['a', 'b'], 'set-cookie': ['a=1', 'b=2; Path=/'] })],
    ['undefined values (skipped)', headers({ 'x-a': undefined })],
    ['every token character in a name', headers({ "!#$%&'*+-.^_`|~09azAZ": '1' })],
  ])('lets through %s', (_n, result) => {
    expect(() => toResponseData(result)).not.toThrow();
  });

  it('folds header names that differ only in case: the last value wins, every Set-Cookie is kept', () => {
    const res = toResponseData(headers({ 'X-A': '1', 'x-b': '2', 'x-a': '3', 'Set-Cookie': 'a=1', 'set-cookie': ['b=2', 'c=3'] }));
    expect(res.headers).toEqual({ 'x-b': '2', 'x-a': '3', 'set-cookie': ['a=1', 'b=2', 'c=3'], 'content-type': 'text/plain; charset=utf-8' });
    // No clash: the same object, names as given.
    expect(toResponseData(headers({ 'X-Order': '1', 'content-type': 'text/csv' })).headers).toEqual({ 'X-Order': '1', 'content-type': 'text/csv' });
  });

  it('refuses a status that is not an integer from 200 to 599', () => {
    for (const status of [0, 99, 100, 199, 600, 1000, 200.5, Number.NaN, '200']) {
      expect(() => toResponseData({ status: status as number })).toThrow(StatusError);
    }
    for (const status of [200, 204, 302, 418, 599]) expect(toResponseData({ status }).status).toBe(status);
  });

  it('sends JSON null for a body that serializes to nothing, as json() does', () => {
    expect(toResponseData({ body: { toJSON: () => undefined } })).toMatchObject({ status: 200, body: 'null' });
    expect(toResponseData({ body: () => 1 })).toMatchObject({ status: 200, body: 'null' });
  });

  it('refuses a redirect target with CR/LF at the call', () => {
    const error = refusal(() => redirect('/next\r\nset-cookie: evil=1'));
    expect(error.header).toBe('location');
    expect(redirect('/caf%C3%A9?a=1#b', 301)).toMatchObject({ status: 301, headers: { location: '/caf%C3%A9?a=1#b' } });
  });
});

describe('through the pipeline, a result that cannot be sent is the generic 500 and a logged HeaderError', () => {
  const cases: ReadonlyArray<[string, () => HttpResult | Response | Promise<HttpResult | Response>, string]> = [
    ['a sync handler', () => ({ headers: { 'x-note': 'ok\r\nevil' }, body: 'hi' }), 'x-note'],
    ['an async handler', async () => text('hi', { headers: { 'x-note': 'ok\r\nevil' } }), 'x-note'],
    ['a web Response', () => new Response('hi', { headers: { 'x-note': 'evil\u0001' } }), 'x-note'],
    ['a web Response with a bad Set-Cookie', () => new Response('hi', { headers: { 'set-cookie': 'evil\u0001' } }), 'set-cookie'],
    ['an HttpError with bad headers', () => {
      throw new HttpError(429, 'slow down', { headers: { 'retry-after': '1\r\nevil' } });
    }, 'retry-after'],
    ['a cookie list with CR/LF', () => json({}, { cookies: ['a=1\r\nevil'] }), 'set-cookie'],
  ];

  it.each(cases)('%s', async (_n, handler, header) => {
    const res = await invoke(defineHttp({ handler }), httpRequest({ path: '/' }));
    expect(res.status).toBe(500);
    expect(res.json()).toEqual(GENERIC);
    expect(res.cookies).toEqual([]);
    expect(JSON.stringify(res.headers)).not.toContain('evil');
    const [entry] = res.logs.entries;
    expect(res.logs.entries).toHaveLength(1);
    expect(entry?.level).toBe('error');
    const error = entry?.fields['error'] as { name: string; code: string; message: string };
    expect(error).toMatchObject({ name: 'HeaderError', code: 'INVALID_HEADER' });
    expect(error.message.toLowerCase()).toContain(header);
    expect(error.message).not.toContain('evil');
  });

  it('logs a StatusError for a status out of range', async () => {
    const res = await invoke(defineHttp({ handler: () => ({ status: 1000, body: 'x' }) }), httpRequest({ path: '/' }));
    expect(res.status).toBe(500);
    expect(res.json()).toEqual(GENERIC);
    expect(res.logs.entries[0]?.fields['error']).toMatchObject({ name: 'StatusError', code: 'INVALID_STATUS' });
  });

  it('still sends an HttpError whose headers are fine', async () => {
    const res = await invoke(defineHttp({ handler: () => {
      throw new HttpError(429, 'slow down', { headers: { 'retry-after': '1' } });
    } }), httpRequest({ path: '/' }));
    expect(res.status).toBe(429);
    expect(res.header('retry-after')).toBe('1');
  });
});

describe('CORS puts only sendable values in headers', () => {
  it.each<[string, object, string]>([
    ['an origin with CR/LF', { origins: ['https://app.example\r\nx-injected: evil'] }, 'cors.origins'],
    ['an origin with a path (never matches what browsers send)', { origins: ['https://app.example/'] }, 'cors.origins'],
    ['two origins in one string', { origins: ['https://a.example, https://b.example'] }, 'cors.origins'],
    ['a method that is not one', { origins: '*', methods: ['GET\r\nx: y'] }, 'cors.methods'],
    ['an allowed header that is not a token', { origins: '*', allowHeaders: ['x-a\r\nx: y'] }, 'cors.allowHeaders'],
    ['an exposed header that is not a token', { origins: '*', exposeHeaders: ['x a'] }, 'cors.exposeHeaders'],
  ])('refuses %s when the definition is made', (_n, cors, option) => {
    let error: unknown;
    try {
      defineHttp({ cors: cors as never, handler: () => text('x') });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(DefinitionError);
    expect((error as DefinitionError).option).toBe(option);
  });

  const api = defineHttp({ method: 'POST', route: '/c', cors: { origins: ['https://app.example', 'http://localhost:3000'] }, handler: () => text('c') });
  const preflight = (requested: string) =>
    invoke(api, httpRequest({ method: 'OPTIONS', path: '/c', headers: { origin: 'https://app.example', 'access-control-request-method': 'POST', 'access-control-request-headers': requested } }));

  it('echoes the requested headers of a preflight only when they are a list of header names', async () => {
    const fine = await preflight('content-type, x-tenant');
    expect(fine.status).toBe(204);
    expect(fine.header('access-control-allow-headers')).toBe('content-type, x-tenant');
    const crafted = await preflight('x-a\r\nx-injected: evil');
    expect(crafted.status).toBe(204);
    expect(crafted.header('access-control-allow-headers')).toBeUndefined();
    expect(JSON.stringify(crafted.headers)).not.toContain('evil');
  });
});
