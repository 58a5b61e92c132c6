// Hostile input through @azure/functions' own pipeline: Object.prototype names in the query, cookies,
// headers and message properties, and CloudEvent data that is not base64.
import { beforeEach, describe, expect, it } from 'vitest';
import { defineCloudEvent, defineHttp, defineQueue, defineSchedule, defineStorage, json, MalformedEventError, OnefnError, type Message, UnsupportedEventError } from 'onefn';
import { serve } from '@onefn/azure';
import { requestInit } from '@onefn/azure/from-http';
import { httpHandler } from '@onefn/azure/handler';
import { azureHost, blobEvent, cloudEventSchemaEvent, httpRequest, httpResult, invocationContext, rpcEventGrid, rpcHttp, rpcServiceBusMessage, rpcTimer } from '@onefn/azure/testing';
import { createRequest } from 'onefn/runtime';

const host = azureHost();
beforeEach(() => host.reset());

// JSON.parse makes `__proto__` an own key; a literal's `__proto__:` would set the prototype instead.
const own = (text: string): Record<string, string> => JSON.parse(text) as Record<string, string>;

const echo = defineHttp({
  handler: (req) =>
    json({
      query: Object.entries(req.query),
      cookies: Object.entries(req.cookies),
      inherited: req.headers.get('constructor') ?? null,
    }),
});

describe('HTTP', () => {
  it('hands the handler query, cookies and headers named like prototype members, as sent', async () => {
    serve({ echo }, { routedName: 'api' });
    const headers = { cookie: 'constructor=abc; normal=ok; __proto__=p' };
    const res = httpResult(await host.invoke('echo', rpcHttp({ url: '/api/x?__proto__=1&__proto__=2&constructor=c', headers })));
    expect(res.status).toBe(200);
    expect(res.json()).toEqual({
      query: [['__proto__', ['1', '2']], ['constructor', 'c']],
      cookies: [['constructor', 'abc'], ['normal', 'ok'], ['__proto__', 'p']],
      inherited: null,
    });
  });

  // @azure/functions drops a `__proto__` header itself (fromNullableMapping copies into `{}`); a
  // request shaped like the library's (web Headers, which take the name) keeps it through onefn.
  it('keeps a header named __proto__ that a request carries', async () => {
    const request = { url: 'http://localhost:7071/api/x', method: 'GET', headers: new Headers([['__proto__', 'h'], ['x-a', '1']]), body: null };
    const init = await requestInit(request as unknown as Parameters<typeof requestInit>[0], invocationContext().context, 'api');
    const headers = createRequest(init).headers;
    expect(headers.get('__proto__')).toBe('h');
    expect(Object.entries(headers.toObject()).filter(([k]) => k !== 'host')).toEqual([['__proto__', 'h'], ['x-a', '1']]);
  });

  it('answers a URL that does not parse with a 400 that does not repeat it', async () => {
    const request = httpRequest({ url: '/api/x' });
    Object.defineProperty(request, 'url', { value: 'not a url secret' });
    await expect(requestInit(request, invocationContext().context, 'api')).rejects.toThrow(new MalformedEventError('the request URL does not parse'));
  });
});

describe('events', () => {
  it('refuses a CloudEvents-schema event whose data_base64 is not base64: a MalformedEventError echoing nothing', async () => {
    let ran = false;
    serve({ ce: defineCloudEvent({ handler: () => void (ran = true) }) });
    const result = await host.invoke('ce', rpcEventGrid(cloudEventSchemaEvent({ data_base64: 'secret!!' })));
    expect(result.status).toBe('failure');
    const error = (result as { error: unknown }).error;
    expect(error).toBeInstanceOf(MalformedEventError);
    expect((error as OnefnError).message).toBe('Malformed event: CloudEvent "data_base64" is not valid base64');
    expect(ran).toBe(false);
  });

  // @azure/functions itself copies trigger metadata into `{}` (toCamelCaseValue), which drops a
  // `__proto__` property before onefn sees it; what reaches onefn is kept, and nothing is inherited.
  it('gives Service Bus attributes that inherit no names, keeping those sent', async () => {
    let seen: Message | undefined;
    serve({ sb: defineQueue({ queue: 'q', handler: (m) => void (seen = m) }) }, { messaging: 'serviceBus', serviceBusConnection: 'SB' });
    const result = await host.invoke('sb', rpcServiceBusMessage({ body: '{}', applicationProperties: own('{"constructor":"c"}') }));
    expect(result.status).toBe('success');
    const attributes = seen?.attributes as Record<string, unknown>;
    expect(attributes['constructor']).toBe('c');
    expect([attributes['toString'], attributes['valueOf'], attributes['hasOwnProperty']]).toEqual([undefined, undefined, undefined]);
  });

  it.each([
    ['a blob event subject', () => {
      serve({ fn: defineStorage({ bucket: 'c', handler: () => undefined }) });
      return rpcEventGrid({ ...blobEvent({ container: 'c', name: 'n' }), subject: '/secret/path' });
    }, 'blob event'],
    ['a timer isPastDue', () => {
      serve({ fn: defineSchedule({ schedule: '0 * * * *', handler: () => undefined }) });
      return rpcTimer({ isPastDue: 'secret', schedule: {}, scheduleStatus: {} } as never);
    }, 'timer isPastDue is not a boolean'],
  ])('refuses %s without repeating it', async (_name, make, mention) => {
    const result = await host.invoke('fn', make());
    expect(result.status).toBe('failure');
    const error = (result as { error: Error }).error;
    expect(error).toBeInstanceOf(MalformedEventError);
    expect(error.message).toContain(mention);
    expect(error.message).not.toContain('secret');
  });
});

describe('an HTTP function handed something else', () => {
  // The trigger binding of an HTTP function delivers an HttpRequest; anything else (a miswired binding,
  // a test harness) is refused with the typed error, named as on AWS (describeValue), never echoed.
  it.each([
    [null, 'null'],
    [{}, 'an empty object'],
    [own('{"__proto__":1,"secret":"s3cr3t"}'), 'an object with keys __proto__, secret'],
    ['s3cr3t', 'a string (6 characters)'],
    [[1, 2], 'an array of 2'],
    // Shaped like a request but without web Headers (the headers are read in place, by get and forEach).
    [{ url: 'http://h/api/x', method: 'GET', headers: { cookie: 's3cr3t' } }, 'an object with keys url, method, headers'],
    [{ url: 'http://h/api/x', method: 'GET', headers: null }, 'an object with keys url, method, headers'],
  ])('refuses %j as UnsupportedEventError naming %s', async (input, named) => {
    const handler = httpHandler([echo], { routePrefix: 'api', functionTimeout: 5 });
    const error = (await handler(input, invocationContext().context).catch((e: unknown) => e)) as UnsupportedEventError;
    expect(error).toBeInstanceOf(UnsupportedEventError);
    expect(error.code).toBe('UNSUPPORTED_EVENT');
    expect(error.received).toBe(named);
    expect(error.message).not.toContain('s3cr3t');
  });
});
