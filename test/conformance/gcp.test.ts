// The conformance suite on Google Cloud: every call goes through functions-framework's own server on
// 127.0.0.1; HTTP as real requests, messages as Pub/Sub CloudEvents in binary mode, one push each
// (a non-2xx answer makes Pub/Sub redeliver).
import { afterEach } from 'vitest';
import { serve } from '@onefn/gcp';
import { binaryCloudEvent, httpRequest, pubsubEvent, startServer, storageCloudEvent, type GcpTestRequest, type TestServer } from '@onefn/gcp/testing';
import { get, streamAnswer } from './stream-client.js';
import { streamConformance } from './stream-suite.js';
import { vi } from 'vitest';
import { conformance, type HttpAnswer, type HttpProbe } from './suite.js';
import { gcpOutputs } from './gcp-outputs.js';
import type { HttpDefinition } from 'onefn';
import type { ResourceDriverSource } from 'onefn/runtime';

let round = 0;

conformance({
  provider: 'gcp',
  // Express parses JSON before any function runs; deployed (NODE_ENV=production, as the deploy helper
  // sets) it answers malformed JSON with a plain 400, without the stack it shows in development.
  frameworkParsesJson: true,
  http: (definitions, request) => http(definitions, request),
  outputs: (resources) => gcpOutputs(resources, http),
  async deliver(definition, messages) {
    const target = `orders${++round}`;
    serve({ [target]: definition });
    const server = await startServer(target);
    try {
      const redelivered: string[] = [];
      for (const m of messages) {
        const res = await server.send(pubsubEvent({ messageId: m.id, data: m.body }));
        await res.arrayBuffer();
        if (res.status < 200 || res.status > 299) redelivered.push(m.id);
      }
      return { redelivered };
    } finally {
      await server.close();
    }
  },
  async storage(definition, change) {
    return once({ [`store${++round}`]: definition }, storageCloudEvent({ bucket: change.bucket, name: change.key, change: change.change, size: change.size }));
  },
  async routedEvent(definition, event) {
    // Eventarc delivers in binary content mode.
    return once({ [`ce${++round}`]: definition }, binaryCloudEvent({ id: event.id, type: event.type, source: event.source, json: event.data }));
  },
  async tick(definition, at) {
    // A Cloud Scheduler job with an HTTP target: a POST carrying the job name and the due time.
    const headers = { 'x-cloudscheduler-jobname': 'nightly', 'x-cloudscheduler-scheduletime': at.toISOString() };
    return once({ [`tick${++round}`]: definition }, httpRequest({ method: 'POST', path: '/', headers }));
  },
  // A CloudEvent in structured mode; a refused event is a 400/422 problem carrying the typed error.
  async cloudEvent(definition, event) {
    const target = `events${++round}`;
    serve({ [target]: definition });
    const server = await startServer(target);
    try {
      const res = await server.send({ method: 'POST', path: '/', headers: { 'content-type': 'application/cloudevents+json' }, body: JSON.stringify(event) });
      const text = await res.text();
      if (res.status >= 200 && res.status <= 299) return { outcome: 'ok' };
      if (res.status === 400 || res.status === 422) {
        const problem = JSON.parse(text) as { code: string; detail: string };
        return { outcome: 'refused', code: problem.code, message: problem.detail };
      }
      return { outcome: 'failed' };
    } finally {
      await server.close();
    }
  },
});

// HTTP through functions-framework's server; `resources` is the adapter's option.
async function http(definitions: readonly HttpDefinition[], request: HttpProbe, resources?: ResourceDriverSource): Promise<HttpAnswer> {
  const target = `api${++round}`;
  const logs: string[] = [];
  // The real Cloud Logging sink, writing its lines here instead of stderr.
  serve(Object.fromEntries(definitions.map((d, i) => [`d${i}`, d])), { routedName: target, write: (line) => logs.push(line), ...(resources ? { resources } : {}) });
  const env = process.env['NODE_ENV'];
  process.env['NODE_ENV'] = 'production';
  const server = await startServer(target).finally(() => {
    if (env === undefined) delete process.env['NODE_ENV'];
    else process.env['NODE_ENV'] = env;
  });
  try {
    const body = typeof request.body === 'string' ? { text: request.body } : request.body ? { body: request.body } : {};
    // Express logs a body it could not parse with console.error (in production too): captured here,
    // and kept with the function's logs for the suite to assert.
    const framework = vi.spyOn(console, 'error').mockImplementation((error: { type?: string; statusCode?: number }) => void logs.push(`framework: ${error?.type} ${error?.statusCode}`));
    const res = await server.send(httpRequest({ method: request.method, path: request.path, headers: request.headers, ...body })).finally(() => framework.mockRestore());
    return {
      status: res.status,
      header: (name) => res.headers.get(name) ?? undefined,
      cookies: res.headers.getSetCookie(),
      body: new Uint8Array(await res.arrayBuffer()),
      logs,
    };
  } finally {
    await server.close();
  }
}

/** Registers one event function, sends it one request, and reads a 2xx as success. */
async function once(module: Record<string, unknown>, request: GcpTestRequest): Promise<{ failed: boolean }> {
  const [target] = Object.keys(module);
  serve(module);
  const server = await startServer(target as string);
  try {
    const res = await server.send(request);
    await res.arrayBuffer();
    return { failed: res.status < 200 || res.status > 299 };
  } finally {
    await server.close();
  }
}

// Streaming: through functions-framework's own server, read with Node's HTTP client as chunks arrive.
const streaming: TestServer[] = [];
afterEach(async () => {
  for (const server of streaming.splice(0)) await server.close();
});

streamConformance({
  provider: 'gcp',
  seesDisconnect: true,
  async stream(definitions, request) {
    const target = `stream${++round}`;
    const logs: string[] = [];
    const [plan] = serve(Object.fromEntries(definitions.map((d, i) => [`${target}_${i}`, d])), { routedName: target, write: (line) => logs.push(line) });
    const server = await startServer(plan!.name);
    streaming.push(server);
    const { res, close } = await get(server.url + request.path, request.headers, request.method);
    return streamAnswer(res, close, () => logs);
  },
});
