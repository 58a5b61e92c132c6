// A case process for Google Cloud Functions: functions-framework's own server (getTestServer) on
// 127.0.0.1 serving the function a bundled module registers, driven over HTTP from this process.
import { Agent, request, type Server } from 'node:http';
import { connect } from 'node:net';
import type { AddressInfo } from 'node:net';
// The framework's entry, loaded as the functions-framework binary has it before the function: the
// import timed below is the function's own.
import '@google-cloud/functions-framework';
import { http as registerHttp, type HttpFunction } from '@google-cloud/functions-framework';
import { getFunction, getTestServer } from '@google-cloud/functions-framework/testing';
import { checkHttp } from './check.js';
import { coldSample, serve, type Runner } from './loop.js';
import { nowMs, type Expectation, type HttpAnswer } from './protocol.js';

export interface GcpRequest {
  readonly method: string;
  readonly path: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body?: string;
}

export interface GcpSpec {
  readonly mode: 'serve' | 'cold';
  /** The bundled module that registers the function (the archive's index.js, or a native one). */
  readonly module: string;
  /** The registered function's name (`--target`). */
  readonly target: string;
  readonly request: GcpRequest;
  readonly expect: Expectation;
}

const spec = JSON.parse(process.argv[2] as string) as GcpSpec;
const verdict = (result: unknown): string | undefined => checkHttp(result as HttpAnswer, spec.expect);
const load = async (): Promise<void> => void (await import(`file://${spec.module}`));

async function listen(): Promise<Server> {
  const server = getTestServer(spec.target);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return server;
}

function stop(server: Server): Promise<void> {
  server.closeAllConnections();
  return new Promise((resolve) => server.close(() => resolve()));
}

const headersWithLength = (): Record<string, string | number> => (spec.request.body === undefined ? { ...spec.request.headers } : { ...spec.request.headers, 'content-length': Buffer.byteLength(spec.request.body) });

/** Steady state: one keep-alive connection, as a load balancer in front of the instance keeps. */
async function keepAliveRunner(): Promise<Runner> {
  const server = await listen();
  const port = (server.address() as AddressInfo).port;
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  const headers = headersWithLength();
  const run = (): Promise<HttpAnswer> =>
    new Promise((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port, method: spec.request.method, path: spec.request.path, headers, agent }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (body += chunk));
        res.on('end', () => {
          const setCookie = res.headers['set-cookie'];
          resolve({ status: res.statusCode ?? 0, body, headers: res.headers as Record<string, string | undefined>, setCookies: setCookie ?? [] });
        });
      });
      req.on('error', reject);
      req.end(spec.request.body);
    });
  return { run, verdict, close: async () => { agent.destroy(); await stop(server); } };
}

/** Parses a whole HTTP/1.1 response (read until the server closed the connection). */
function parseResponse(raw: Buffer): HttpAnswer {
  const text = raw.toString('latin1');
  const end = text.indexOf('\r\n\r\n');
  const [statusLine = '', ...lines] = text.slice(0, end).split('\r\n');
  const headers: Record<string, string> = {};
  const setCookies: string[] = [];
  for (const line of lines) {
    const colon = line.indexOf(':');
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    if (name === 'set-cookie') setCookies.push(value);
    else headers[name] = value;
  }
  let body = raw.subarray(Buffer.byteLength(text.slice(0, end + 4), 'latin1'));
  if (headers['transfer-encoding'] === 'chunked') {
    const parts: Buffer[] = [];
    for (let at = 0; ; ) {
      const eol = body.indexOf('\r\n', at);
      const size = parseInt(body.subarray(at, eol).toString('latin1'), 16);
      if (!size) break;
      parts.push(body.subarray(eol + 2, eol + 2 + size));
      at = eol + 2 + size + 2;
    }
    body = Buffer.concat(parts);
  }
  return { status: Number(statusLine.split(' ')[1]), body: body.toString('utf8'), headers, setCookies };
}

/**
 * The first request: the connection is open before the clock starts, and the request is written by
 * hand, so that the time is the server's and the function's, not this process's HTTP client warming up.
 */
async function firstRequestRunner(): Promise<Runner> {
  // The registered function, timed from the framework's call to its response finishing: the
  // function's own part of the first request (express and the framework's middleware are the rest).
  let fnMs: number | undefined;
  const fn = getFunction(spec.target) as HttpFunction | undefined;
  if (!fn) throw new Error(`no function ${spec.target} is registered`);
  registerHttp(spec.target, (req, res) => {
    const t = nowMs();
    res.once('finish', () => (fnMs ??= nowMs() - t));
    return fn(req, res);
  });
  const server = await listen();
  const port = (server.address() as AddressInfo).port;
  const socket = connect(port, '127.0.0.1');
  await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
  const head = [`${spec.request.method} ${spec.request.path} HTTP/1.1`, `host: 127.0.0.1:${port}`, 'connection: close'];
  for (const [k, v] of Object.entries(headersWithLength())) head.push(`${k}: ${v}`);
  const bytes = Buffer.from(`${head.join('\r\n')}\r\n\r\n${spec.request.body ?? ''}`, 'utf8');
  const run = (): Promise<HttpAnswer> =>
    new Promise((resolve, reject) => {
      const chunks: Buffer[] = [];
      socket.on('data', (c: Buffer) => chunks.push(c));
      socket.once('end', () => resolve(parseResponse(Buffer.concat(chunks))));
      socket.once('error', reject);
      socket.write(bytes);
    });
  return { run, verdict, fnMs: () => fnMs, close: async () => { socket.destroy(); await stop(server); } };
}

if (spec.mode === 'cold') await coldSample(load, firstRequestRunner, spec.expect);
else {
  await load();
  serve(await keepAliveRunner(), spec.expect);
}
