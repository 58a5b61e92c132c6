// Payload 2.0 header names are lower-case as API Gateway and Function URLs send them, which spares the
// core an index; the adapter must still notice any event whose names are not, however many came before.
import { describe, expect, it } from 'vitest';
import { defineHttp, json } from 'onefn';
import { wrap, type LambdaV2Result } from '@onefn/aws';
import { functionUrlEvent, lambdaContext } from '@onefn/aws/testing';

const echo = defineHttp({ handler: (req) => json({ type: req.headers.getAll('content-type'), tag: req.headers.get('X-Tag') ?? null, body: req.body ?? null }) });
const handler = wrap(echo);
const call = async (headers: Record<string, string>, body?: string): Promise<unknown> => {
  const event = { ...functionUrlEvent({ method: 'POST', path: '/' }), headers, body };
  const result = (await handler(event as never, lambdaContext())) as LambdaV2Result;
  return JSON.parse(result.body as string);
};

describe('header names on payload 2.0 events', () => {
  it('reads lower-case names, then the same names in any case after them', async () => {
    // Many lower-case requests first, so that every name below is a known lower-case one.
    for (let i = 0; i < 50; i++) expect(await call({ 'content-type': 'application/json', 'x-tag': `t${i}` }, '{"n":1}')).toEqual({ type: ['application/json'], tag: `t${i}`, body: { n: 1 } });
    expect(await call({ 'Content-Type': 'application/json', 'X-TAG': 'upper' }, '{"n":2}')).toEqual({ type: ['application/json'], tag: 'upper', body: { n: 2 } });
    // A known name and its other spelling in one event: both values, none lost.
    expect(await call({ 'content-type': 'application/json', 'Content-Type': 'text/plain', 'x-tag': 'a' })).toEqual({ type: ['application/json', 'text/plain'], tag: 'a', body: null });
  });

  it('keeps working when clients send hundreds of made-up names', async () => {
    const many: Record<string, string> = {};
    for (let i = 0; i < 600; i++) many[`x-made-up-${i}`] = String(i);
    expect(await call({ ...many, 'x-tag': 'many' })).toEqual({ type: [], tag: 'many', body: null });
    expect(await call({ ...many, 'X-Tag': 'MANY' })).toEqual({ type: [], tag: 'MANY', body: null });
  });
});
