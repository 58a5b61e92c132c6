/**
 * A loopback server playing what `rollback`, `destroy` and `logs` reach on Azure: ARM (sites, plans,
 * storage accounts, Event Grid subscriptions, tags, generic resources), the Blob service (the kept
 * releases), Kudu (zip deploy) and Azure Monitor Logs. The official clients talk to it; it records
 * every call, so tests assert the exact calls.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export const SUB = '00000000-1111-2222-3333-444444444444';
export const KEY = Buffer.from('secret-storage-key').toString('base64');
export const RG = `/subscriptions/${SUB}/resourceGroups/rg`;
export const SITE_ID = `${RG}/providers/Microsoft.Web/sites/acme-api`;
export const PLAN_ID = `${RG}/providers/Microsoft.Web/serverfarms/acme-api-plan`;
export const ACCOUNT_ID = `${RG}/providers/Microsoft.Storage/storageAccounts/acmeapi`;
export const COMPONENT_ID = `${RG}/providers/Microsoft.Insights/components/acme-ai`;

export interface Call { method: string; path: string; query: string; body: string; auth: string | undefined }

export interface BlobEntry { body: Buffer; metadata: Record<string, string>; created: Date }

export interface FakeState {
  site?: { tags: Record<string, string>; flex: boolean; serverFarmId: string } | undefined;
  planApps: string[];
  account: boolean;
  blobs: Map<string, BlobEntry>;
  container: boolean;
  subscriptions: Array<{ name: string; resourceId: string; endpointType?: string }>;
  settings: Record<string, string>;
  components: Array<{ id: string; ikey: string }>;
  logRows: unknown[][];
  logColumns: string[];
  kuduStatus: number;
  failLogs?: { status: number; code: string; message: string } | undefined;
}

export function defaultState(extra: Partial<FakeState> = {}): FakeState {
  return {
    site: { tags: { 'deployed-by': 'onefn', 'onefn-release': '3' }, flex: true, serverFarmId: PLAN_ID },
    planApps: ['acme-api'],
    account: true,
    blobs: new Map(),
    container: true,
    subscriptions: [],
    settings: {},
    components: [],
    logRows: [],
    logColumns: ['TimeGenerated', 'SeverityLevel', 'Message', 'OperationId', 'InvocationId'],
    kuduStatus: 4,
    ...extra,
  };
}

/** Kept releases 1..n of acme-api, each a tiny zip-like body naming its number. */
export function releases(n: number): Map<string, BlobEntry> {
  const map = new Map<string, BlobEntry>();
  for (let i = 1; i <= n; i++) map.set(`acme-api/${i}.zip`, { body: Buffer.from(`PK-release-${i}`), metadata: { sha256: `${i}`.repeat(64).slice(0, 64) }, created: new Date(Date.UTC(2026, 11, i)) });
  return map;
}

const read = (req: IncomingMessage): Promise<Buffer> => new Promise((done) => { const parts: Buffer[] = []; req.on('data', (c: Buffer) => parts.push(c)); req.on('end', () => done(Buffer.concat(parts))); });
const xmlEscape = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

function storageError(res: ServerResponse, status: number, code: string): void {
  res.writeHead(status, { 'content-type': 'application/xml', 'x-ms-error-code': code, 'x-ms-request-id': 'r' });
  res.end(`<?xml version="1.0" encoding="utf-8"?><Error><Code>${code}</Code><Message>${code}</Message></Error>`);
}

/**
 * The Blob service under `/<account>/onefn-releases`, path-style as on an IP host. Returns false when
 * the request is not for it. Shared with the deploy test, whose deploy keeps each package here.
 */
export function handleBlob(req: IncomingMessage, res: ServerResponse, url: URL, body: Buffer, state: Pick<FakeState, 'blobs' | 'container'>): boolean {
  const match = /^\/acmeapi\/onefn-releases(?:\/(.+))?$/.exec(url.pathname);
  if (!match) return false;
  const headers = { 'x-ms-request-id': 'r', 'x-ms-version': '2025-01-05' };
  const name = match[1] ? decodeURIComponent(match[1]) : undefined;
  if (!name) {
    if (req.method === 'PUT') {
      if (state.container) return storageError(res, 409, 'ContainerAlreadyExists'), true;
      state.container = true;
      res.writeHead(201, headers).end();
      return true;
    }
    if (!state.container) return storageError(res, 404, 'ContainerNotFound'), true;
    const prefix = url.searchParams.get('prefix') ?? '';
    const items = [...state.blobs.entries()].filter(([k]) => k.startsWith(prefix)).sort(([a], [b]) => a.localeCompare(b));
    const xml = `<?xml version="1.0" encoding="utf-8"?><EnumerationResults ServiceEndpoint="http://x/acmeapi/" ContainerName="onefn-releases"><Prefix>${xmlEscape(prefix)}</Prefix><Blobs>${items.map(([k, b]) =>
      `<Blob><Name>${xmlEscape(k)}</Name><Properties><Creation-Time>${b.created.toUTCString()}</Creation-Time><Last-Modified>${b.created.toUTCString()}</Last-Modified><Etag>0x1</Etag><Content-Length>${b.body.length}</Content-Length><Content-Type>application/zip</Content-Type><BlobType>BlockBlob</BlobType></Properties><Metadata>${Object.entries(b.metadata).map(([mk, mv]) => `<${mk}>${xmlEscape(mv)}</${mk}>`).join('')}</Metadata></Blob>`).join('')}</Blobs><NextMarker /></EnumerationResults>`;
    res.writeHead(200, { ...headers, 'content-type': 'application/xml' }).end(xml);
    return true;
  }
  const entry = state.blobs.get(name);
  if (req.method === 'PUT') {
    if (req.headers['if-none-match'] === '*' && entry) return storageError(res, 409, 'BlobAlreadyExists'), true;
    const metadata: Record<string, string> = {};
    for (const [k, v] of Object.entries(req.headers)) if (k.startsWith('x-ms-meta-')) metadata[k.slice('x-ms-meta-'.length)] = String(v);
    state.blobs.set(name, { body, metadata, created: new Date() });
    res.writeHead(201, { ...headers, etag: '0x2', 'last-modified': new Date().toUTCString() }).end();
    return true;
  }
  if (!entry) return storageError(res, 404, 'BlobNotFound'), true;
  if (req.method === 'DELETE') {
    state.blobs.delete(name);
    res.writeHead(202, headers).end();
    return true;
  }
  const blobHeaders = { ...headers, 'x-ms-blob-type': 'BlockBlob', etag: '0x1', 'last-modified': entry.created.toUTCString(), 'content-type': 'application/zip' };
  if (req.method === 'HEAD') {
    res.writeHead(200, { ...blobHeaders, 'content-length': String(entry.body.length) }).end();
    return true;
  }
  const range = /^bytes=(\d+)-(\d*)$/.exec(String(req.headers['x-ms-range'] ?? req.headers['range'] ?? ''));
  if (range) {
    const start = Number(range[1]);
    const end = range[2] ? Math.min(Number(range[2]), entry.body.length - 1) : entry.body.length - 1;
    res.writeHead(206, { ...blobHeaders, 'content-length': String(end - start + 1), 'content-range': `bytes ${start}-${end}/${entry.body.length}` }).end(entry.body.subarray(start, end + 1));
    return true;
  }
  res.writeHead(200, { ...blobHeaders, 'content-length': String(entry.body.length) }).end(entry.body);
  return true;
}

/** The ARM Tags - Update At Scope call that marks a site's serving release. */
export function handleTags(req: IncomingMessage, res: ServerResponse, url: URL, body: Buffer, tags: Record<string, string> | undefined): boolean {
  if (!url.pathname.toLowerCase().endsWith('/providers/microsoft.resources/tags/default') || req.method !== 'PATCH') return false;
  const patch = JSON.parse(body.toString() || '{}') as { properties?: { tags?: Record<string, string> } };
  if (tags) Object.assign(tags, patch.properties?.tags ?? {});
  res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ id: url.pathname, name: 'default', properties: { tags: tags ?? {} } }));
  return true;
}

export async function fakeLifecycle(state: FakeState): Promise<{ server: Server; base: string; calls: Call[]; state: FakeState }> {
  const calls: Call[] = [];
  let base = '';
  const server = createServer(async (req, res) => {
    const body = await read(req);
    const url = new URL(req.url ?? '/', 'http://x');
    const path = url.pathname;
    const lower = path.toLowerCase();
    calls.push({ method: req.method ?? '', path, query: url.search, body: body.toString('latin1'), auth: req.headers.authorization });
    const send = (status: number, value?: unknown, headers: Record<string, string> = {}): void => {
      res.writeHead(status, { 'content-type': 'application/json', ...headers });
      res.end(value === undefined ? '' : JSON.stringify(value));
    };
    const notFound = (): void => send(404, { error: { code: 'ResourceNotFound', message: 'The Resource was not found.' } });
    if (handleBlob(req, res, url, body, state)) return;
    if (handleTags(req, res, url, body, state.site?.tags)) return;
    if (req.method === 'POST' && (path === '/api/publish' || path === '/api/zipdeploy')) return send(202, {}, { location: `${base}/api/deployments/d-1` });
    if (path === '/api/deployments/d-1') return send(200, { status: state.kuduStatus, complete: true, status_text: state.kuduStatus === 3 ? 'the package does not start' : '' });
    if (lower.endsWith('/query') && lower.includes('/microsoft.insights/components/')) {
      if (state.failLogs) return send(state.failLogs.status, { error: { code: state.failLogs.code, message: state.failLogs.message } });
      return send(200, { tables: [{ name: 'PrimaryResult', columns: state.logColumns.map((name) => ({ name, type: name === 'SeverityLevel' ? 'int' : name === 'TimeGenerated' ? 'datetime' : 'string' })), rows: state.logRows }] });
    }
    if (lower === `/subscriptions/${SUB}/resources`) return send(200, { value: state.components.map((c) => ({ id: c.id, name: c.id.split('/').pop(), type: 'microsoft.insights/components' })) });
    const component = state.components.find((c) => c.id.toLowerCase() === lower);
    if (component) return send(200, { id: component.id, name: component.id.split('/').pop(), type: 'microsoft.insights/components', properties: { InstrumentationKey: component.ikey } });
    if (lower === `${ACCOUNT_ID}/providers/microsoft.eventgrid/eventsubscriptions`.toLowerCase()) {
      if (!state.account) return notFound();
      return send(200, { value: state.subscriptions.map((s) => ({ id: `${ACCOUNT_ID}/providers/Microsoft.EventGrid/eventSubscriptions/${s.name}`, name: s.name, type: 'Microsoft.EventGrid/eventSubscriptions', properties: { destination: { endpointType: s.endpointType ?? 'AzureFunction', properties: { resourceId: s.resourceId } } } })) });
    }
    if (lower.startsWith(`${ACCOUNT_ID}/providers/microsoft.eventgrid/eventsubscriptions/`.toLowerCase()) && req.method === 'DELETE') {
      const name = path.split('/').pop();
      const before = state.subscriptions.length;
      state.subscriptions = state.subscriptions.filter((s) => s.name !== name);
      return before === state.subscriptions.length ? notFound() : send(200);
    }
    if (lower === `${ACCOUNT_ID}/listkeys`.toLowerCase()) return send(200, { keys: [{ keyName: 'key1', value: KEY, permissions: 'FULL' }] });
    if (lower === ACCOUNT_ID.toLowerCase()) {
      if (!state.account) return notFound();
      return send(200, { id: ACCOUNT_ID, name: 'acmeapi', location: 'westeurope', properties: { provisioningState: 'Succeeded', primaryEndpoints: { blob: `${base}/acmeapi/` } } });
    }
    if (lower === `${PLAN_ID}/sites`.toLowerCase()) return send(200, { value: state.planApps.map((name) => ({ id: `${RG}/providers/Microsoft.Web/sites/${name}`, name, location: 'westeurope' })) });
    if (lower === PLAN_ID.toLowerCase() && req.method === 'DELETE') return send(200);
    if (lower === `${SITE_ID}/config/appsettings/list`.toLowerCase()) return state.site ? send(200, { properties: state.settings }) : notFound();
    if (lower === SITE_ID.toLowerCase()) {
      if (!state.site) return notFound();
      if (req.method === 'DELETE') {
        state.site = undefined;
        state.planApps = state.planApps.filter((a) => a !== 'acme-api');
        return send(200);
      }
      const s = state.site;
      return send(200, {
        id: SITE_ID, name: 'acme-api', location: 'westeurope', tags: s.tags,
        properties: { defaultHostName: 'acme-api.azurewebsites.net', serverFarmId: s.serverFarmId, ...(s.flex ? { functionAppConfig: { runtime: { name: 'node', version: '22' } } } : {}) },
      });
    }
    return send(400, { error: { code: 'Unexpected', message: `unexpected ${req.method} ${path}` } });
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { server, base, calls, state };
}

/** `METHOD path` with the subscription and resource group cut, for exact call lists. */
export const summary = (calls: readonly Call[]): string[] => calls.map((c) => `${c.method} ${c.path.replace(RG, '').replace(`/subscriptions/${SUB}`, '')}`);

export const credential = { getToken: async () => ({ token: 'fake-token', expiresOnTimestamp: Date.now() + 3_600_000 }) };

export function where(base: string) {
  return { subscriptionId: SUB, resourceGroup: 'rg', app: 'acme-api', credential, armEndpoint: base, allowInsecureConnection: true } as const;
}
