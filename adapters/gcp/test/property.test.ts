import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { defineCloudEvent, defineHttp, defineStorage, defineTopic, json } from 'onefn';
import { serve } from '@onefn/gcp';
import { startServer, type GcpTestRequest, type TestServer } from '@onefn/gcp/testing';

// Arbitrary input only ever gives an answer: 2xx, a 4xx problem, or 500 for a failed handler. Never a
// hang, a crash of the server, or a leaked stack.
// The framework parses JSON bodies before any function runs and answers a malformed one through
// Express's final handler, which prints the stack unless NODE_ENV is production: the deploy helper
// sets NODE_ENV=production for that reason, and this suite runs that way (Express reads it when the
// app is made).
const servers: Record<string, TestServer> = {};
const nodeEnv = process.env['NODE_ENV'];
beforeAll(async () => {
  process.env['NODE_ENV'] = 'production';
  serve(
    {
      propHttp: defineHttp({ handler: (req) => json({ n: req.bytes().byteLength, q: req.query }) }),
      propTopic: defineTopic({ topic: 't', handler: () => {} }),
      propStorage: defineStorage({ bucket: 'b', handler: () => {} }),
      propCloud: defineCloudEvent({ handler: () => {} }),
    },
    { logSink: () => {} },
  );
  for (const name of ['propHttp', 'propTopic', 'propStorage', 'propCloud']) servers[name] = await startServer(name);
});
afterAll(async () => {
  process.env['NODE_ENV'] = nodeEnv;
  for (const s of Object.values(servers)) await s.close();
});

const token = fc.stringMatching(/^[a-z][a-z0-9-]{0,12}$/);
const headerValue = fc.stringMatching(/^[\x21-\x7e]{0,20}$/);
const ceAttr = fc.record({ 'ce-id': headerValue, 'ce-source': headerValue, 'ce-type': headerValue, 'ce-specversion': fc.constantFrom('1.0', '0.3', '', '1.x') }, { requiredKeys: [] });
const jsonish = fc.oneof(fc.json(), fc.string(), fc.constant('{"message":{"data":"@@"}}'), fc.constant('{"context":{"eventType":"google.pubsub.topic.publish"},"data":1}'));
const contentType = fc.constantFrom('application/json', 'application/cloudevents+json', 'application/cloudevents-batch+json', 'text/plain', 'application/octet-stream', undefined);

const request = fc.record({ ce: fc.option(ceAttr, { nil: undefined }), type: contentType, body: jsonish, extra: fc.dictionary(token, headerValue, { maxKeys: 3 }) }).map(
  ({ ce, type, body, extra }): GcpTestRequest => ({ method: 'POST', path: '/', headers: { ...extra, ...(type ? { 'content-type': type } : {}), ...(ce ?? {}) }, body: Buffer.from(body) }),
);

describe('arbitrary deliveries', () => {
  it.each(['propTopic', 'propStorage', 'propCloud', 'propHttp'])('%s answers every request', async (name) => {
    // Express logs each body it cannot parse with console.error: captured, and each must be that.
    const logged: unknown[] = [];
    const framework = vi.spyOn(console, 'error').mockImplementation((error: unknown) => void logged.push(error));
    await fc.assert(
      fc.asyncProperty(request, async (req) => {
        const res = await (servers[name] as TestServer).send(req);
        const text = await res.text();
        expect([204, 200, 400, 413, 415, 422]).toContain(res.status);
        expect(text).not.toMatch(/\n\s+at |&nbsp;at |SyntaxError|node_modules/);
        if (res.status >= 400 && res.status !== 413) expect(res.headers.get('content-type')).toMatch(/problem\+json|text\/html/);
      }),
      { numRuns: 60 },
    ).finally(() => framework.mockRestore());
    for (const error of logged) expect(error).toMatchObject({ type: 'entity.parse.failed', statusCode: 400 });
  });
});
