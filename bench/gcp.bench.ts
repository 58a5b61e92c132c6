// @onefn/gcp against hand-written functions-framework functions. Both sides are registered with the
// framework and served by its own Express server (getTestServer) on 127.0.0.1, and driven over one
// keep-alive connection, so each ratio is onefn's cost on top of the framework's request path.
import { cloudEvent, http as ffHttp } from '@google-cloud/functions-framework';
import { getTestServer } from '@google-cloud/functions-framework/testing';
import { register } from '@onefn/gcp';
import { defineHttp, defineTopic, json } from 'onefn';
import { Agent, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { compare, table, type BenchCase } from './harness.js';

type Req = { method?: string; query?: Record<string, unknown>; body?: unknown };
type Res = { status(code: number): Res; json(body: unknown): void; sendStatus(code: number): void };

// Hand-written functions, as the framework's docs write them.
ffHttp('nativeGet', (req: Req, res: Res) => res.status(200).json({ message: `Hello, ${String(req.query?.['name'] ?? 'world')}!` }));
ffHttp('nativePost', (req: Req, res: Res) => {
  const body = req.body as { name?: unknown } | undefined;
  if (typeof body?.name !== 'string') return res.status(400).json({ error: 'name' });
  res.status(201).json({ name: body.name });
});
let nativeSeen = 0;
cloudEvent('nativeTopic', (ce: { data?: { message?: { data?: string } } }) => {
  const payload = JSON.parse(Buffer.from(ce.data?.message?.data ?? '', 'base64').toString('utf8')) as { n?: number };
  if (payload.n !== undefined) nativeSeen++;
});

// The same functions written once with onefn.
let onefnSeen = 0;
const silent = { logSink: () => {} };
register({
  hello: defineHttp({ method: 'GET', route: '/hello', handler: (req) => json({ message: `Hello, ${String(req.query['name'] ?? 'world')}!` }) }),
  users: defineHttp({ method: 'POST', route: '/users', handler: (req) => { const body = req.body as { name?: unknown }; if (typeof body?.name !== 'string') return json({ error: 'name' }, { status: 400 }); return json({ name: body.name }, { status: 201 }); } }),
}, { routedName: 'api', ...silent });
register({ topic: defineTopic({ topic: 't', handler: (msg) => { if ((msg.body as { n?: number }).n !== undefined) onefnSeen++; } }) }, silent);

async function listen(name: string): Promise<{ port: number; server: Server }> {
  const server = getTestServer(name) as Server;
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return { port: (server.address() as AddressInfo).port, server };
}

const agent = new Agent({ keepAlive: true, maxSockets: 1 });
interface Answer { status: number; body: string }
function send(port: number, method: string, path: string, headers: Record<string, string>, body?: string): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, method, path, headers: body ? { ...headers, 'content-length': Buffer.byteLength(body) } : headers, agent }, (res) => {
      let data = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (data += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: data }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

const servers = await Promise.all(['nativeGet', 'nativePost', 'nativeTopic', 'api', 'topic'].map(listen));
const [nGet, nPost, nTopic, api, topic] = servers.map((s) => s.port) as [number, number, number, number, number];

const expect = (status: number, body?: unknown) => (r: unknown): string | undefined => {
  const a = r as Answer;
  if (a.status !== status) return `status ${a.status}: ${a.body.slice(0, 120)}`;
  if (body === undefined) return a.body === '' ? undefined : `body ${a.body}`;
  return JSON.stringify(JSON.parse(a.body)) === JSON.stringify(body) ? undefined : `body ${a.body}`;
};

const json200 = { 'content-type': 'application/json' };
const postBody = '{"name":"Ada"}';
const message = JSON.stringify({ subscription: 'projects/p/subscriptions/s', message: { data: Buffer.from('{"n":1}').toString('base64'), messageId: 'm-1', publishTime: '2026-01-01T00:00:00Z', attributes: { a: 'b' } } });
const ceHeaders = { 'content-type': 'application/json', 'ce-specversion': '1.0', 'ce-id': 'm-1', 'ce-source': '//pubsub.googleapis.com/projects/p/topics/t', 'ce-type': 'google.cloud.pubsub.topic.v1.messagePublished', 'ce-time': '2026-01-01T00:00:00Z' };

const options = { batches: 20, iterations: 300, warmup: 1000 };
const ONEFN = 'onefn (@onefn/gcp)';
const out: string[] = [];
out.push(table('GCP HTTP GET (JSON answer), functions-framework server over loopback', await compare(
  { name: 'hand-written http() function', run: () => send(nGet, 'GET', '/hello?name=Ada', {}), check: expect(200, { message: 'Hello, Ada!' }) },
  [{ name: ONEFN, run: () => send(api, 'GET', '/hello?name=Ada', {}), check: expect(200, { message: 'Hello, Ada!' }) }] as BenchCase[],
  { targets: { [ONEFN]: 1.3 }, ...options },
)));
out.push(table('GCP HTTP POST (JSON body)', await compare(
  { name: 'hand-written http() function', run: () => send(nPost, 'POST', '/users', json200, postBody), check: expect(201, { name: 'Ada' }) },
  [{ name: ONEFN, run: () => send(api, 'POST', '/users', json200, postBody), check: expect(201, { name: 'Ada' }) }] as BenchCase[],
  { targets: { [ONEFN]: 1.3 }, ...options },
)));
const seenBefore = [nativeSeen, onefnSeen];
out.push(table('GCP Pub/Sub message (binary-mode CloudEvent from Eventarc)', await compare(
  { name: 'hand-written cloudEvent() function', run: () => send(nTopic, 'POST', '/', ceHeaders, message), check: expect(204) },
  [{ name: ONEFN, run: () => send(topic, 'POST', '/', ceHeaders, message), check: expect(204) }] as BenchCase[],
  { targets: { [ONEFN]: 1.3 }, ...options },
)));
if (nativeSeen === seenBefore[0] || onefnSeen === seenBefore[1]) throw new Error('a message handler never saw its message');

for (const { server } of servers) {
  server.closeAllConnections();
  server.close();
}
agent.destroy();
process.stdout.write(out.join('\n'));
