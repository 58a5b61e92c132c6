// Google Cloud: random requests and mutated deliveries through functions-framework's own server.
import fc from 'fast-check';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { serve } from '@onefn/gcp';
import { httpRequest, pubsubEvent, startServer, type GcpTestRequest, type TestServer } from '@onefn/gcp/testing';
import { act, cookieHeader, cookiePairs, encodeQuery, fixtures, headerPairs, headerSafeText, mutated, queryPairs, runs, timeoutFor } from './arbitraries.js';
import {
  cloudEventDefinition, expectCleanHeaders, expectNoLeak, httpDefinitions, queueDefinition, scheduleDefinition, seen, storageDefinition,
  topicDefinition,
} from './invariants.js';

const servers: Record<string, TestServer> = {};
const names = ['fuzzHttp', 'fuzzQueue', 'fuzzTopic', 'fuzzStorage', 'fuzzSchedule', 'fuzzCloud'] as const;
const nodeEnv = process.env['NODE_ENV'];
beforeAll(async () => {
  // Deployed functions run with NODE_ENV=production (the deploy helper sets it); Express reads it when
  // the app is made, and shows stacks for its own JSON errors otherwise.
  process.env['NODE_ENV'] = 'production';
  serve(
    {
      fuzzHttp: httpDefinitions[0], fuzzHttp1: httpDefinitions[1], fuzzHttp2: httpDefinitions[2], fuzzHttp3: httpDefinitions[3],
      fuzzHttp4: httpDefinitions[4], fuzzHttp5: httpDefinitions[5],
      fuzzQueue: queueDefinition, fuzzTopic: topicDefinition, fuzzStorage: storageDefinition, fuzzSchedule: scheduleDefinition, fuzzCloud: cloudEventDefinition,
    },
    { routedName: 'fuzzHttp', logSink: () => {} },
  );
  for (const name of names) servers[name] = await startServer(name);
});
afterAll(async () => {
  process.env['NODE_ENV'] = nodeEnv;
  for (const s of Object.values(servers)) await s.close();
});
beforeEach(() => {
  seen.reset();
  // Express logs its own body-parser errors to stderr; they are expected here and not the function's.
  vi.spyOn(console, 'error').mockImplementation(() => {});
});

async function answer(name: (typeof names)[number], request: GcpTestRequest): Promise<{ status: number; text: string }> {
  const res = await (servers[name] as TestServer).send(request);
  const text = await res.text();
  const headers: Record<string, string> = {};
  res.headers.forEach((v, k) => void (headers[k] = v));
  expectCleanHeaders(headers);
  expectNoLeak(text);
  return { status: res.status, text };
}

const path = fc.constantFrom('/echo/1', '/echo/__proto__', '/valid/3', '/valid/x', '/throw', '/late', '/http-error', '/reflect', '/nope');

describe('property: GCP HTTP', () => {
  it('answers every request cleanly and without leaks', async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom('GET', 'POST'), path, queryPairs, cookiePairs, headerPairs, fc.option(headerSafeText, { nil: undefined }), async (method, p, q, cookies, headers, text) => {
        const query = encodeQuery(q);
        const h = { ...Object.fromEntries(headers.filter(([k]) => k !== '__proto__')), cookie: cookieHeader(cookies) };
        const req = httpRequest({ method, path: query ? `${p}?${query}` : p, headers: h, ...(method === 'POST' && text !== undefined ? { text } : {}) });
        const { status } = await answer('fuzzHttp', req);
        expect(status).toBeGreaterThanOrEqual(200);
        expect(status).toBeLessThan(600);
      }),
      runs(60),
    );
  }, timeoutFor(60_000));
});

describe('property: GCP Pub/Sub deliveries', () => {
  it('acknowledges a message (2xx) exactly when its handler succeeded', async () => {
    await fc.assert(
      fc.asyncProperty(act, fc.constantFrom<'binary' | 'structured'>('binary', 'structured'), fc.nat(), async (a, mode, n) => {
        seen.reset();
        const id = `p${n}`;
        const { status } = await answer('fuzzQueue', pubsubEvent({ messageId: id, json: { act: a }, mode }));
        expect(status >= 200 && status < 300, `status ${status} for ${a}`).toBe(seen.ok.has(id));
      }),
      runs(60),
    );
  }, timeoutFor(60_000));
});

const CE_TYPES = [
  'google.cloud.pubsub.topic.v1.messagePublished',
  'google.cloud.storage.object.v1.finalized',
  'google.cloud.scheduler.job.v1.executed',
  'order.created',
  'order.deleted',
];

describe('property: mutated GCP fixtures', () => {
  const all = fixtures('gcp').filter((f) => !f.name.endsWith('.headers.json'));
  it.each(all.map((f) => [f.name, f.text] as const))('%s: every function answers 2xx only for what it handled', async (_, text) => {
    await fc.assert(
      fc.asyncProperty(mutated(JSON.parse(text)), fc.constantFrom(...names.slice(1)), fc.constantFrom('binary', 'structured', 'plain'), fc.constantFrom(...CE_TYPES), async (event, name, carrier, type) => {
        seen.reset();
        const body = JSON.stringify(event) ?? '';
        const headers: Record<string, string> =
          carrier === 'binary'
            ? { 'content-type': 'application/json', 'ce-specversion': '1.0', 'ce-id': 'fx-1', 'ce-source': '//fuzz', 'ce-type': type }
            : { 'content-type': carrier === 'structured' ? 'application/cloudevents+json' : 'application/json' };
        const { status } = await answer(name, { method: 'POST', path: '/', headers, body: Buffer.from(body) });
        expect([200, 204, 400, 413, 415, 422, 500, 504]).toContain(status);
        // Acknowledged means handled: a 2xx with no handler run is an event lost.
        if (status >= 200 && status < 300) expect(seen.ok.size, `acknowledged unhandled (${status})`).toBeGreaterThan(0);
      }),
      runs(10),
    );
  }, timeoutFor(60_000));
});
