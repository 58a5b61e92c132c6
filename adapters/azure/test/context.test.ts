import { beforeEach, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { azureHost, httpResult, invocationContext, rpcEventGrid, rpcHttp, rpcQueueMessage, rpcTimer } from '@onefn/azure/testing';
import { serve, parseSetCookie, toAzureRoute } from '@onefn/azure';
import { type Context, defineCloudEvent, defineHttp, defineQueue, defineSchedule, defineStorage, DefinitionError, json, MalformedEventError, OnefnError, UnsupportedEventError } from 'onefn';
import { compileRoute } from 'onefn/runtime';
import { logSinkFor } from '../src/context.js';

const host = azureHost();
beforeEach(() => host.reset());

describe('context', () => {
  it('sets the deadline from functionTimeout, and the default of 300 s', async () => {
    const seen: Context[] = [];
    const def = defineHttp({ handler: (_req, ctx) => { seen.push(ctx); return json({ left: ctx.remainingMs() }); } });
    serve({ a: def }, { functionTimeout: 600 });
    const before = Date.now();
    await host.invoke('a', rpcHttp({ url: '/api/x' }));
    host.reset();
    serve({ a: def });
    await host.invoke('a', rpcHttp({ url: '/api/x' }));
    const [long, short] = seen as [Context, Context];
    expect(long.deadline - before).toBeGreaterThanOrEqual(600_000);
    expect(long.deadline - before).toBeLessThan(601_000);
    expect(short.deadline - before).toBeLessThan(301_000);
    expect(short.provider).toBe('azure');
    expect(short.native.provider === 'azure' && short.native.context.functionName).toBe('a');
  });

  it('sends each log entry to context.debug/info/warn/error as one JSON object, without the duplicated request id', () => {
    const { context, logs } = invocationContext({ invocationId: 'inv-9' });
    const sink = logSinkFor(context, 'inv-9');
    sink({ level: 'warn', message: 'slow', time: 0, fields: { requestId: 'inv-9', ms: 900 } });
    sink({ level: 'error', message: 'bad', time: 0, fields: { requestId: 'other', error: { name: 'Error', message: 'x' } } });
    sink({ level: 'debug', message: 'dbg', time: 0, fields: { a: 1, nested: { b: [1, 'two'] } } });
    sink({ level: 'info', message: 'plain', time: 0, fields: {} });
    expect(logs).toEqual([
      { level: 'warning', args: ['{"message":"slow","ms":900}'] },
      { level: 'error', args: ['{"message":"bad","requestId":"other","error":{"name":"Error","message":"x"}}'] },
      { level: 'debug', args: ['{"message":"dbg","a":1,"nested":{"b":[1,"two"]}}'] },
      { level: 'information', args: ['{"message":"plain"}'] },
    ]);
  });

  it('keeps an entry whose fields cannot be serialized', () => {
    const { context, logs } = invocationContext({ invocationId: 'inv-9' });
    const cycle: Record<string, unknown> = {};
    cycle['self'] = cycle;
    logSinkFor(context, 'inv-9')({ level: 'info', message: 'odd', time: 0, fields: { cycle, n: 10n } });
    expect(logs).toEqual([{ level: 'information', args: ['{"message":"odd","note":"fields could not be serialized"}'] }]);
  });

  it('the log lines the host receives through @azure/functions carry the fields as parseable JSON', async () => {
    serve({
      echo: defineHttp({ route: '/echo', handler: (_req, ctx) => { ctx.log.info('echo', { id: '1', tags: ['a', 'b'], n: 2 }); ctx.log.child({ tenant: 'acme' }).warn('slow', { ms: 900 }); return json({ ok: true }); } }),
    });
    const result = await host.invoke('echo', rpcHttp({ url: '/api/echo' }));
    expect(httpResult(result).status).toBe(200);
    const user = result.logs.filter((l) => l.category === 'user');
    expect(user.map((l) => [l.level, JSON.parse(l.message) as unknown])).toEqual([
      ['information', { message: 'echo', id: '1', tags: ['a', 'b'], n: 2 }],
      ['warning', { message: 'slow', tenant: 'acme', ms: 900 }],
    ]);
    expect(user.every((l) => l.invocationId === result.logs[0]?.invocationId)).toBe(true);
  });

  it('refuses unknown options naming the option', () => {
    expect(() => serve({ a: defineHttp({ handler: () => json(1) }) }, { routPrefix: 'x' } as never)).toThrow(/routPrefix/);
    expect(() => serve({ a: defineHttp({ handler: () => json(1) }) }, { messaging: 'kafka' } as never)).toThrow(DefinitionError);
    expect(() => serve({})).toThrow(/no onefn definitions/);
  });
});

describe('converters', () => {
  it.each([
    ['/users/:id', 'users/{id}'],
    ['/a/b/*', 'a/b/{*rest}'],
    ['/', ''],
  ])('route %s -> %s', (route, azure) => expect(toAzureRoute(compileRoute(route))).toBe(azure));

  it.each([
    ['a=1', { name: 'a', value: '1' }],
    ['s=x%3By; Domain=ex.com; Path=/p; Secure; HttpOnly; SameSite=None; Max-Age=5', { name: 's', value: 'x;y', domain: 'ex.com', path: '/p', secure: true, httpOnly: true, sameSite: 'None', maxAge: 5 }],
    ['e="q"; Expires=Wed, 21 Oct 2015 07:28:00 GMT; Partitioned', { name: 'e', value: 'q', expires: new Date('2015-10-21T07:28:00Z') }],
  ])('parses Set-Cookie %s', (header, cookie) => expect(parseSetCookie(header)).toEqual(cookie));

  it('drops a Set-Cookie without a name', () => expect(parseSetCookie('=x; Path=/')).toBeUndefined());

  it('names each attribute it cannot carry', () => {
    const dropped: string[] = [];
    const cookie = parseSetCookie('e=q; Secure; Partitioned; Priority=High; Path=/', (attribute, name) => dropped.push(`${name}: ${attribute}`));
    expect(cookie).toEqual({ name: 'e', value: 'q', secure: true, path: '/' });
    expect(dropped).toEqual(['e: partitioned', 'e: priority']);
  });
});

const TYPED = [MalformedEventError, UnsupportedEventError, OnefnError];

describe('arbitrary trigger payloads give an answer or a typed error', () => {
  it('queue, timer and Event Grid triggers', async () => {
    serve({
      q: defineQueue({ queue: 'q', handler: () => {} }),
      t: defineSchedule({ schedule: 'every 5 minutes', handler: () => {} }),
      e: defineCloudEvent({ handler: () => {} }),
      s: defineStorage({ bucket: 'b', handler: () => {} }),
    });
    const rpcValue = fc.oneof(fc.string().map((s) => ({ string: s })), fc.jsonValue().map((j) => ({ json: JSON.stringify(j) })), fc.uint8Array().map((b) => ({ bytes: b })), fc.integer().map((i) => ({ int: i })));
    const meta = fc.dictionary(fc.constantFrom('Id', 'DequeueCount', 'InsertionTime', 'MessageId', 'IsPastDue', 'foo'), rpcValue);
    const eventLike = fc.oneof(
      fc.jsonValue(),
      fc.record({ id: fc.string(), topic: fc.option(fc.string(), { nil: undefined }), eventType: fc.string(), subject: fc.string(), eventTime: fc.string(), data: fc.jsonValue() }, { requiredKeys: ['id', 'eventType'] }),
      fc.record({ specversion: fc.constantFrom('1.0', '0.3', ''), id: fc.string(), source: fc.string(), type: fc.string(), time: fc.string(), data: fc.jsonValue() }),
    );
    await fc.assert(
      fc.asyncProperty(fc.constantFrom('q', 't', 'e', 's'), rpcValue, meta, fc.option(fc.oneof(eventLike, fc.array(eventLike, { maxLength: 3 })), { nil: undefined }), async (name, data, triggerMetadata, events) => {
        const trigger = events !== undefined && (name === 'e' || name === 's') ? { ...rpcEventGrid(events), triggerMetadata } : { data, triggerMetadata };
        const result = await host.invoke(name, trigger);
        if (result.status === 'failure') expect(TYPED.some((T) => result.error instanceof T)).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  it('HTTP requests with arbitrary paths, headers and bodies', async () => {
    serve({ h: defineHttp({ method: 'POST', route: '/x/:id', handler: (req) => json({ id: req.params.id, body: req.body ?? null }) }) });
    await fc.assert(
      fc.asyncProperty(
        fc.webPath(), fc.constantFrom('GET', 'POST', 'PUT'), fc.dictionary(fc.constantFrom('content-type', 'cookie', 'x-forwarded-for', 'accept'), fc.string().filter((s) => /^[\x20-\x7e]*$/.test(s))), fc.string(),
        async (path, method, headers, body) => {
          const result = await host.invoke('h', rpcHttp({ method, url: `/api${path}`, headers, body: method === 'GET' ? undefined : body }));
          const res = httpResult(result);
          expect(res.status).toBeGreaterThanOrEqual(200);
          expect(res.status).toBeLessThan(600);
        },
      ),
      { numRuns: 200 },
    );
  });
});

it('a queue handler failure message names the poison behaviour (documented)', async () => {
  serve({ q: defineQueue({ queue: 'q', handler: () => { throw new Error('x'); } }) });
  const r = await host.invoke('q', rpcQueueMessage({ body: 'a', id: 'id-1' }));
  expect(r.status === 'failure' && (r.error as OnefnError).message).toContain('id-1');
  const t = await host.invoke('q', rpcTimer({}));
  expect(t.status).toBe('failure');
});
