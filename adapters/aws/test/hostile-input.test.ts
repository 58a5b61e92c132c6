// Hostile input on every Lambda HTTP source: names of Object.prototype members in the query and
// cookies, and bodies marked base64-encoded that are not.
import { describe, expect, it } from 'vitest';
import { defineCloudEvent, defineHttp, defineQueue, defineStorage, json, MalformedEventError } from 'onefn';
import { wrap, type LambdaHttpResult } from '@onefn/aws';
import { albEvent, functionUrlEvent, httpApiEvent, lambdaContext, restApiEvent, s3Event, sqsEvent } from '@onefn/aws/testing';

const echo = defineHttp({
  handler: (req) =>
    json({
      query: req.query,
      cookies: req.cookies,
      protoIsArray: Array.isArray(Object.getPrototypeOf(req.query)),
      length: (req.query as Record<string, unknown>)['length'] ?? null,
      body: req.body instanceof Uint8Array ? Array.from(req.body) : req.body,
    }),
});
const handler = wrap(echo);
const call = async (event: unknown): Promise<{ status: number; body: string; type: string | undefined }> => {
  const result = (await handler(event as never, lambdaContext())) as LambdaHttpResult & { statusCode: number; body: string; headers?: Record<string, string>; multiValueHeaders?: Record<string, string[]> };
  const type = result.headers?.['content-type'] ?? result.multiValueHeaders?.['content-type']?.[0];
  return { status: result.statusCode, body: result.isBase64Encoded ? Buffer.from(result.body, 'base64').toString() : result.body, type };
};

const path = '/q?__proto__=1&__proto__=2&constructor=c&toString=t';
// JSON.parse makes `__proto__` an own key, as Lambda's runtime does; a literal's `__proto__:` would not.
const own = (text: string): Record<string, unknown> => JSON.parse(text) as Record<string, unknown>;
const cookies = own('{"constructor":"abc","normal":"ok","valueOf":"v","__proto__":"p"}') as Record<string, string>;

describe('the testing kit builds events whose query has prototype names', () => {
  it.each([
    ['httpApiEvent', () => httpApiEvent({ path })],
    ['functionUrlEvent', () => functionUrlEvent({ path })],
    ['restApiEvent', () => restApiEvent({ path })],
    ['albEvent', () => albEvent({ path })],
    ['albEvent multi-value', () => albEvent({ path, multiValue: true })],
  ])('%s does not throw (it threw "out[k].push is not a function")', (_name, build) => {
    expect(build).not.toThrow();
  });
});

describe('every HTTP source hands the handler prototype names as sent', () => {
  it.each([
    ['HTTP API (v2)', httpApiEvent({ path, cookies })],
    ['Function URL (v2)', functionUrlEvent({ path, cookies })],
    ['REST API (v1)', restApiEvent({ path, cookies })],
    ['ALB multi-value', albEvent({ path, cookies, multiValue: true })],
  ])('%s', async (_name, event) => {
    const res = await call(event);
    expect(res.status).toBe(200);
    const body = own(res.body);
    expect(body).toMatchObject({ protoIsArray: false, length: null });
    expect(Object.entries(body['query'] as object)).toEqual([['__proto__', ['1', '2']], ['constructor', 'c'], ['toString', 't']]);
    expect(Object.entries(body['cookies'] as object)).toEqual(Object.entries(cookies));
  });

  it('a REST API event whose multi-value query has __proto__ beside nulls (the copy without nulls took it as prototype)', async () => {
    const event = restApiEvent({ path: '/q' });
    const raw = JSON.parse('{"__proto__":["a","b"],"x":null}') as Record<string, string[] | null>;
    (event as { multiValueQueryStringParameters: unknown }).multiValueQueryStringParameters = raw;
    const res = JSON.parse((await call(event)).body) as { query: object; protoIsArray: boolean; length: unknown };
    expect(res).toMatchObject({ protoIsArray: false, length: null });
    expect(Object.entries(res.query)).toEqual([['__proto__', ['a', 'b']]]);
  });
});

describe('a body marked base64-encoded that is not base64', () => {
  const secret = 'eyJuYW1lIjoi secret-token';
  const mark = <E extends { body?: string | null; isBase64Encoded?: boolean }>(event: E): E => Object.assign(event, { body: secret, isBase64Encoded: true });

  it.each([
    ['HTTP API (v2)', mark(httpApiEvent({ method: 'POST', json: {} }))],
    ['REST API (v1)', mark(restApiEvent({ method: 'POST', json: {} }))],
    ['ALB', mark(albEvent({ method: 'POST', json: {} }))],
  ])('%s answers a 400 problem naming the body and echoing none of it', async (_name, event) => {
    const res = await call(event);
    expect(res.status).toBe(400);
    expect(res.type).toBe('application/problem+json');
    expect(JSON.parse(res.body)).toMatchObject({ code: 'MALFORMED_BASE64', detail: 'Malformed body: marked base64-encoded but not valid base64' });
    expect(res.body).not.toMatch(/secret|eyJ/);
  });

  it('still decodes valid base64 bodies', async () => {
    const res = await call(httpApiEvent({ method: 'POST', body: new Uint8Array([0, 1, 255]) }));
    expect(JSON.parse(res.body).body).toEqual([0, 1, 255]);
  });
});

describe('events', () => {
  it('refuses a JSON CloudEvent whose data_base64 is not base64 with a MalformedEventError echoing nothing', async () => {
    const def = defineCloudEvent({ handler: () => undefined });
    const event = { specversion: '1.0', id: 'e1', source: '/s', type: 't', data_base64: 'secret!!' };
    const error = await Promise.resolve(wrap(def)(event as never, lambdaContext())).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MalformedEventError);
    expect((error as Error).message).toBe('Malformed event: CloudEvent "data_base64" is not valid base64');
  });

  it('keeps SQS message attributes named like prototype members', async () => {
    let seen: Record<string, string> | undefined;
    const def = defineQueue({ queue: 'q', handler: (msg) => void (seen = { ...msg.attributes }) });
    const attributes = JSON.parse('{"__proto__":"p","constructor":"c"}') as Record<string, string>;
    await wrap(def)(sqsEvent([{ id: 'm1', body: '{}', attributes }]), lambdaContext());
    expect(Object.entries(seen ?? {})).toEqual([['__proto__', 'p'], ['constructor', 'c']]);
  });

  it('refuses an S3 key that is not URL-encoded correctly without repeating it', async () => {
    const event = s3Event({ bucket: 'b' });
    (event.Records[0] as { s3: { object: { key: string } } }).s3.object.key = 'secret%E0%A4%A';
    const error = await Promise.resolve(wrap(defineStorage({ bucket: 'b', handler: () => undefined }))(event, lambdaContext())).catch((e: unknown) => e);
    expect(error).toEqual(new MalformedEventError('S3 object key is not URL-encoded correctly'));
  });
});
