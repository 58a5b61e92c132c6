/**
 * A loopback server that plays ARM (resources, storage, app service, authorization, event grid) and
 * the Kudu zip-deploy endpoints, recording every call, for the deploy contract tests.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { handleBlob, handleTags, type BlobEntry } from './fake-lifecycle.js';
import type { AddressInfo } from 'node:net';

export const SUB = '00000000-1111-2222-3333-444444444444';
export const SECRET = 'c2VjcmV0LXN0b3JhZ2Uta2V5';
export const PRINCIPAL = '99999999-8888-7777-6666-555555555555';

export interface Call { method: string; path: string; query: URLSearchParams; body: string; auth: string | undefined }

export interface FakeAzureOptions {
  appExists?: boolean;
  /** The existing app already has a system-assigned identity. */
  appHasIdentity?: boolean;
  /** Settings the existing app has (listApplicationSettings). */
  appSettings?: Record<string, string>;
  accountExists?: boolean;
  failPlan?: boolean;
  /** The status and error code every role assignment PUT answers with (default 201). */
  roleAssignment?: { status: number; code?: string; message?: string };
  /** What the Kudu deployment status answers, poll by poll (default: in progress, then succeeded). */
  kudu?: ReadonlyArray<{ status: number; body: unknown; location?: string }>;
  /** Status of the zip POST (default 202). */
  zipStatus?: number;
  /**
   * The Service Bus namespaces the fake knows, by name (any other answers 404), with their tier and the
   * entities that already exist (`queues/orders`, `topics/events`, `topics/events/subscriptions/audit`).
   */
  serviceBus?: Record<string, { sku?: 'Basic' | 'Standard' | 'Premium'; entities?: Record<string, { requiresSession?: boolean }> }>;
}

export interface FakeAzure { server: Server; base: string; calls: Call[]; blobs: Map<string, BlobEntry>; tags: Record<string, string>; close(): Promise<void> }

const read = (req: IncomingMessage): Promise<string> =>
  new Promise((done) => {
    const parts: Buffer[] = [];
    req.on('data', (c: Buffer) => parts.push(c));
    req.on('end', () => done(Buffer.concat(parts).toString('latin1')));
  });

export async function fakeAzure(options: FakeAzureOptions = {}): Promise<FakeAzure> {
  const calls: Call[] = [];
  // The kept releases (Blob service) and the site's tags, which deploy merges the serving release into.
  const releases = { blobs: new Map<string, BlobEntry>(), container: false };
  const tags: Record<string, string> = {};
  let polls = 0;
  let base = '';
  let identity = options.appHasIdentity === true;
  // Service Bus namespaces and their entities, as the test gave them and as PUTs change them.
  const busState = structuredClone(options.serviceBus ?? {});
  const kudu = options.kudu ?? [{ status: 200, body: { status: 1, complete: false } }, { status: 200, body: { status: 4, complete: true } }];
  const server = createServer(async (req, res) => {
    const body = await read(req);
    const url = new URL(req.url ?? '/', 'http://x');
    const path = url.pathname;
    const lower = path.toLowerCase();
    calls.push({ method: req.method ?? '', path, query: url.searchParams, body, auth: req.headers.authorization });
    if (handleBlob(req, res, url, Buffer.from(body, 'latin1'), releases) || handleTags(req, res, url, Buffer.from(body), tags)) return;
    const send = (status: number, value: unknown, headers: Record<string, string> = {}): void => {
      res.writeHead(status, { 'content-type': 'application/json', ...headers });
      res.end(JSON.stringify(value));
    };
    const notFound = (): void => send(404, { error: { code: 'ResourceNotFound', message: 'not found' } });
    const accountId = `/subscriptions/${SUB}/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts/acmeapi`;
    if (req.method === 'POST' && (path === '/api/publish' || path === '/api/zipdeploy')) {
      return send(options.zipStatus ?? 202, options.zipStatus && options.zipStatus >= 400 ? { message: 'the package is corrupt' } : {}, { location: `${base}/api/deployments/d-1` });
    }
    if (path.startsWith('/api/deployments/')) {
      const answer = kudu[Math.min(polls++, kudu.length - 1)] ?? { status: 200, body: { status: 4, complete: true } };
      return send(answer.status, answer.body, answer.location ? { location: answer.location } : {});
    }
    if (lower.includes('/providers/microsoft.authorization/roleassignments/')) {
      const answer = options.roleAssignment ?? { status: 201 };
      if (answer.status >= 400) return send(answer.status, { error: { code: answer.code ?? 'Error', message: answer.message ?? 'refused' } });
      const sent = JSON.parse(body || '{}') as { properties?: Record<string, unknown> };
      return send(answer.status, { id: path, name: path.split('/').pop(), type: 'Microsoft.Authorization/roleAssignments', properties: { ...sent.properties, scope: path.split('/providers/Microsoft.Authorization')[0] } });
    }
    const bus = /\/providers\/microsoft\.servicebus\/namespaces\/([^/]+)(?:\/(.*))?$/i.exec(path);
    if (bus) {
      const namespace = Object.hasOwn(busState, bus[1] as string) ? busState[bus[1] as string] : undefined;
      if (!namespace) return notFound();
      if (!bus[2]) return send(200, { id: path, name: bus[1], location: 'westeurope', sku: { name: namespace.sku ?? 'Standard', tier: namespace.sku ?? 'Standard' }, properties: { provisioningState: 'Succeeded' } });
      const entities = (namespace.entities ??= {});
      if (req.method === 'PUT') entities[bus[2]] = ((JSON.parse(body || '{}') as { properties?: { requiresSession?: boolean } }).properties ?? {});
      const entity = entities[bus[2]];
      if (!entity) return notFound();
      return send(200, { id: path, name: path.split('/').pop(), properties: { ...entity, status: 'Active' } });
    }
    if (lower.includes('/providers/microsoft.eventgrid/eventsubscriptions/')) {
      const sent = JSON.parse(body || '{}') as { properties?: Record<string, unknown> };
      return send(201, { id: path, name: path.split('/').pop(), properties: { ...sent.properties, provisioningState: 'Succeeded' } });
    }
    if (lower.endsWith('/resourcegroups/rg')) return send(200, { id: `/subscriptions/${SUB}/resourceGroups/rg`, name: 'rg', location: 'westeurope' });
    if (lower.endsWith('/storageaccounts/acmeapi/listkeys')) return send(200, { keys: [{ keyName: 'key1', value: SECRET, permissions: 'FULL' }] });
    if (lower.endsWith('/storageaccounts/acmeapi')) {
      if (req.method === 'GET' && !options.accountExists && !calls.some((c) => c.method === 'PUT' && c.path.toLowerCase().endsWith('/storageaccounts/acmeapi'))) return notFound();
      return send(200, { id: accountId, name: 'acmeapi', location: 'westeurope', properties: { provisioningState: 'Succeeded', primaryEndpoints: { blob: `${base}/acmeapi/`, queue: 'https://acmeapi.queue.core.windows.net/' } } });
    }
    if (lower.includes('/queueservices/default/queues/') || lower.includes('/blobservices/default/containers/')) return send(200, { id: path, name: path.split('/').pop() });
    if (lower.endsWith('/serverfarms/acme-api-plan')) {
      if (options.failPlan) return send(409, { error: { code: 'Conflict', message: 'The plan quota for FlexConsumption is exhausted in westeurope' } });
      return send(200, { id: `/subscriptions/${SUB}/resourceGroups/rg/providers/Microsoft.Web/serverfarms/acme-api-plan`, name: 'acme-api-plan', location: 'westeurope', properties: { provisioningState: 'Succeeded' } });
    }
    const site = (): Record<string, unknown> => ({
      id: `/subscriptions/${SUB}/resourceGroups/rg/providers/Microsoft.Web/sites/acme-api`, name: 'acme-api', location: 'westeurope',
      ...(identity ? { identity: { type: 'SystemAssigned', principalId: PRINCIPAL, tenantId: SUB } } : {}),
      properties: { defaultHostName: 'acme-api.azurewebsites.net', provisioningState: 'Succeeded' },
    });
    if (lower.endsWith('/sites/acme-api')) {
      if (req.method === 'GET' && !options.appExists) return notFound();
      if (req.method === 'PUT' || req.method === 'PATCH') {
        const sent = JSON.parse(body || '{}') as { identity?: { type?: string } };
        if (sent.identity?.type?.includes('SystemAssigned')) identity = true;
      }
      return send(200, site());
    }
    if (lower.endsWith('/sites/acme-api/config/appsettings/list')) return send(200, { properties: { APPINSIGHTS_CONNECTION_STRING: 'kept', ...options.appSettings } });
    if (lower.endsWith('/sites/acme-api/config/appsettings')) return send(200, { properties: {} });
    return send(400, { error: { code: 'Unexpected', message: `unexpected ${req.method} ${path}` } });
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { server, base, calls, blobs: releases.blobs, tags, close: () => new Promise<void>((done) => server.close(() => done())) };
}

/** Each call as `METHOD /path`, without the subscription and resource group prefix. */
export const summary = (calls: readonly Call[]): string[] => calls.map((c) => `${c.method} ${c.path.replace(`/subscriptions/${SUB}`, '').replace(/\/resourceGroups\/rg/i, '')}`);

export const credential = { getToken: async () => ({ token: 'fake-token', expiresOnTimestamp: Date.now() + 3_600_000 }) };
