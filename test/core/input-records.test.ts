// Records filled from keys a client chose must inherit nothing: no inherited names, nothing dropped,
// no prototype set from input (`?__proto__=a&__proto__=b` used to make req.query an array).
import { describe, expect, it } from 'vitest';
import { defineHttp, json } from 'onefn';
import { cloudEventFromJson, compileRoute, createRequest, matchRoute } from 'onefn/runtime';
import { httpRequest, invoke } from 'onefn/testing';

const PROTO_NAMES = ['__proto__', 'constructor', 'toString', 'valueOf', 'hasOwnProperty'];

/**
 * A record's own keys and values, and every name it inherits (none for an input record: its prototype
 * is empty and has no prototype itself).
 */
function shape(record: object): { inherited: string[]; entries: Array<[string, unknown]> } {
  const inherited: string[] = [];
  for (let p = Object.getPrototypeOf(record) as object | null; p; p = Object.getPrototypeOf(p) as object | null) inherited.push(...Object.getOwnPropertyNames(p));
  return { inherited, entries: Object.entries(record) };
}

describe('the query', () => {
  it('keeps repeated __proto__ as an own array, not as the prototype', () => {
    const req = createRequest({ method: 'GET', path: '/', query: '__proto__=a&__proto__=b' });
    const query = req.query as Record<string, unknown>;
    expect(shape(query)).toEqual({ inherited: [], entries: [['__proto__', ['a', 'b']]] });
    expect(query['length']).toBeUndefined();
    expect(query['__proto__']).toEqual(['a', 'b']);
  });

  it('keeps a single __proto__ and every other prototype name as sent', () => {
    const req = createRequest({ method: 'GET', path: '/', query: PROTO_NAMES.map((n, i) => `${n}=${i}`).join('&') });
    expect(shape(req.query as object)).toEqual({ inherited: [], entries: PROTO_NAMES.map((n, i) => [n, String(i)]) });
    expect((req.query as Record<string, unknown>)['__proto__']).toBe('0');
    expect(req.queryAll('__proto__')).toEqual(['0']);
  });

  it('inherits no names when none were sent', () => {
    const query = createRequest({ method: 'GET', path: '/', query: 'a=1' }).query as Record<string, unknown>;
    for (const name of PROTO_NAMES) expect(query[name], name).toBeUndefined();
  });

  it('reads a record a provider decoded (API Gateway REST) with __proto__ as an own key', () => {
    const decoded = JSON.parse('{"__proto__":["a","b"],"constructor":"c"}') as Record<string, string | string[]>;
    const req = createRequest({ method: 'GET', path: '/', query: decoded });
    expect(shape(req.query as object)).toEqual({ inherited: [], entries: [['__proto__', ['a', 'b']], ['constructor', 'c']] });
  });
});

describe('cookies', () => {
  it('keeps cookies named like Object.prototype members', () => {
    const req = createRequest({ method: 'GET', path: '/', headers: { cookie: 'constructor=abc; normal=ok; toString=t; valueOf=v; __proto__=p' } });
    expect(shape(req.cookies)).toEqual({
      inherited: [],
      entries: [['constructor', 'abc'], ['normal', 'ok'], ['toString', 't'], ['valueOf', 'v'], ['__proto__', 'p']],
    });
  });

  it('still lets the first of a repeated name win, in the cookies array and in the header', () => {
    const listed = createRequest({ method: 'GET', path: '/', cookies: ['constructor=first', 'constructor=second', 'hasOwnProperty=h'] });
    expect(listed.cookies['constructor']).toBe('first');
    expect(listed.cookies['hasOwnProperty']).toBe('h');
    const header = createRequest({ method: 'GET', path: '/', headers: { cookie: 'constructor=first; constructor=second; hasOwnProperty=h' } });
    expect(header.cookies['constructor']).toBe('first');
    expect(header.cookies['hasOwnProperty']).toBe('h');
  });
});

describe('headers', () => {
  it('finds no inherited names in a provider object already lower-cased (a crash before)', () => {
    const req = createRequest({ method: 'GET', path: '/', headers: { a: '1' }, headersLowerCased: true });
    for (const name of PROTO_NAMES) {
      expect(req.headers.get(name), name).toBeUndefined();
      expect(req.headers.has(name), name).toBe(false);
      expect(req.headers.getAll(name), name).toEqual([]);
    }
  });

  it('reads a header sent under a prototype name, in either index mode', () => {
    const raw = JSON.parse('{"__proto__":"p","constructor":"c"}') as Record<string, string>;
    for (const lowerCased of [true, false]) {
      const headers = createRequest({ method: 'GET', path: '/', headers: raw, headersLowerCased: lowerCased }).headers;
      expect(headers.get('__proto__')).toBe('p');
      expect(headers.get('Constructor')).toBe('c');
      expect(shape(headers.toObject())).toEqual({ inherited: [], entries: [['__proto__', 'p'], ['constructor', 'c']] });
    }
  });
});

describe('route parameters', () => {
  it('keeps parameters named like prototype members', () => {
    const params = matchRoute(compileRoute('/a/:__proto__/:constructor'), '/a/x/y') as Record<string, string>;
    expect(shape(params)).toEqual({ inherited: [], entries: [['__proto__', 'x'], ['constructor', 'y']] });
  });

  it('inherits no names on a route without parameters, or without a route', async () => {
    const probe = (req: { params: object }) => json(PROTO_NAMES.map((n) => typeof (req.params as Record<string, unknown>)[n]));
    const fixed = defineHttp({ route: '/fixed', handler: probe });
    const any = defineHttp({ handler: probe });
    expect((await invoke(fixed, httpRequest({ path: '/fixed' }))).json()).toEqual(PROTO_NAMES.map(() => 'undefined'));
    expect((await invoke([any], httpRequest({ path: '/x' }))).json()).toEqual(PROTO_NAMES.map(() => 'undefined'));
  });

  it('names a malformed escape by position without repeating the path', async () => {
    const res = await invoke(defineHttp({ route: '/files/:name', handler: () => json({}) }), httpRequest({ path: '/files/%E0%A4%Asecret' }));
    expect(res.status).toBe(400);
    expect((res.json() as { detail: string }).detail).toBe('Malformed percent-encoding in path segment 2');
  });
});

describe('form bodies', () => {
  it('give a prototype-free record, repeated names as arrays, like the query', () => {
    const req = createRequest({
      method: 'POST',
      path: '/',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: { data: 'toString=1&__proto__=x&a=1&a=2&name=Ada+L' },
    });
    expect(shape(req.body as object)).toEqual({ inherited: [], entries: [['toString', '1'], ['__proto__', 'x'], ['a', ['1', '2']], ['name', 'Ada L']] });
  });
});

describe('CloudEvent extensions', () => {
  it('keep extension attributes named like prototype members', () => {
    const event = cloudEventFromJson(JSON.parse('{"specversion":"1.0","id":"1","source":"s","type":"t","__proto__":"p","constructor":"c"}'));
    expect(shape(event.extensions)).toEqual({ inherited: [], entries: [['__proto__', 'p'], ['constructor', 'c']] });
  });
});

describe('through a handler', () => {
  const echo = defineHttp({
    handler: (req) => json({ query: req.query['__proto__'], cookie: req.cookies['constructor'], isArray: Array.isArray(req.query), body: req.body }),
  });

  it('hands the handler what was sent under every prototype name', async () => {
    const res = await invoke(echo, httpRequest({ method: 'POST', path: '/?__proto__=q1&__proto__=q2', cookies: { constructor: 'abc' }, form: { valueOf: 'v' } }));
    expect(res.json()).toEqual({ query: ['q1', 'q2'], cookie: 'abc', isArray: false, body: { valueOf: 'v' } });
  });
});
