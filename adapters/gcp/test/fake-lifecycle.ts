import { createServer, type IncomingMessage, type Server } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';

/** One request the fake Google APIs received. */
export interface Call {
  method: string;
  path: string;
  query: Record<string, string>;
  auth: string | undefined;
  body: unknown;
}

export interface Policy {
  etag?: string;
  version?: number;
  bindings: Array<{ role: string; members: string[]; condition?: unknown }>;
}

/** What the fake holds, keyed by full resource name; tests fill it and read it back. */
export interface LifecycleState {
  functions: Map<string, Record<string, unknown>>;
  services: Map<string, Record<string, unknown>>;
  /** Revisions by service name. */
  revisions: Map<string, Array<Record<string, unknown>>>;
  jobs: Map<string, Record<string, unknown>>;
  triggers: Map<string, Record<string, unknown>>;
  /** IAM policies by `projects/p/topics/t` or `buckets/b`. */
  policies: Map<string, Policy>;
  /** Log entries in REST JSON, any order; entries:list sorts and pages them. */
  entries: Array<Record<string, unknown>>;
  /** Polls before a long-running operation reports done (0: done at once). */
  pollsBeforeDone: number;
  /** When set, every call to a path containing this string fails with a 403 and this message. */
  refuse: { path: string; message: string; status?: number } | undefined;
}

export interface FakeLifecycle extends LifecycleState {
  url: string;
  /** Pub/Sub's IAMPolicy service over gRPC (as @google-cloud/pubsub speaks to an emulator): `http://127.0.0.1:<port>`. */
  pubsubUrl: string;
  calls: Call[];
  reset(): void;
  close(): Promise<void>;
}

function read(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
  });
}

const NAME = '(projects/[^/]+/locations/[^/]+/(?:functions|services|jobs|triggers)/[^/:]+)';

/**
 * Plays, on one loopback server, the parts of Cloud Functions v2, Cloud Run admin v2, Cloud Scheduler
 * v1, Eventarc v1, Pub/Sub and Cloud Storage IAM, and Cloud Logging v2 that rollback, destroy and logs
 * call, recording every request.
 */
export async function fakeLifecycle(): Promise<FakeLifecycle> {
  const calls: Call[] = [];
  const state: LifecycleState = {
    functions: new Map(), services: new Map(), revisions: new Map(), jobs: new Map(), triggers: new Map(), policies: new Map(), entries: [], pollsBeforeDone: 0, refuse: undefined,
  };
  const ops = new Map<string, { polls: number; response: unknown; apply: () => void }>();
  let opCount = 0;
  let etags = 0;
  const policyOf = (resource: string): Policy => state.policies.get(resource) ?? { etag: 'BwE=', bindings: [] };
  /** Writes a policy if its etag is the stored one (IAM refuses a stale etag); undefined when refused. */
  const storePolicy = (resource: string, wanted: Policy): Policy | undefined => {
    if (wanted.etag !== policyOf(resource).etag) return undefined;
    // IAM etags are base64 (bytes in the Pub/Sub proto).
    const stored = { etag: Buffer.from(`etag-${++etags}`).toString('base64'), bindings: wanted.bindings ?? [] };
    state.policies.set(resource, stored);
    return stored;
  };
  const server: Server = createServer(async (req, res) => {
    const raw = await read(req);
    const u = new URL(req.url ?? '/', 'http://x');
    let body: unknown;
    if (raw.length) {
      try {
        body = JSON.parse(raw.toString());
      } catch {
        body = raw.toString();
      }
    }
    const p = decodeURIComponent(u.pathname);
    const query = Object.fromEntries(u.searchParams);
    calls.push({ method: req.method ?? '', path: p, query, auth: req.headers.authorization, body });
    const send = (status: number, data: unknown): void => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(data));
    };
    const notFound = (what: string): void => send(404, { error: { code: 404, message: `Resource '${what}' was not found`, status: 'NOT_FOUND' } });
    if (state.refuse && p.includes(state.refuse.path)) {
      const status = state.refuse.status ?? 403;
      return send(status, { error: { code: status, message: state.refuse.message, status: status === 401 ? 'UNAUTHENTICATED' : 'PERMISSION_DENIED' } });
    }
    /** A long-running operation: done at once, or after `pollsBeforeDone` polls; `apply` runs when it is done. */
    const operation = (version: string, response: unknown, apply: () => void): void => {
      const name = `projects/p/locations/r/operations/op-${++opCount}`;
      if (state.pollsBeforeDone === 0) {
        apply();
        return send(200, { name, done: true, response });
      }
      ops.set(`/${version}/${name}`, { polls: 0, response, apply });
      send(200, { name, done: false });
    };
    let m: RegExpExecArray | null;
    if (req.method === 'GET' && (m = /^\/v[12]\/projects\/p\/locations\/r\/operations\/[^/]+$/.exec(p))) {
      const op = ops.get(p);
      if (!op) return notFound(p);
      op.polls++;
      if (op.polls < state.pollsBeforeDone) return send(200, { name: p.slice(4), done: false });
      op.apply();
      return send(200, { name: p.slice(4), done: true, response: op.response });
    }
    // Cloud Functions v2.
    if ((m = new RegExp(`^/v2/${NAME}$`).exec(p)) && m[1]?.includes('/functions/')) {
      const name = m[1];
      const fn = state.functions.get(name);
      if (!fn) return notFound(name);
      if (req.method === 'GET') return send(200, fn);
      if (req.method === 'DELETE') return operation('v2', { '@type': 'type.googleapis.com/google.protobuf.Empty' }, () => state.functions.delete(name));
    }
    if (req.method === 'GET' && (m = /^\/v2\/(projects\/[^/]+\/locations\/[^/]+)\/functions$/.exec(p))) {
      return send(200, { functions: [...state.functions.values()].filter((f) => String(f['name']).startsWith(`${m?.[1]}/`)) });
    }
    // Cloud Run admin v2.
    if ((m = new RegExp(`^/v2/${NAME}$`).exec(p)) && m[1]?.includes('/services/')) {
      const name = m[1];
      const service = state.services.get(name);
      if (!service) return notFound(name);
      if (req.method === 'GET') return send(200, service);
      if (req.method === 'PATCH') {
        const traffic = (body as { traffic?: unknown }).traffic;
        return operation('v2', { '@type': 'type.googleapis.com/google.cloud.run.v2.Service', ...service, traffic }, () => {
          // Cloud Run reports the traffic it now serves in trafficStatuses.
          state.services.set(name, { ...service, traffic, trafficStatuses: traffic });
        });
      }
    }
    if (req.method === 'GET' && (m = new RegExp(`^/v2/${NAME}/revisions$`).exec(p))) {
      return send(200, { revisions: state.revisions.get(m[1] as string) ?? [] });
    }
    // Cloud Scheduler v1.
    if ((m = new RegExp(`^/v1/${NAME}$`).exec(p)) && m[1]?.includes('/jobs/')) {
      const name = m[1];
      const job = state.jobs.get(name);
      if (!job) return notFound(name);
      if (req.method === 'GET') return send(200, job);
      if (req.method === 'DELETE') {
        state.jobs.delete(name);
        return send(200, {});
      }
    }
    // Eventarc v1.
    if (req.method === 'GET' && /^\/v1\/projects\/[^/]+\/locations\/[^/]+\/triggers$/.test(p)) return send(200, { triggers: [...state.triggers.values()] });
    if (req.method === 'DELETE' && (m = new RegExp(`^/v1/${NAME}$`).exec(p)) && m[1]?.includes('/triggers/')) {
      const name = m[1];
      if (!state.triggers.has(name)) return notFound(name);
      return operation('v1', {}, () => state.triggers.delete(name));
    }
    // IAM: Cloud Storage buckets, with the etag check IAM makes.
    const write = (resource: string, wanted: Policy): void => {
      const stored = storePolicy(resource, wanted);
      if (!stored) return send(409, { error: { code: 409, message: 'There were concurrent policy changes.', status: 'ABORTED' } });
      send(200, stored);
    };
    if (req.method === 'GET' && (m = /^\/storage\/v1\/b\/([^/]+)\/iam$/.exec(p))) return send(200, { kind: 'storage#policy', resourceId: `projects/_/buckets/${m[1]}`, version: 1, ...policyOf(`buckets/${m[1]}`) });
    if (req.method === 'PUT' && (m = /^\/storage\/v1\/b\/([^/]+)\/iam$/.exec(p))) return write(`buckets/${m[1]}`, body as Policy);
    // Cloud Logging v2: entries:list, sorted and paged as asked.
    if (req.method === 'POST' && p === '/v2/entries:list') {
      const ask = body as { orderBy?: string; pageSize?: number; pageToken?: string };
      const sorted = [...state.entries].sort((a, b) => String(a['timestamp']).localeCompare(String(b['timestamp'])));
      if (ask.orderBy?.includes('desc')) sorted.reverse();
      const start = Number(ask.pageToken || 0);
      const size = ask.pageSize || 50;
      const page = sorted.slice(start, start + size);
      return send(200, { entries: page, ...(start + size < sorted.length ? { nextPageToken: String(start + size) } : {}) });
    }
    send(404, { error: { code: 404, message: `fake: no route for ${req.method} ${p}`, status: 'NOT_FOUND' } });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const pubsub = await iamServer(calls, state, policyOf, storePolicy);
  const fake = Object.assign(state, {
    url,
    pubsubUrl: pubsub.url,
    calls,
    reset() {
      calls.length = 0;
      for (const map of [state.functions, state.services, state.revisions, state.jobs, state.triggers, state.policies]) map.clear();
      state.entries = [];
      state.pollsBeforeDone = 0;
      state.refuse = undefined;
      ops.clear();
      opCount = 0;
    },
    close: async () => {
      pubsub.server.forceShutdown();
      await new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      });
    },
  });
  return fake;
}

const require = createRequire(import.meta.url);

/**
 * Pub/Sub's google.iam.v1.IAMPolicy over gRPC, from the protos google-gax ships: what
 * @google-cloud/pubsub calls for a topic's policy. Calls are recorded as `RPC <Method>` with the
 * resource as the path.
 */
async function iamServer(calls: Call[], state: LifecycleState, policyOf: (resource: string) => Policy, storePolicy: (resource: string, wanted: Policy) => Policy | undefined): Promise<{ server: grpc.Server; url: string }> {
  const protos = join(dirname(require.resolve('google-gax')), '..', 'protos');
  const definition = protoLoader.loadSync(['google/iam/v1/iam_policy.proto'], { includeDirs: [protos], longs: String, bytes: String, defaults: false });
  const pkg = grpc.loadPackageDefinition(definition) as unknown as { google: { iam: { v1: { IAMPolicy: { service: grpc.ServiceDefinition } } } } };
  type Call_ = grpc.ServerUnaryCall<{ resource: string; policy?: Policy }, unknown>;
  const record = (method: string, call: Call_): void => {
    const auth = call.metadata.get('authorization')[0];
    calls.push({ method: 'RPC', path: `${method} ${call.request.resource}`, query: {}, auth: auth === undefined ? undefined : String(auth), body: JSON.parse(JSON.stringify(call.request)) });
  };
  const refused = (call: Call_, callback: grpc.sendUnaryData<unknown>): boolean => {
    if (!state.refuse || !call.request.resource.includes(state.refuse.path)) return false;
    callback({ code: grpc.status.PERMISSION_DENIED, details: state.refuse.message, name: 'Error', message: state.refuse.message });
    return true;
  };
  const server = new grpc.Server();
  server.addService(pkg.google.iam.v1.IAMPolicy.service, {
    getIamPolicy: ((call: Call_, callback: grpc.sendUnaryData<unknown>) => {
      record('GetIamPolicy', call);
      if (refused(call, callback)) return;
      callback(null, policyOf(call.request.resource));
    }) as grpc.UntypedHandleCall,
    setIamPolicy: ((call: Call_, callback: grpc.sendUnaryData<unknown>) => {
      record('SetIamPolicy', call);
      if (refused(call, callback)) return;
      const stored = storePolicy(call.request.resource, call.request.policy ?? { bindings: [] });
      if (!stored) return callback({ code: grpc.status.ABORTED, details: 'There were concurrent policy changes.', name: 'Error', message: 'There were concurrent policy changes.' });
      callback(null, stored);
    }) as grpc.UntypedHandleCall,
  });
  const port = await new Promise<number>((ok, fail) => server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (error, bound) => (error ? fail(error) : ok(bound))));
  return { server, url: `http://127.0.0.1:${port}` };
}
