// AWS: random and mutated native events through the Lambda handlers, exactly as the runtime calls them.
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { wrap, type LambdaHttpResult, type SqsBatchResponse } from '@onefn/aws';
import { albEvent, functionUrlEvent, lambdaContext, restApiEvent, sqsEvent } from '@onefn/aws/testing';
import {
  act, cookiePairs, encodeQuery, fixtures, headerPairs, hostileText, mutated, queryPairs, runs, SECRET, timeoutFor,
} from './arbitraries.js';
import {
  cloudEventDefinition, expectCleanCookies, expectCleanHeaders, expectNoLeak, expectNoPollution, expectTyped, httpDefinitions,
  orderedQueue, queueDefinition, scheduleDefinition, seen, storageDefinition,
} from './invariants.js';

// The Lambda log sink writes JSON lines to stdout; they are kept here, to assert on, not printed.
const logged: string[] = [];
beforeEach(() => {
  logged.length = 0;
  seen.reset();
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => (logged.push(String(chunk)), true));
});
afterEach(() => vi.restoreAllMocks());

const http = wrap([...httpDefinitions]);
const handlers = {
  http,
  queue: wrap(queueDefinition),
  ordered: wrap(orderedQueue),
  storage: wrap(storageDefinition),
  schedule: wrap(scheduleDefinition),
  cloudevent: wrap(cloudEventDefinition),
};

/** Checks a Lambda HTTP answer (v1, v2 or ALB) the way API Gateway or the ALB would send it. */
function expectCleanAnswer(result: LambdaHttpResult): void {
  const r = result as { statusCode?: number; headers?: unknown; multiValueHeaders?: unknown; cookies?: unknown; body?: string; isBase64Encoded?: boolean };
  expect(Number.isInteger(r.statusCode ?? 200)).toBe(true);
  expectCleanHeaders(r.headers);
  if (r.multiValueHeaders) expectCleanHeaders(r.multiValueHeaders, 'multiValueHeaders');
  expectCleanCookies(r.cookies);
  expectNoLeak(r.isBase64Encoded ? Buffer.from(r.body ?? '', 'base64').toString('latin1') : (r.body ?? ''));
}

const shape = fc.constantFrom('url', 'rest', 'alb', 'alb-multi');
const path = fc.constantFrom('/echo/1', '/echo/__proto__', '/valid/3', '/valid/x', '/throw', '/late', '/http-error', '/reflect', '/nope');

describe('property: AWS HTTP events', () => {
  it('answers every request, from every HTTP source, cleanly and without leaks', async () => {
    await fc.assert(
      fc.asyncProperty(shape, fc.constantFrom('GET', 'POST'), path, queryPairs, cookiePairs, headerPairs, fc.option(hostileText, { nil: undefined }), async (s, method, p, q, cookies, headers, text) => {
        const query = encodeQuery(q);
        const options = {
          method,
          path: query ? `${p}?${query}` : p,
          headers: { ...Object.fromEntries(headers), 'content-type': 'application/json' },
          cookies: Object.fromEntries(cookies),
          ...(text === undefined ? {} : { text }),
        };
        const event = JSON.parse(JSON.stringify(s === 'url' ? functionUrlEvent(options) : s === 'rest' ? restApiEvent(options) : albEvent({ ...options, multiValue: s === 'alb-multi' }))) as unknown;
        const result = await http(event as never, lambdaContext());
        expectCleanAnswer(result);
        expectNoPollution();
      }),
      runs(200),
    );
  }, timeoutFor(30_000));
});

describe('property: mutated AWS fixtures', () => {
  const all = fixtures('aws');
  it.each(all.map((f) => [f.name, f.text] as const))('%s: every handler answers or throws a typed error', async (_, text) => {
    await fc.assert(
      fc.asyncProperty(mutated(JSON.parse(text)), fc.constantFrom(...(Object.keys(handlers) as Array<keyof typeof handlers>)), async (event, kind) => {
        seen.reset();
        let result: unknown;
        try {
          result = await handlers[kind](event as never, lambdaContext());
        } catch (error) {
          expectTyped(error);
          expect(String((error as Error).message)).not.toContain(SECRET);
          return;
        } finally {
          expectNoPollution();
        }
        if (kind === 'http') expectCleanAnswer(result as LambdaHttpResult);
        // An SQS batch that was answered: every record with an id ran to success or is handed back.
        const records = (event as { Records?: Array<{ messageId?: unknown; eventSource?: unknown }> } | null)?.Records;
        if ((kind === 'queue' || kind === 'ordered') && result && Array.isArray(records)) {
          const failed = new Set((result as SqsBatchResponse).batchItemFailures.map((f) => f.itemIdentifier));
          for (const r of records) if (typeof r?.messageId === 'string') expect(seen.ok.has(r.messageId) || failed.has(r.messageId), `message ${r.messageId} lost`).toBe(true);
        }
      }),
      runs(25),
    );
  }, timeoutFor(30_000));
});

describe('property: SQS batches', () => {
  it.each([
    ['standard', false],
    ['FIFO', true],
  ] as const)('a %s batch reports exactly the messages that did not succeed', async (_, fifo) => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.oneof(act.map((a) => JSON.stringify({ act: a })), hostileText), { minLength: 1, maxLength: 10 }), async (bodies) => {
        seen.reset();
        const event = JSON.parse(JSON.stringify(sqsEvent(bodies.map((body, i) => ({ id: `m${i}`, body })), { fifo }))) as unknown;
        const result = (await handlers.queue(event as never, lambdaContext())) as SqsBatchResponse;
        const failed = result.batchItemFailures.map((f) => f.itemIdentifier);
        const ids = bodies.map((_, i) => `m${i}`);
        for (const id of ids) expect(seen.ok.has(id) !== failed.includes(id), `message ${id}`).toBe(true);
        if (fifo && failed.length) expect(failed).toEqual(ids.slice(ids.indexOf(failed[0] as string)));
      }),
      runs(150),
    );
  }, timeoutFor(30_000));
});
