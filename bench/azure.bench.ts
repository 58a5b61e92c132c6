// @onefn/azure against a hand-written @azure/functions v4 handler. Both are registered with `app.*` and
// invoked through the same pipeline the Node worker runs (getArguments, invokeFunction, getResponse),
// with the same RPC input, so the ratio is onefn's own cost on top of the library's.
import azureFunctions from '@azure/functions';
import { azureHost, httpResult, rpcHttp, rpcQueueMessage, type HostInvocation } from '@onefn/azure/testing';
import { register } from '@onefn/azure';
import { defineHttp, defineQueue, json } from 'onefn';
import { compare, table, type BenchCase } from './harness.js';

const { app } = azureFunctions;
const host = azureHost();

// Hand-written v4 handlers.
app.http('nativeGet', { route: 'native/hello', methods: ['GET'], authLevel: 'anonymous', handler: async (req) => ({ jsonBody: { message: `Hello, ${req.query.get('name') ?? 'world'}!` } }) });
app.http('nativePost', {
  route: 'native/users', methods: ['POST'], authLevel: 'anonymous',
  handler: async (req) => {
    const body = (await req.json()) as { name?: unknown };
    if (typeof body?.name !== 'string') return { status: 400, jsonBody: { error: 'name' } };
    return { status: 201, jsonBody: { name: body.name } };
  },
});
let nativeSeen = 0;
app.storageQueue('nativeQueue', { queueName: 'native', connection: 'AzureWebJobsStorage', handler: async (message) => { if ((message as { n?: number }).n !== undefined) nativeSeen++; } });

// The same functions written once with onefn.
let onefnSeen = 0;
register({
  hello: defineHttp({ method: 'GET', route: '/hello', public: true, handler: (req) => json({ message: `Hello, ${req.query.name ?? 'world'}!` }) }),
  users: defineHttp({ method: 'POST', route: '/users', public: true, handler: (req) => { const body = req.body as { name?: unknown }; if (typeof body?.name !== 'string') return json({ error: 'name' }, { status: 400 }); return json({ name: body.name }, { status: 201 }); } }),
}, { routedName: 'api' });
register({ queue: defineQueue({ queue: 'onefn', handler: (msg) => { if ((msg.body as { n?: number }).n !== undefined) onefnSeen++; } }) });

const getNative = rpcHttp({ url: '/api/native/hello?name=Ada' });
const getOnefn = rpcHttp({ url: '/api/hello?name=Ada' });
const postBody = '{"name":"Ada"}';
const postNative = rpcHttp({ method: 'POST', url: '/api/native/users', headers: { 'content-type': 'application/json' }, body: postBody });
const postOnefn = rpcHttp({ method: 'POST', url: '/api/users', headers: { 'content-type': 'application/json' }, body: postBody });
const message = rpcQueueMessage({ body: { n: 1 }, id: 'm-1' });

const expectJson = (status: number, body: unknown) => (r: unknown): string | undefined => {
  try {
    const res = httpResult(r as HostInvocation);
    if (res.status !== status) return `status ${res.status}`;
    return JSON.stringify(res.json()) === JSON.stringify(body) ? undefined : `body ${res.text()}`;
  } catch (e) {
    return (e as Error).message;
  }
};
const expectOk = (r: unknown): string | undefined => ((r as HostInvocation).status === 'success' ? undefined : 'invocation failed');

const out: string[] = [];
const hello = { message: 'Hello, Ada!' };
out.push(table('Azure HTTP GET (JSON answer)', await compare(
  { name: 'hand-written v4 handler', run: () => host.invoke('nativeGet', getNative), check: expectJson(200, hello) },
  [{ name: 'onefn (@onefn/azure)', run: () => host.invoke('api', getOnefn), check: expectJson(200, hello) }] as BenchCase[],
  { targets: { 'onefn (@onefn/azure)': 1.3 }, batches: 30, iterations: 1000, warmup: 2000 },
)));
out.push(table('Azure HTTP POST (JSON body)', await compare(
  { name: 'hand-written v4 handler', run: () => host.invoke('nativePost', postNative), check: expectJson(201, { name: 'Ada' }) },
  [{ name: 'onefn (@onefn/azure)', run: () => host.invoke('api', postOnefn), check: expectJson(201, { name: 'Ada' }) }] as BenchCase[],
  { targets: { 'onefn (@onefn/azure)': 1.3 }, batches: 30, iterations: 1000, warmup: 2000 },
)));
out.push(table('Azure Storage queue message', await compare(
  { name: 'hand-written v4 handler', run: () => host.invoke('nativeQueue', message), check: expectOk },
  [{ name: 'onefn (@onefn/azure)', run: () => host.invoke('queue', message), check: expectOk }] as BenchCase[],
  { targets: { 'onefn (@onefn/azure)': 1.3 }, batches: 30, iterations: 1000, warmup: 2000 },
)));
if (!nativeSeen || !onefnSeen) throw new Error('queue handlers never ran');
process.stdout.write(out.join('\n'));
