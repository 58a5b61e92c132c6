// The conformance suite on Azure: every call goes through @azure/functions' own invocation pipeline
// (getArguments, invokeFunction, getResponse) under the stand-in host; HTTP as the host's RPC request,
// messages as one Storage queue invocation each (a failed invocation is retried by the host).
import { beforeEach } from 'vitest';
import { serve } from '@onefn/azure';
import { azureHost, blobEvent, httpResult, rpcEventGrid, rpcHttp, rpcQueueMessage, rpcTimer, timerInfo } from '@onefn/azure/testing';
import { OnefnError } from 'onefn';
import { conformance, type HttpAnswer, type HttpProbe } from './suite.js';
import { azureOutputs } from './azure-outputs.js';
import type { HttpDefinition } from 'onefn';
import type { ResourceDriverSource } from 'onefn/runtime';

const host = azureHost();
beforeEach(() => host.reset());

conformance({
  provider: 'azure',
  // The routed function's binding lists only the methods its definitions serve; the host itself
  // answers other methods, so a wrong method may meet a 404 there rather than onefn's 405.
  hostRoutes: true,
  http: (definitions, request) => http(definitions, request),
  outputs: (resources) => azureOutputs(host, resources, http),
  async deliver(definition, messages) {
    host.reset();
    // host.json functionTimeout: the build sets it from the definitions' longest timeout.
    serve({ orders: definition }, { functionTimeout: definition.settings.timeout });
    const redelivered: string[] = [];
    for (const m of messages) {
      const result = await host.invoke('orders', rpcQueueMessage({ id: m.id, body: m.body }));
      if (result.status === 'failure') redelivered.push(m.id);
    }
    return { redelivered };
  },
  async storage(definition, change) {
    host.reset();
    serve({ store: definition });
    const event = blobEvent({ container: change.bucket, name: change.key, change: change.change, size: change.size });
    return { failed: (await host.invoke('store', rpcEventGrid(event))).status === 'failure' };
  },
  async routedEvent(definition, event) {
    host.reset();
    serve({ events: definition });
    // An Event Grid subscription in the CloudEvents schema.
    const delivered = { specversion: '1.0', id: event.id, type: event.type, source: event.source, datacontenttype: 'application/json', data: event.data };
    return { failed: (await host.invoke('events', rpcEventGrid(delivered))).status === 'failure' };
  },
  async tick(definition, at) {
    host.reset();
    serve({ nightly: definition });
    // The timer's scheduleStatus.next is the occurrence that fired this run.
    return { failed: (await host.invoke('nightly', rpcTimer(timerInfo({ next: at.toISOString() })))).status === 'failure' };
  },
  // An Event Grid trigger in the CloudEvents schema; a refused event fails the invocation with the typed error.
  async cloudEvent(definition, event) {
    host.reset();
    serve({ events: definition });
    const result = await host.invoke('events', rpcEventGrid(event));
    if (result.status === 'success') return { outcome: 'ok' };
    const error = result.error;
    if (error instanceof OnefnError && (error.code === 'MALFORMED_EVENT' || error.code === 'UNSUPPORTED_EVENT')) return { outcome: 'refused', code: error.code, message: error.message };
    return { outcome: 'failed' };
  },
});

// HTTP as the host's RPC request; `resources` is the adapter's option.
async function http(definitions: readonly HttpDefinition[], request: HttpProbe, resources?: ResourceDriverSource): Promise<HttpAnswer> {
  host.reset();
  serve(Object.fromEntries(definitions.map((d, i) => [`d${i}`, d])), { routedName: 'api', ...(resources ? { resources } : {}) });
  const invocation = await host.invoke('api', rpcHttp({ method: request.method, url: `/api${request.path}`, headers: request.headers, body: request.body }));
  const res = httpResult(invocation);
  return {
    status: res.status,
    header: (name) => res.headers[name.toLowerCase()],
    cookies: res.cookies.map((c) => `${c.name}=${c.value}`),
    body: res.body,
    logs: invocation.logs.map((l) => `${l.level} ${l.message}`),
  };
}
