/**
 * `@onefn/gcp/dev`: the bridge `onefn dev --provider gcp` and the dashboard use to send a local
 * request through this adapter as Google Cloud would deliver it: each request or event goes over a
 * loopback HTTP connection to the same function `serve` gives functions-framework (an HTTP
 * request as sent; a queue or topic message as a Pub/Sub `messagePublished` CloudEvent in binary
 * mode, one message per push; an object change as a Cloud Storage CloudEvent; a schedule tick as Cloud
 * Scheduler's HTTP call; any other event as a binary CloudEvent). Never part of a deployed bundle.
 *
 * @example
 * onefn dev src/api.ts --provider gcp
 */
import { createServer, request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { CloudEvent, EventDefinition, HttpDefinition, Message, ScheduleEvent, StorageEvent } from 'onefn';
import type { BridgeDelivery, BridgeOptions, DevBridge } from 'onefn/cli';
import { toEventFunction } from './handler.js';
import { toHttpFunction, type GcpHttpFunction } from './handler.js';
import type { GcpRequest } from './native.js';
import { binaryCloudEvent, pubsubEvent, storageCloudEvent, type GcpTestRequest } from './testing/index.js';
import { cloudEventMessage } from 'onefn/runtime';

interface Answer {
  status: number;
  headers: Record<string, string | string[]>;
  body: Buffer;
}

/** Runs the function behind a loopback server for one request, as the platform's front end would call it. */
async function call(fn: GcpHttpFunction, req: { method: string; path: string; headers: Record<string, string | string[]>; body: Uint8Array | string | undefined }): Promise<Answer> {
  const server = createServer((incoming, res) => void fn(incoming as GcpRequest, res));
  await new Promise<void>((ok, fail) => {
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => ok());
  });
  try {
    const { port } = server.address() as AddressInfo;
    return await new Promise<Answer>((ok, fail) => {
      const out = httpRequest({ host: '127.0.0.1', port, method: req.method, path: req.path, headers: req.headers }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => ok({ status: res.statusCode ?? 0, headers: res.headers as Record<string, string | string[]>, body: Buffer.concat(chunks) }));
        res.on('error', fail);
      });
      out.on('error', fail);
      out.end(req.body === undefined ? undefined : Buffer.from(req.body));
    });
  } finally {
    server.closeAllConnections();
    await new Promise<void>((ok) => server.close(() => ok()));
  }
}

const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'transfer-encoding', 'content-length', 'host']);

const options = (o: BridgeOptions, name: string) => ({ name, functionName: o.functionName, timeoutSeconds: Math.max(1, Math.round(o.timeoutMs / 1000)), logSink: o.logSink, ...(o.resources ? { resources: o.resources } : {}) });

/** The native event as shown: the request, with its body as text where it is text. */
function shown(req: GcpTestRequest): unknown {
  const body = req.body === undefined ? undefined : typeof req.body === 'string' ? req.body : Buffer.from(req.body).toString('utf8');
  return { method: req.method, path: req.path, headers: req.headers, body };
}

function nativeResult(answer: Answer): unknown {
  return { status: answer.status, headers: answer.headers, body: answer.body.toString('utf8') };
}

function eventRequest(definition: EventDefinition, item: Message | StorageEvent | ScheduleEvent | CloudEvent, functionName: string): GcpTestRequest {
  switch (definition.kind) {
    case 'message': {
      const m = item as Message;
      return pubsubEvent({ data: m.text(), attributes: m.attributes, messageId: m.id, topic: definition.trigger.name, ...(m.attempt > 1 ? { deliveryAttempt: m.attempt } : {}), ...(m.orderingKey ? { orderingKey: m.orderingKey } : {}) });
    }
    case 'storage': {
      const s = item as StorageEvent;
      return storageCloudEvent({ bucket: s.bucket, name: s.key, change: s.change, size: s.size, contentType: s.contentType });
    }
    case 'schedule': {
      // Cloud Scheduler's HTTP target names the job and the due time in headers.
      const tick = item as ScheduleEvent;
      return { method: 'POST', path: '/', headers: { 'x-cloudscheduler': 'true', 'x-cloudscheduler-jobname': functionName, 'x-cloudscheduler-scheduletime': tick.scheduledTime.toISOString(), 'user-agent': 'Google-Cloud-Scheduler' }, body: undefined };
    }
    case 'cloudevent': {
      const c = item as CloudEvent;
      // Bound to a topic: the topic's message, carrying the event in its ce- attributes.
      if (definition.trigger.topic !== undefined) {
        const carried = cloudEventMessage(c);
        return pubsubEvent({ data: carried.body, attributes: carried.attributes, messageId: c.id, topic: definition.trigger.topic });
      }
      const data = c.data;
      return binaryCloudEvent({ id: c.id, source: c.source, type: c.type, ...(c.subject ? { subject: c.subject } : {}), ...(c.time ? { time: c.time.toISOString() } : {}), ...(typeof data === 'string' ? { data, datacontenttype: c.datacontenttype ?? 'text/plain' } : { json: data ?? null }), extensions: c.extensions });
    }
  }
}

export const devBridge: DevBridge = {
  provider: 'gcp',
  async http(definitions: readonly HttpDefinition[], request, o) {
    const headers: Record<string, string | string[]> = {};
    for (const [name, value] of Object.entries(request.headers)) if (!HOP_BY_HOP.has(name)) headers[name] = typeof value === 'string' ? value : [...value];
    const target = request.rawQuery ? `${request.path}?${request.rawQuery}` : request.path;
    const answer = await call(toHttpFunction(definitions, options(o, o.functionName)), { method: request.method, path: target, headers, body: request.body });
    const responseHeaders: Record<string, string | string[]> = {};
    for (const [name, value] of Object.entries(answer.headers)) if (!HOP_BY_HOP.has(name) && name !== 'set-cookie' && name !== 'date') responseHeaders[name] = value;
    const setCookie = answer.headers['set-cookie'];
    return {
      nativeEvent: { method: request.method, path: target, headers, body: request.body === undefined ? undefined : Buffer.from(request.body).toString('utf8') },
      nativeResult: nativeResult(answer),
      response: { status: answer.status, headers: responseHeaders, cookies: setCookie === undefined ? [] : Array.isArray(setCookie) ? setCookie : [setCookie], body: answer.body },
    };
  },
  async events(definition: EventDefinition, items, o) {
    const fn = toEventFunction(definition, options(o, o.functionName));
    const deliveries: BridgeDelivery[] = [];
    // Pub/Sub and Eventarc push one event per request; a non-2xx answer makes them deliver it again.
    for (const item of items) {
      const req = eventRequest(definition, item, o.functionName);
      const answer = await call(fn, { method: req.method, path: req.path, headers: { ...req.headers }, body: req.body });
      deliveries.push({ nativeEvent: shown(req), nativeResult: nativeResult(answer), ids: [item.id], failed: answer.status >= 200 && answer.status < 300 ? [] : [item.id] });
    }
    return {
      deliveries,
      onFailure: definition.kind === 'message'
        ? 'Pub/Sub: a push answered with a non-2xx status is delivered again with backoff, and sent to the dead-letter topic after max delivery attempts'
        : 'Eventarc: an event answered with a non-2xx status is delivered again only when the trigger\'s retry policy is on',
    };
  },
};
