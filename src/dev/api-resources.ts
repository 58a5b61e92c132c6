import type { IncomingMessage } from 'node:http';
import { ResourceError } from '../resources/errors.js';
import { queueClient, topicClient } from '../resources/clients.js';
import { DriverRef } from '../resources/driver-ref.js';
import { resourceNameProblem } from '../resources/handles.js';
import { keyProblem } from '../resources/keys.js';
import type { ResponseData } from '../onefn/response.js';
import { objectOf, readJson, Refusal } from './api-input.js';
import type { Served } from './functions.js';
import type { LocalMessage, LocalResources } from './local-resources.js';

// The Resources part of the dashboard API: the local queues, topics and buckets of `onefn dev`, what
// they hold, and the few things a person does to them (send, redeliver, upload, download, delete).

const json = (status: number, value: unknown): ResponseData => ({
  status,
  headers: { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' },
  cookies: [],
  body: JSON.stringify(value),
});

/** RFC 8187's attr-char leaves out three characters encodeURIComponent keeps: ' ( ) and *. */
const rfc5987 = (value: string): string => encodeURIComponent(value).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

const KINDS = { queues: 'queue', topics: 'topic', buckets: 'bucket' } as const;

function decoded(encoded: string, what: string): string {
  try {
    return decodeURIComponent(encoded);
  } catch {
    throw new Refusal(400, `The ${what} is not valid percent-encoding`);
  }
}

function resourceName(encoded: string): string {
  const name = decoded(encoded, 'resource name');
  const problem = resourceNameProblem(name);
  if (problem) throw new Refusal(400, `Not a resource name: ${problem}`, { issues: [{ path: ['name'], message: problem }] });
  return name;
}

function objectKey(encoded: string): string {
  const key = decoded(encoded, 'object key');
  const problem = keyProblem(key);
  if (problem) throw new Refusal(400, `Not an object key: ${problem}`, { issues: [{ path: ['key'], message: problem }] });
  return key;
}

function allow(method: string, allowed: readonly string[]): void {
  if (!allowed.includes(method)) throw new Refusal(405, `Use ${allowed.join(' or ')} here`, {}, { allow: allowed.join(', ') });
}

function view(m: LocalMessage): Record<string, unknown> {
  return { id: m.id, status: m.status, body: m.text, attributes: m.attributes, sentAt: m.sentAt, attempts: m.attempts, consumers: m.consumers, error: m.error ?? null };
}

/** Typed refusals of the core's checks (size, options, schema) become 400s that name their code. */
async function checked<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    if (error instanceof ResourceError) throw new Refusal(error.code === 'MESSAGE_TOO_LARGE' ? 413 : 400, error.message, { code: error.code });
    throw error;
  }
}

/** What a message sent from the dashboard may say: a JSON body (any value) and string attributes. */
function outgoing(value: unknown): { body: unknown; attributes: Record<string, string> | undefined } {
  const o = objectOf(value, 'The message', ['body', 'attributes'], ['body']);
  const attributes = o['attributes'];
  if (attributes === undefined) return { body: o['body'], attributes: undefined };
  if (typeof attributes !== 'object' || attributes === null || Array.isArray(attributes) || Object.values(attributes).some((v) => typeof v !== 'string')) {
    throw new Refusal(400, '"attributes" must be an object of strings', { issues: [{ path: ['attributes'], message: 'expected an object of strings' }] });
  }
  return { body: o['body'], attributes: Object.assign(Object.create(null) as Record<string, string>, attributes) };
}

/**
 * Answers `GET resources` and everything under `resources/`. `rest` is the path after `resources`,
 * still percent-encoded.
 */
export async function resourcesRoute(resources: LocalResources, served: Served | undefined, req: IncomingMessage, rest: string, body: Uint8Array): Promise<ResponseData> {
  const method = req.method ?? 'GET';
  if (rest === '' || rest === '/') {
    allow(method, ['GET', 'HEAD']);
    const names = resources.names(served);
    return json(200, {
      dir: resources.dir,
      queues: names.queues.map((name) => summary('queue', name, resources.messages('queue', name))),
      topics: names.topics.map((name) => summary('topic', name, resources.messages('topic', name))),
      buckets: names.buckets.map((name) => ({ name, objects: resources.objects(name).length })),
    });
  }
  const parts = rest.slice(1).split('/');
  const kind = KINDS[parts[0] as keyof typeof KINDS] as (typeof KINDS)[keyof typeof KINDS] | undefined;
  if (!Object.hasOwn(KINDS, parts[0] ?? '') || kind === undefined || parts[1] === undefined) throw new Refusal(404, 'Resources are at resources/queues/{name}, resources/topics/{name} and resources/buckets/{name}');
  const name = resourceName(parts[1]);
  const [sub, ...more] = parts.slice(2);
  if (kind === 'bucket') {
    if (sub === undefined) {
      allow(method, ['GET', 'HEAD']);
      return json(200, { name, objects: resources.objects(name) });
    }
    if (sub !== 'objects' || !more.length) throw new Refusal(404, `Objects are at resources/buckets/${name}/objects/{key}`);
    // Keys may hold "/": the rest of the path is the key (its slashes encoded or not).
    const key = objectKey(more.join('/'));
    return objectRoute(resources, method, name, key, req, body);
  }
  const ref = new DriverRef(resources.source);
  if (sub === undefined) {
    allow(method, ['GET', 'HEAD']);
    return json(200, { name, messages: resources.messages(kind, name).map(view) });
  }
  if (sub !== 'messages') throw new Refusal(404, `Messages are at resources/${parts[0]}/${name}/messages`);
  if (!more.length) {
    allow(method, ['POST']);
    const { body: value, attributes } = outgoing(readJson(body, req));
    if (kind === 'queue') {
      if (attributes !== undefined) throw new Refusal(400, 'Queue messages carry no attributes on every cloud (Storage Queues have none); publish to a topic for attributes', { issues: [{ path: ['attributes'], message: 'not portable for queues' }] });
      const { id } = await checked(() => queueClient<unknown>(name, undefined, ref).send(value));
      return json(202, { id });
    }
    const { id } = await checked(() => topicClient<unknown>(name, undefined, ref).publish(value, attributes === undefined ? undefined : { attributes }));
    return json(202, { id });
  }
  if (more.length === 2 && more[1] === 'redeliver') {
    allow(method, ['POST']);
    const id = decoded(more[0] as string, 'message id');
    const found = resources.messages(kind, name).find((m) => m.id === id);
    if (!found) throw new Refusal(404, `No message ${JSON.stringify(id.slice(0, 80))} in ${kind} ${name}`);
    const again = resources.redeliver(id);
    if (again === 'delivered') throw new Refusal(409, `Message ${id} was delivered; only a pending or failed message can be redelivered`);
    return json(202, { message: again && view(again) });
  }
  throw new Refusal(404, `No resource endpoint ${rest.slice(0, 80)}`);
}

async function objectRoute(resources: LocalResources, method: string, bucket: string, key: string, req: IncomingMessage, body: Uint8Array): Promise<ResponseData> {
  allow(method, ['GET', 'HEAD', 'PUT', 'DELETE']);
  const driver = await resources.source();
  if (method === 'PUT') {
    const type = req.headers['content-type'];
    const contentType = typeof type === 'string' && type && !/[\r\n]/.test(type) ? type : 'application/octet-stream';
    const { etag } = await checked(() => driver.putObject(bucket, key, body, contentType));
    return json(201, { bucket, key, size: body.byteLength, etag: etag ?? null });
  }
  if (method === 'DELETE') {
    if (!resources.object(bucket, key)) throw new Refusal(404, `No object ${JSON.stringify(key.slice(0, 200))} in bucket ${bucket}`);
    await driver.deleteObject(bucket, key);
    return { status: 204, headers: {}, cookies: [], body: '' };
  }
  const found = resources.object(bucket, key);
  if (!found) throw new Refusal(404, `No object ${JSON.stringify(key.slice(0, 200))} in bucket ${bucket}`);
  const file = key.slice(key.lastIndexOf('/') + 1);
  return {
    status: 200,
    headers: {
      'content-type': found.contentType ?? 'application/octet-stream',
      // Never rendered as a page of this origin: the object is whatever a handler stored.
      'content-disposition': `attachment; filename*=UTF-8''${rfc5987(file)}`,
      'x-content-type-options': 'nosniff',
      'content-security-policy': "default-src 'none'; sandbox",
      'cache-control': 'no-store',
    },
    cookies: [],
    body: found.bytes,
  };
}

function summary(kind: 'queue' | 'topic', name: string, messages: readonly LocalMessage[]): Record<string, unknown> {
  const count = (status: string): number => messages.filter((m) => m.status === status).length;
  return { name, kind, pending: count('pending'), delivered: count('delivered'), failed: count('failed') };
}
