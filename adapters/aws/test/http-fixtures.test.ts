import { describe, expect, it } from 'vitest';
import { bytes, defineHttp, json, setCookie, type HttpRequest } from 'onefn';
import { wrap } from '@onefn/aws';
import { lambdaHttpV2Handler } from '@onefn/aws/entry';
import { UnsupportedEventError } from 'onefn';
import { allFixtures, fixture, lambdaContext } from './fixtures.js';

// Echoes what the portable request holds, and answers with two cookies, so each fixture checks both
// directions: native -> portable, and portable -> that source's answer.
const echo = defineHttp({
  handler: (req: HttpRequest) =>
    json(
      {
        method: req.method,
        path: req.path,
        query: req.query,
        cookies: req.cookies,
        body: req.text(),
        ip: req.ip,
        header2: req.headers.get('header2'),
        provider: req.native.provider,
      },
      { cookies: [setCookie('a', '1'), setCookie('b', '2', { path: '/' })], headers: { 'x-onefn': 'yes' } },
    ),
});
const handler = wrap(echo);

type Expected = { kind: 'v1' | 'v2' | 'alb' | 'alb-multi'; method: string; path: string; query?: object; cookies?: object; body?: string; ip?: string; header2?: string };

const CASES: Record<string, Expected> = {
  'apigateway-rest/rest-proxy-base64-body.json': { kind: 'v1', method: 'POST', path: '/path/to/resource', query: { foo: 'bar' }, body: '{"test":"body"}', ip: '127.0.0.1' },
  'apigateway-rest/rest-proxy-lambda-authorizer.json': { kind: 'v1', method: 'POST', path: '/lambda-token', query: {}, body: '', ip: '15.248.3.126' },
  'apigateway-rest/rest-proxy-multivalue-get.json': { kind: 'v1', method: 'GET', path: '/my/path', query: { parameter1: ['value1', 'value2'], parameter2: 'value' }, body: 'Hello from Lambda!', header2: 'value1, value2' },
  'apigateway-rest/rest-proxy-multivalue-post.json': { kind: 'v1', method: 'POST', path: '/hello/world', query: { name: 'me' }, body: '{\r\n\t"a": 1\r\n}', ip: '192.168.196.186' },
  'apigateway-rest/rest-proxy-no-auth.json': { kind: 'v1', method: 'POST', path: '/no-auth', query: {}, body: '', ip: '15.248.3.126' },
  'alb/alb-binary-body-base64.json': { kind: 'alb', method: 'PUT', path: '/api/binary', query: {}, body: 'Greetings, programs!', ip: '72.21.198.66', cookies: {} },
  'alb/alb-multi-value-headers.json': { kind: 'alb-multi', method: 'GET', path: '/', query: { key: 'hello' }, body: '', ip: '72.21.198.67' },
  'alb/alb-multi-value-query-and-headers.json': { kind: 'alb-multi', method: 'GET', path: '/todos', query: { parameter1: ['value1', 'value2'], parameter2: 'value' }, ip: '123.123.123.123', header2: 'value1, value2' },
  'alb/alb-single-value-headers.json': { kind: 'alb', method: 'GET', path: '/', query: { key: 'hello' }, ip: '25.12.198.67' },
  'alb/alb-single-value-text-body.json': { kind: 'alb', method: 'GET', path: '/lambda', query: { query: '1234ABCD' }, body: 'Test' },
  'apigateway-http/http-v2-cookies-base64-flag.json': { kind: 'v2', method: 'GET', path: '/default/nodejs-apig-function-1G3XMPLZXVXYI', query: {}, cookies: { s_fid: '7AABXMPL1AFD9BBF-0643XMPL09956DE2', regStatus: 'pre-register' }, body: '', ip: '205.255.255.176' },
  'apigateway-http/http-v2-cookies-jwt.json': { kind: 'v2', method: 'POST', path: '/my/path', query: { parameter1: ['value1', 'value2'], parameter2: 'value' }, body: '{"message": "hello world", "username": "tom"}', header2: 'value1,value2', ip: '192.168.0.1/32' },
  'apigateway-http/http-v2-iam-auth.json': { kind: 'v2', method: 'POST', path: '/iam', query: {}, ip: '15.248.3.126' },
  'apigateway-http/http-v2-no-authorizer.json': { kind: 'v2', method: 'GET', path: '/', query: {}, ip: '1.2.3.4' },
  'lambda-function-url/function-url-base64-body.json': { kind: 'v2', method: 'POST', path: '/', query: {}, body: '<idk/>', ip: '127.0.0.1' },
  'lambda-function-url/function-url-browser-get.json': { kind: 'v2', method: 'GET', path: '/', query: {}, body: '', ip: '123.123.123.123' },
  'lambda-function-url/function-url-cookies-text-body.json': { kind: 'v2', method: 'POST', path: '/hello', query: { hello: 'world', foo: 'bar' }, cookies: { foo: 'bar', hello: 'hello' }, body: '{"hello": "world"}', header2: 'h1,h2' },
  'lambda-function-url/function-url-iam-cookies.json': { kind: 'v2', method: 'POST', path: '/', query: { parameter1: ['value1', 'value2'], parameter2: 'value' }, body: '', header2: 'value1,value2' },
};

const HTTP_FOLDERS = ['alb/', 'apigateway-http/', 'apigateway-rest/', 'lambda-function-url/'];

describe('HTTP fixtures', () => {
  it('covers every HTTP fixture file', () => {
    expect(Object.keys(CASES).sort()).toEqual(allFixtures().filter((f) => HTTP_FOLDERS.some((d) => f.startsWith(d))));
  });

  it.each(Object.entries(CASES))('%s', async (file, expected) => {
    // Read as a plain record: the fixtures span the v1, v2 and ALB answer shapes.
    const result: Record<string, unknown> = { ...(await handler(fixture(file), lambdaContext())) };
    expect(result['statusCode']).toBe(200);
    expect(result['isBase64Encoded']).toBe(false);
    const got = JSON.parse(result['body'] as string) as Record<string, unknown>;
    const { kind, ...fields } = expected;
    expect(got).toMatchObject({ ...fields, provider: 'aws' });
    const cookies = ['a=1', 'b=2; Path=/'];
    if (kind === 'v2') {
      expect(result['cookies']).toEqual(cookies);
      expect(result['headers']).toEqual({ 'content-type': 'application/json', 'x-onefn': 'yes' });
      expect(result).not.toHaveProperty('multiValueHeaders');
    } else if (kind === 'v1') {
      expect(result['headers']).toEqual({ 'content-type': 'application/json', 'x-onefn': 'yes' });
      expect(result['multiValueHeaders']).toEqual({ 'set-cookie': cookies });
    } else if (kind === 'alb-multi') {
      expect(result['statusDescription']).toBe('200 OK');
      expect(result).not.toHaveProperty('headers');
      expect(result['multiValueHeaders']).toEqual({ 'content-type': ['application/json'], 'x-onefn': ['yes'], 'set-cookie': cookies });
    } else {
      expect(result['statusDescription']).toBe('200 OK');
      expect(result).not.toHaveProperty('multiValueHeaders');
      const headers = result['headers'] as Record<string, string>;
      const setCookies = Object.entries(headers).filter(([k]) => k.toLowerCase() === 'set-cookie');
      expect(new Set(setCookies.map(([k]) => k)).size).toBe(2);
      expect(setCookies.map(([, v]) => v)).toEqual(cookies);
    }
  });
});

describe('the payload 2.0 handler that deploy bundles use', () => {
  const v2Only = lambdaHttpV2Handler([echo]);

  it.each(Object.entries(CASES))('%s', async (file, expected) => {
    if (expected.kind === 'v2') {
      const result = await v2Only(fixture(file), lambdaContext());
      expect(result.statusCode).toBe(200);
      expect(result.cookies).toEqual(['a=1', 'b=2; Path=/']);
      expect(JSON.parse(result.body)).toMatchObject({ method: expected.method, path: expected.path, provider: 'aws' });
      // The same answer as the handler that serves every source.
      expect(result).toEqual(await handler(fixture(file), lambdaContext()));
      return;
    }
    const refused = v2Only(fixture(file), lambdaContext());
    await expect(refused).rejects.toBeInstanceOf(UnsupportedEventError);
    const named = expected.kind === 'v1' ? 'an API Gateway REST API (v1) request' : 'an ALB request';
    await expect(v2Only(fixture(file), lambdaContext())).rejects.toThrow(
      `Unsupported event: received ${named}, this function serves HTTP API (payload 2.0) and Function URL requests (--http-events all adds REST APIs and ALB)`,
    );
  });
});

describe('HTTP answers', () => {
  const png = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0, 255]);
  const binary = wrap(defineHttp({ handler: () => bytes(png, 'image/png') }));

  it.each(['apigateway-http/http-v2-no-authorizer.json', 'apigateway-rest/rest-proxy-no-auth.json', 'alb/alb-single-value-headers.json', 'alb/alb-multi-value-headers.json'])(
    'base64-encodes a binary body for %s',
    async (file) => {
      const result = (await binary(fixture(file), lambdaContext())) as { body: string; isBase64Encoded: boolean };
      expect(result.isBase64Encoded).toBe(true);
      expect(new Uint8Array(Buffer.from(result.body, 'base64'))).toEqual(png);
    },
  );

  it('routes REST v1 on path, without the stage that requestContext.path carries', async () => {
    const routed = wrap([defineHttp({ method: 'POST', route: '/path/to/resource', handler: () => json({ hit: true }) })]);
    const result = (await routed(fixture('apigateway-rest/rest-proxy-base64-body.json'), lambdaContext())) as { statusCode: number; body: string };
    expect(result.statusCode).toBe(200);
    expect(JSON.parse(result.body)).toEqual({ hit: true });
  });

  it('answers 404 and 405 as problem documents through the router', async () => {
    const routed = wrap([defineHttp({ method: 'GET', route: '/my/path', handler: () => json({}) })]);
    const post = (await routed(fixture('apigateway-http/http-v2-cookies-jwt.json'), lambdaContext())) as { statusCode: number; headers: Record<string, string> };
    expect(post.statusCode).toBe(405);
    expect(post.headers['allow']).toBe('GET, HEAD');
    const miss = (await routed(fixture('apigateway-http/http-v2-iam-auth.json'), lambdaContext())) as { statusCode: number; headers: Record<string, string> };
    expect(miss.statusCode).toBe(404);
    expect(miss.headers['content-type']).toBe('application/problem+json');
  });

  describe('decodes query strings exactly once', () => {
    const q = wrap(defineHttp({ handler: (req) => json({ q: req.query['q'] ?? null, all: req.queryAll('q') }) }));
    const read = async (event: unknown): Promise<unknown> => JSON.parse(((await q(event, lambdaContext())) as { body: string }).body);
    const v2 = fixture('apigateway-http/http-v2-no-authorizer.json') as Record<string, unknown>;
    const v1 = fixture('apigateway-rest/rest-proxy-no-auth.json') as Record<string, unknown>;
    const alb = fixture('alb/alb-single-value-headers.json') as Record<string, unknown>;
    const albMulti = fixture('alb/alb-multi-value-headers.json') as Record<string, unknown>;

    it('v2: rawQueryString is encoded', async () => {
      expect(await read({ ...v2, rawQueryString: 'q=a%2Bb+c%25' })).toEqual({ q: 'a+b c%', all: ['a+b c%'] });
    });
    it('v1: parameters arrive decoded and are not decoded again', async () => {
      expect(await read({ ...v1, queryStringParameters: { q: 'a%2Bb' }, multiValueQueryStringParameters: { q: ['a%2Bb', 'x+y'] } })).toEqual({ q: ['a%2Bb', 'x+y'], all: ['a%2Bb', 'x+y'] });
    });
    it('ALB: values arrive as sent, still encoded', async () => {
      expect(await read({ ...alb, queryStringParameters: { q: 'a%2Bb%20c' } })).toEqual({ q: 'a+b c', all: ['a+b c'] });
      expect(await read({ ...albMulti, multiValueQueryStringParameters: { q: ['%C3%A9', 'x+y'] } })).toEqual({ q: ['é', 'x y'], all: ['é', 'x y'] });
    });
  });
});
