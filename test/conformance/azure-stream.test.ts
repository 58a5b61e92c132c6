// The streaming conformance suite on Azure, in a file (so a process) of its own: HTTP streams are a
// process-wide setting of @azure/functions (app.setup({ enableHttpStream: true }), which `register`
// calls for an app with a streaming definition), fixed when the worker starts. Requests go through
// the library's own HTTP proxy, as the host forwards them, and the answer is read from it as it comes.
import { request } from 'node:http';
import { serve } from '@onefn/azure';
import { defineHttp, defineSchedule, stream } from 'onefn';
import { describe, expect, it } from 'vitest';
import { azureHost, rpcHttp } from '@onefn/azure/testing';
import { streamAnswer } from './stream-client.js';
import { streamConformance } from './stream-suite.js';

const host = azureHost();

streamConformance({
  provider: 'azure',
  // The proxy's connection closing (the host dropping the request of a client that left) is followed
  // through Node's http.server.request.start diagnostics channel (adapters/azure/src/proxy.ts).
  seesDisconnect: true,
  async stream(definitions, request) {
    host.reset();
    const [spec] = serve(Object.fromEntries(definitions.map((d, i) => [`s${i}`, d])), { routedName: 'api' });
    const { response, done } = host.stream(spec!.name, rpcHttp({ method: request.method ?? 'GET', url: `/api${request.path}`, headers: request.headers }));
    const res = await response;
    const logs: string[] = [];
    void done.then((r) => logs.push(...r.logs.map((l) => `${l.level} ${l.message}`)));
    const answer = streamAnswer(res, () => res.destroy(), () => logs);
    const end = Promise.all([answer.end, done]).then(([ended, result]) =>
      result.status === 'failure' ? { how: 'aborted' as const, errorType: (result.error as Error).name } : ended,
    );
    return { ...answer, end };
  },
});

async function* chunks(...parts: string[]): AsyncGenerator<string> {
  for (const part of parts) yield part;
}

describe('azureHost().proxied: a request sent by a client of its own', () => {
  it('runs the function when the request arrives, and streams the answer to that client', async () => {
    host.reset();
    const [spec] = serve({ big: defineHttp({ method: 'GET', route: '/own', stream: true, handler: (req) => stream(chunks(`a${String(req.query['n'])}`, 'b', 'c')) }) }, { routedName: 'api' });
    const { url, method, headers, done } = await host.proxied(spec!.name, rpcHttp({ url: '/api/own?n=1' }));
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/api\/own\?n=1$/);
    expect(method).toBe('GET');
    expect(headers['x-ms-invocation-id']).toMatch(/^[0-9a-f-]{36}$/);
    const body = await new Promise<string>((resolve, reject) => {
      const req = request(url, { method, headers, agent: false }, (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('end', () => resolve(text));
        res.on('error', reject);
      });
      req.on('error', reject);
      req.end();
    });
    expect(body).toBe('a1bc');
    expect((await done).status).toBe('success');
  });

  it('refuses an unknown function and a function without an HTTP trigger', async () => {
    host.reset();
    serve({ tick: defineSchedule({ schedule: 'rate(5 minutes)', handler: () => {} }) }, { routedName: 'api' });
    await expect(host.proxied('nope', rpcHttp({ url: '/api/x' }))).rejects.toMatchObject({ code: 'TEST_HOST' });
    const [name] = [...host.registrations.keys()];
    await expect(host.proxied(name!, rpcHttp({ url: '/api/x' }))).rejects.toThrow(/no HTTP trigger/);
  });
});
