import { createServer, type IncomingMessage, type Server } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';

const require = createRequire(import.meta.url);

/** One request the fake Google APIs received. */
export interface Call {
  method: string;
  path: string;
  query: Record<string, string>;
  auth: string | undefined;
  contentType: string | undefined;
  body: unknown;
  bytes: number;
}

export interface FakeGoogle {
  url: string;
  /** Pub/Sub (Publisher and IAMPolicy over gRPC, as @google-cloud/pubsub speaks to an emulator): `http://127.0.0.1:<port>`. */
  pubsubUrl: string;
  calls: Call[];
  /** Function names that exist already (for update). */
  existing: Set<string>;
  /** Polls before an operation reports done. */
  pollsBeforeDone: number;
  /** When set, createFunction fails with this message. */
  failCreate: string | undefined;
  /** Cloud Run IAM policies by service name; a service not listed starts with {@link DEFAULT_POLICY}. */
  policies: Map<string, Policy>;
  /** Pub/Sub topics that exist (full names), with their labels. */
  topics: Map<string, Record<string, string>>;
  /** Cloud Storage buckets that exist, with their location and labels. */
  buckets: Map<string, { location: string; labels: Record<string, string> }>;
  /** Buckets another project owns: a read answers 403. */
  foreignBuckets: Set<string>;
  /** Topics and buckets another deploy creates between our read and our create: the read says 404, the create 409. */
  racing: Set<string>;
  /** When set, creating a topic or a bucket is refused (403) with this message. */
  refuseCreate: string | undefined;
  /** Empties every record and store, for the next test. */
  reset(): void;
  close(): Promise<void>;
}

export interface Policy {
  etag: string;
  bindings: Array<{ role: string; members: string[] }>;
}

/** What a service's policy holds before anyone writes it: an admin binding onefn must keep. */
export const DEFAULT_POLICY: Policy = { etag: 'BwE=', bindings: [{ role: 'roles/run.admin', members: ['user:ops@example.com'] }] };

function read(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
  });
}

/**
 * Plays Cloud Functions v2 (REST), the signed upload URL, Cloud Run IAM, Cloud Scheduler and Eventarc
 * on one loopback server, recording every call.
 */
export async function fakeGoogle(): Promise<FakeGoogle> {
  const state: Omit<FakeGoogle, 'url' | 'pubsubUrl' | 'close' | 'reset'> = {
    calls: [], existing: new Set(), pollsBeforeDone: 1, failCreate: undefined, policies: new Map(), topics: new Map(), buckets: new Map(), foreignBuckets: new Set(), racing: new Set(), refuseCreate: undefined,
  };
  const reset = (): void => {
    state.calls.length = 0;
    state.existing.clear();
    state.failCreate = undefined;
    state.policies.clear();
    state.topics.clear();
    state.buckets.clear();
    state.foreignBuckets.clear();
    state.racing.clear();
    state.refuseCreate = undefined;
  };
  const policyOf = (service: string): Policy => state.policies.get(service) ?? structuredClone(DEFAULT_POLICY);
  let etags = 0;
  const ops = new Map<string, { polls: number; fn: Record<string, unknown> }>();
  let opCount = 0;
  let url = '';
  const server: Server = createServer(async (req, res) => {
    const raw = await read(req);
    const u = new URL(req.url ?? '/', 'http://x');
    const type = req.headers['content-type'];
    let body: unknown = undefined;
    if (raw.length && type?.includes('json')) body = JSON.parse(raw.toString());
    state.calls.push({ method: req.method ?? '', path: u.pathname, query: Object.fromEntries(u.searchParams), auth: req.headers.authorization, contentType: type, body, bytes: raw.length });
    const send = (status: number, data: unknown): void => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(data));
    };
    const p = u.pathname;
    let m: RegExpExecArray | null;
    if (req.method === 'POST' && p.endsWith('/functions:generateUploadUrl')) return send(200, { uploadUrl: `${url}/upload/signed?sig=abc`, storageSource: { bucket: 'gcf-v2-uploads', object: `src-${state.calls.length}.zip` } });
    if (req.method === 'PUT' && p === '/upload/signed') return send(200, {});
    if (req.method === 'GET' && (m = /^\/v2\/(projects\/[^/]+\/locations\/[^/]+\/functions\/[^/]+)$/.exec(p))) {
      return state.existing.has(m[1] as string) ? send(200, { name: m[1] }) : send(404, { error: { code: 404, message: `Resource '${m[1]}' was not found`, status: 'NOT_FOUND' } });
    }
    const startOp = (fn: Record<string, unknown>): void => {
      const name = `projects/p/locations/r/operations/op-${++opCount}`;
      const id = String(fn['name']).split('/').pop() as string;
      ops.set(name, { polls: 0, fn: { ...fn, state: 'ACTIVE', url: `https://${id}.example.run.app`, serviceConfig: { ...(fn['serviceConfig'] as object), uri: `https://${id}.example.run.app`, service: `${String(fn['name']).replace(/functions\/.*/, '')}services/${id.toLowerCase()}` } } });
      send(200, { name, done: false, metadata: { '@type': 'type.googleapis.com/google.cloud.functions.v2.OperationMetadata', target: fn['name'] } });
    };
    if (req.method === 'POST' && /\/functions$/.test(p)) {
      if (state.failCreate) return send(400, { error: { code: 400, message: state.failCreate, status: 'INVALID_ARGUMENT' } });
      state.existing.add(String((body as Record<string, unknown>)['name']));
      return startOp(body as Record<string, unknown>);
    }
    // The REST transport names the function in the path, not the body, on an update.
    if (req.method === 'PATCH' && (m = /^\/v2\/(projects\/[^/]+\/locations\/[^/]+\/functions\/[^/]+)$/.exec(p))) return startOp({ ...(body as Record<string, unknown>), name: m[1] });
    if (req.method === 'GET' && (m = /^\/v2\/(projects\/.*\/operations\/.*)$/.exec(p))) {
      const op = ops.get(m[1] as string);
      if (!op) return send(404, { error: { code: 404, message: 'no such operation' } });
      op.polls++;
      if (op.polls <= state.pollsBeforeDone) return send(200, { name: m[1], done: false });
      return send(200, { name: m[1], done: true, response: { '@type': 'type.googleapis.com/google.cloud.functions.v2.Function', ...op.fn } });
    }
    // Cloud Run IAM keeps one policy per service and refuses a write whose etag is stale, as IAM does
    // (https://cloud.google.com/iam/docs/policies#etag). Etags are bytes, base64 in JSON, as IAM's are.
    if (req.method === 'GET' && (m = /^\/v2\/(.+):getIamPolicy$/.exec(p))) return send(200, policyOf(m[1] as string));
    if (req.method === 'POST' && (m = /^\/v2\/(.+):setIamPolicy$/.exec(p))) {
      const service = m[1] as string;
      const wanted = (body as { policy: Policy }).policy;
      if (wanted.etag !== policyOf(service).etag) return send(409, { error: { code: 409, message: 'There were concurrent policy changes.', status: 'ABORTED' } });
      const stored = { etag: Buffer.from(`e${++etags}`).toString('base64'), bindings: wanted.bindings ?? [] };
      state.policies.set(service, stored);
      return send(200, stored);
    }
    // Cloud Storage buckets (GET/PUT .../iam) keep a policy each, in the same store, with the same etag check.
    if (req.method === 'GET' && (m = /^\/storage\/v1\/b\/([^/]+)\/iam$/.exec(p))) return send(200, policyOf(`buckets/${decodeURIComponent(m[1] as string)}`));
    const resourceWrite = req.method === 'PUT' && (m = /^\/storage\/v1\/b\/([^/]+)\/iam$/.exec(p)) ? { resource: `buckets/${decodeURIComponent(m[1] as string)}`, wanted: body as Policy } : undefined;
    if (resourceWrite) {
      if (resourceWrite.wanted.etag !== policyOf(resourceWrite.resource).etag) return send(409, { error: { code: 409, message: 'There were concurrent policy changes.', status: 'ABORTED' } });
      const stored = { etag: Buffer.from(`e${++etags}`).toString('base64'), bindings: resourceWrite.wanted.bindings ?? [] };
      state.policies.set(resourceWrite.resource, stored);
      return send(200, stored);
    }
    // Cloud Storage buckets: buckets.get and buckets.insert (https://cloud.google.com/storage/docs/json_api/v1/buckets/insert).
    if (req.method === 'GET' && (m = /^\/storage\/v1\/b\/([^/]+)$/.exec(p))) {
      const bucket = decodeURIComponent(m[1] as string);
      if (state.foreignBuckets.has(bucket)) return send(403, { error: { code: 403, message: `caller does not have storage.buckets.get access to the Google Cloud Storage bucket.`, errors: [{ reason: 'forbidden', message: 'forbidden' }] } });
      const known = state.buckets.get(bucket);
      return known ? send(200, { kind: 'storage#bucket', name: bucket, location: known.location.toUpperCase(), labels: known.labels }) : send(404, { error: { code: 404, message: 'The specified bucket does not exist.', errors: [{ reason: 'notFound', message: 'The specified bucket does not exist.' }] } });
    }
    if (req.method === 'POST' && p === '/storage/v1/b') {
      const wanted = body as { name: string; location?: string; labels?: Record<string, string> };
      if (state.refuseCreate) return send(403, { error: { code: 403, message: state.refuseCreate, errors: [{ reason: 'forbidden', message: state.refuseCreate }] } });
      if (state.buckets.has(wanted.name) || state.racing.has(wanted.name) || state.foreignBuckets.has(wanted.name)) {
        return send(409, { error: { code: 409, message: 'Your previous request to create the named bucket succeeded and you already own it.', errors: [{ reason: 'conflict', message: 'conflict' }] } });
      }
      state.buckets.set(wanted.name, { location: wanted.location ?? 'US', labels: wanted.labels ?? {} });
      return send(200, { kind: 'storage#bucket', name: wanted.name, location: (wanted.location ?? 'US').toUpperCase(), labels: wanted.labels ?? {} });
    }
    if (req.method === 'POST' && p.endsWith('/jobs')) return state.existing.has('job') ? send(409, { error: { code: 409, message: 'Job already exists', status: 'ALREADY_EXISTS' } }) : send(200, body);
    if (req.method === 'PATCH' && p.includes('/jobs/')) return send(200, body);
    if (req.method === 'POST' && p.endsWith('/triggers')) return send(200, { name: 'projects/p/locations/r/operations/t1', done: false });
    send(404, { error: { code: 404, message: `fake: no route for ${req.method} ${p}` } });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const pubsub = await pubsubServer(state, policyOf, () => `e${++etags}`);
  return Object.assign(state, {
    url,
    pubsubUrl: pubsub.url,
    reset,
    close: async () => {
      pubsub.server.forceShutdown();
      await new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      });
    },
  }) as FakeGoogle;
}

type Unary<Q> = (call: grpc.ServerUnaryCall<Q, unknown>, callback: grpc.sendUnaryData<unknown>) => void;
type WirePolicy = { version?: number; etag?: Buffer; bindings?: Array<{ role: string; members: string[] }> };

/**
 * Pub/Sub's Publisher (GetTopic, CreateTopic) and the IAMPolicy service (GetIamPolicy, SetIamPolicy)
 * over gRPC, from the protos @google-cloud/pubsub and google-gax ship: what @google-cloud/pubsub
 * calls for a topic and its IAM. Calls are recorded as `RPC /<service>/<method>` with the request.
 * Etags are bytes on the wire; the shared store keeps them base64, as the JSON APIs show them.
 */
async function pubsubServer(state: Omit<FakeGoogle, 'url' | 'pubsubUrl' | 'close' | 'reset'>, policyOf: (resource: string) => Policy, nextEtag: () => string): Promise<{ server: grpc.Server; url: string }> {
  const pubsubRoot = join(dirname(require.resolve('@google-cloud/pubsub/package.json')), 'build', 'protos');
  const gaxRoot = join(dirname(require.resolve('google-gax')), '..', 'protos');
  const definition = protoLoader.loadSync(['google/pubsub/v1/pubsub.proto', 'google/iam/v1/iam_policy.proto'], { includeDirs: [pubsubRoot, gaxRoot], longs: String, defaults: false });
  const pkg = grpc.loadPackageDefinition(definition) as unknown as {
    google: { pubsub: { v1: { Publisher: { service: grpc.ServiceDefinition } } }; iam: { v1: { IAMPolicy: { service: grpc.ServiceDefinition } } } };
  };
  const record = (method: string, call: grpc.ServerUnaryCall<unknown, unknown>): void => {
    const auth = call.metadata.get('authorization')[0];
    state.calls.push({ method: 'RPC', path: method, query: {}, auth: auth === undefined ? undefined : String(auth), contentType: 'application/grpc', body: JSON.parse(JSON.stringify(call.request)), bytes: 0 });
  };
  const fail = (callback: grpc.sendUnaryData<unknown>, code: grpc.status, details: string): void => callback({ code, details, name: 'Error', message: details });
  const topicOf = (name: string) => ({ name, labels: state.topics.get(name) ?? {} });
  const server = new grpc.Server();
  const publisher: Record<string, Unary<never>> = {
    getTopic: ((call: grpc.ServerUnaryCall<{ topic: string }, unknown>, callback) => {
      record('/google.pubsub.v1.Publisher/GetTopic', call);
      if (!state.topics.has(call.request.topic)) return fail(callback, grpc.status.NOT_FOUND, `Resource not found (resource=${call.request.topic.split('/').pop()}).`);
      callback(null, topicOf(call.request.topic));
    }) as Unary<never>,
    createTopic: ((call: grpc.ServerUnaryCall<{ name: string; labels?: Record<string, string> }, unknown>, callback) => {
      record('/google.pubsub.v1.Publisher/CreateTopic', call);
      const name = call.request.name;
      if (state.refuseCreate) return fail(callback, grpc.status.PERMISSION_DENIED, state.refuseCreate);
      if (state.topics.has(name) || state.racing.has(name)) return fail(callback, grpc.status.ALREADY_EXISTS, `Resource already exists in the project (resource=${name.split('/').pop()}).`);
      state.topics.set(name, { ...call.request.labels });
      callback(null, topicOf(name));
    }) as Unary<never>,
  };
  const wire = (p: Policy): WirePolicy => ({ version: 1, etag: Buffer.from(p.etag, 'base64'), bindings: p.bindings });
  const iam: Record<string, Unary<never>> = {
    getIamPolicy: ((call: grpc.ServerUnaryCall<{ resource: string }, unknown>, callback) => {
      record('/google.iam.v1.IAMPolicy/GetIamPolicy', call);
      callback(null, wire(policyOf(call.request.resource)));
    }) as Unary<never>,
    setIamPolicy: ((call: grpc.ServerUnaryCall<{ resource: string; policy: WirePolicy }, unknown>, callback) => {
      record('/google.iam.v1.IAMPolicy/SetIamPolicy', call);
      const { resource, policy } = call.request;
      if (Buffer.from(policy.etag ?? []).toString('base64') !== policyOf(resource).etag) return fail(callback, grpc.status.ABORTED, 'There were concurrent policy changes.');
      const stored = { etag: Buffer.from(nextEtag()).toString('base64'), bindings: (policy.bindings ?? []).map((b) => ({ role: b.role, members: [...b.members] })) };
      state.policies.set(resource, stored);
      callback(null, wire(stored));
    }) as Unary<never>,
  };
  server.addService(pkg.google.pubsub.v1.Publisher.service, publisher as grpc.UntypedServiceImplementation);
  server.addService(pkg.google.iam.v1.IAMPolicy.service, iam as grpc.UntypedServiceImplementation);
  const port = await new Promise<number>((resolve, reject) => server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (e, p) => (e ? reject(e) : resolve(p))));
  return { server, url: `http://127.0.0.1:${port}` };
}
