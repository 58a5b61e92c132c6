import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

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
  calls: Call[];
  /** Function names that exist already (for update). */
  existing: Set<string>;
  /** Polls before an operation reports done. */
  pollsBeforeDone: number;
  /** When set, createFunction fails with this message. */
  failCreate: string | undefined;
  /** Cloud Run IAM policies by service name; a service not listed starts with {@link DEFAULT_POLICY}. */
  policies: Map<string, Policy>;
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
  const state: Omit<FakeGoogle, 'url' | 'close'> = { calls: [], existing: new Set(), pollsBeforeDone: 1, failCreate: undefined, policies: new Map() };
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
    // (https://cloud.google.com/iam/docs/policies#etag).
    if (req.method === 'GET' && (m = /^\/v2\/(.+):getIamPolicy$/.exec(p))) return send(200, policyOf(m[1] as string));
    if (req.method === 'POST' && (m = /^\/v2\/(.+):setIamPolicy$/.exec(p))) {
      const service = m[1] as string;
      const wanted = (body as { policy: Policy }).policy;
      if (wanted.etag !== policyOf(service).etag) return send(409, { error: { code: 409, message: 'There were concurrent policy changes.', status: 'ABORTED' } });
      const stored = { etag: `etag-${++etags}`, bindings: wanted.bindings ?? [] };
      state.policies.set(service, stored);
      return send(200, stored);
    }
    // Pub/Sub topics (v1 :getIamPolicy/:setIamPolicy) and Cloud Storage buckets (GET/PUT .../iam) keep
    // a policy each, in the same store, with the same etag check.
    if (req.method === 'GET' && (m = /^\/v1\/(projects\/[^/]+\/topics\/[^/]+):getIamPolicy$/.exec(p))) return send(200, policyOf(m[1] as string));
    if (req.method === 'GET' && (m = /^\/storage\/v1\/b\/([^/]+)\/iam$/.exec(p))) return send(200, policyOf(`buckets/${decodeURIComponent(m[1] as string)}`));
    const resourceWrite =
      req.method === 'POST' && (m = /^\/v1\/(projects\/[^/]+\/topics\/[^/]+):setIamPolicy$/.exec(p))
        ? { resource: m[1] as string, wanted: (body as { policy: Policy }).policy }
        : req.method === 'PUT' && (m = /^\/storage\/v1\/b\/([^/]+)\/iam$/.exec(p))
          ? { resource: `buckets/${decodeURIComponent(m[1] as string)}`, wanted: body as Policy }
          : undefined;
    if (resourceWrite) {
      if (resourceWrite.wanted.etag !== policyOf(resourceWrite.resource).etag) return send(409, { error: { code: 409, message: 'There were concurrent policy changes.', status: 'ABORTED' } });
      const stored = { etag: `etag-${++etags}`, bindings: resourceWrite.wanted.bindings ?? [] };
      state.policies.set(resourceWrite.resource, stored);
      return send(200, stored);
    }
    if (req.method === 'POST' && p.endsWith('/jobs')) return state.existing.has('job') ? send(409, { error: { code: 409, message: 'Job already exists', status: 'ALREADY_EXISTS' } }) : send(200, body);
    if (req.method === 'PATCH' && p.includes('/jobs/')) return send(200, body);
    if (req.method === 'POST' && p.endsWith('/triggers')) return send(200, { name: 'projects/p/locations/r/operations/t1', done: false });
    send(404, { error: { code: 404, message: `fake: no route for ${req.method} ${p}` } });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return Object.assign(state, {
    url,
    close: () => new Promise<void>((r) => {
      server.closeAllConnections();
      server.close(() => r());
    }),
  }) as FakeGoogle;
}
