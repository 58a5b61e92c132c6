// A result that cannot go on the wire gets one answer from every HTTP source Lambda serves: the
// generic 500 problem, with nothing of the bad value in it. Before, each format handed the raw CR/LF
// (or the injected cookie attribute) to API Gateway or the load balancer.
import { describe, expect, it } from 'vitest';
import { defineHttp, json, redirect, setCookie, type HttpResult } from 'onefn';
import { wrap, type LambdaV1Result, type LambdaV2Result } from '@onefn/aws';
import { albEvent, functionUrlEvent, httpApiEvent, lambdaContext, restApiEvent } from '@onefn/aws/testing';

const GENERIC = { type: 'about:blank', title: 'Internal Server Error', status: 500, detail: 'The function failed. See its logs for details.' };

const results: ReadonlyArray<[string, () => HttpResult]> = [
  ['a header value with CRLF', () => ({ headers: { 'x-note': 'ok\r\nx-injected: evil' }, body: 'hi' })],
  ['a redirect to a CRLF target', () => redirect('/next\r\nx-injected: evil')],
  ['a raw cookie with CRLF', () => json({}, { cookies: ['a=1\r\nx-injected: evil'] })],
  ['a Set-Cookie header with CRLF', () => ({ headers: { 'set-cookie': ['a=1', 'b=2\r\nx-injected: evil'] }, body: 'hi' })],
  ['setCookie with a path that injects an attribute', () => json({}, { cookies: [setCookie('sid', '1', { path: '/; Domain=evil.com' })] })],
];

const sources = [
  ['API Gateway HTTP API (v2)', () => httpApiEvent({ path: '/bad' })],
  ['Function URL (v2)', () => functionUrlEvent({ path: '/bad' })],
  ['API Gateway REST (v1)', () => restApiEvent({ path: '/bad' })],
  ['ALB, single-value headers', () => albEvent({ path: '/bad' })],
  ['ALB, multi-value headers', () => albEvent({ path: '/bad', multiValue: true })],
] as const;

describe.each(sources)('%s', (_source, event) => {
  it.each(results)('answers %s with the generic 500 problem and logs a typed error', async (_n, make) => {
    const handler = wrap(defineHttp({ handler: make }));
    const { result, lines } = await capturingStdout(() => handler(event(), lambdaContext()));
    expect(result.statusCode).toBe(500);
    expect(result.isBase64Encoded).toBe(false);
    expect(JSON.parse(result.body)).toEqual(GENERIC);
    const sent = { ...result.headers, ...result.multiValueHeaders };
    const type = Object.entries(sent).find(([k]) => k.toLowerCase() === 'content-type')?.[1];
    expect([type].flat()).toEqual(['application/problem+json']);
    expect(Object.keys(sent).some((k) => k.toLowerCase() === 'set-cookie' || k.toLowerCase() === 'location')).toBe(false);
    expect(result.cookies ?? []).toEqual([]);
    expect(JSON.stringify(result)).not.toContain('evil');
    // Lambda's JSON log line, written by the default sink.
    expect(lines).toHaveLength(1);
    const line = JSON.parse(lines[0] as string) as { level: string; error: { code: string } };
    expect(line.level).toBe('ERROR');
    expect(line.error.code).toMatch(/^INVALID_(HEADER|COOKIE)$/);
    expect(lines[0]).not.toContain('x-injected: evil');
  });
});

async function capturingStdout(run: () => Promise<unknown>): Promise<{ result: LambdaV1Result & LambdaV2Result; lines: string[] }> {
  const lines: string[] = [];
  const write = process.stdout.write;
  process.stdout.write = ((chunk: string | Uint8Array) => lines.push(String(chunk)) > 0) as typeof process.stdout.write;
  try {
    return { result: (await run()) as LambdaV1Result & LambdaV2Result, lines };
  } finally {
    process.stdout.write = write;
  }
}
