/**
 * A built zip under AWS's own runtime interface client (aws-lambda-ric, native), driven by a Lambda
 * Runtime API played on 127.0.0.1. This is how Lambda itself loads and calls `index.handler`.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { unzipSync } from 'fflate';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { planFunctions } from 'onefn/runtime';
import { buildFunction, type HttpEvents } from '@onefn/aws/deploy';
import { albEvent, functionUrlEvent, httpApiEvent, restApiEvent, sqsEvent } from '@onefn/aws/testing';
import * as app from './app/index.js';
import * as streamApp from './app/stream.js';
import * as guardedApp from './app/guarded.js';
import { expectedCsv } from '../../../examples/stream/index.js';

const ENTRY = fileURLToPath(new URL('./app/index.ts', import.meta.url));
const STREAM_ENTRY = fileURLToPath(new URL('./app/stream.ts', import.meta.url));
const GUARDED_ENTRY = fileURLToPath(new URL('./app/guarded.ts', import.meta.url));
const RIC = fileURLToPath(new URL('../../../node_modules/aws-lambda-ric/bin/index.mjs', import.meta.url));

interface Outcome {
  kind: 'response' | 'error';
  body: unknown;
  errorType?: string | undefined;
  /** When the runtime posted it (ms since the epoch). */
  at: number;
  /** For a response posted in the streaming mode: its content type, its chunks as they came, its trailers. */
  stream?: { contentType: string | undefined; chunks: Buffer[]; trailers: Record<string, string | undefined> };
}

/** The Runtime API: hands out queued invocations on /next and records what the runtime posts back. */
class RuntimeApi {
  private readonly queue: Array<{ id: string; event: unknown; deadline: number }> = [];
  private waiting: ServerResponse | undefined;
  private readonly pending = new Map<string, (o: Outcome) => void>();
  readonly initErrors: unknown[] = [];
  private server: Server | undefined;
  private seq = 0;

  async start(): Promise<string> {
    this.server = createServer((req, res) => void this.route(req, res));
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    return `127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /** Queues an invocation; `deadline` is what Lambda-Runtime-Deadline-Ms says (default: 30 s from now). */
  invoke(event: unknown, deadline = Date.now() + 30_000): Promise<Outcome> {
    const id = `inv-${++this.seq}`;
    const done = new Promise<Outcome>((resolve) => this.pending.set(id, resolve));
    this.queue.push({ id, event, deadline });
    this.flush();
    return done;
  }

  private flush(): void {
    const next = this.queue[0];
    const res = this.waiting;
    if (!next || !res) return;
    this.queue.shift();
    this.waiting = undefined;
    res.writeHead(200, {
      'content-type': 'application/json',
      'lambda-runtime-aws-request-id': next.id,
      'lambda-runtime-deadline-ms': String(next.deadline),
      'lambda-runtime-invoked-function-arn': 'arn:aws:lambda:us-east-1:123456789012:function:onefn-test',
      'lambda-runtime-trace-id': 'Root=1-5bef4de7-ad49b0e87f6ef6c87fc2e700;Parent=9a9197af755a6419;Sampled=1',
    });
    res.end(JSON.stringify(next.event));
  }

  private async route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url0 = req.url ?? '';
    const streamed = /^\/2018-06-01\/runtime\/invocation\/([^/]+)\/response$/.exec(url0);
    // A streaming handler's answer (aws-lambda-ric's ResponseStream): a chunked POST in the streaming
    // response mode, whose error, if any, comes in trailers once the body has ended.
    if (req.method === 'POST' && streamed && req.headers['lambda-runtime-function-response-mode'] === 'streaming') {
      const chunks: Buffer[] = [];
      for await (const chunk of req) chunks.push(chunk as Buffer);
      const trailers = { ...req.trailers };
      const id = decodeURIComponent(streamed[1]!);
      const resolve = this.pending.get(id);
      this.pending.delete(id);
      const contentType = req.headers['content-type'];
      resolve?.({ kind: 'response', body: Buffer.concat(chunks), errorType: trailers['lambda-runtime-function-error-type'], at: Date.now(), stream: { contentType, chunks, trailers } });
      res.writeHead(202).end('{"status":"OK"}');
      return;
    }
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const text = Buffer.concat(chunks).toString('utf8');
    const url = req.url ?? '';
    if (req.method === 'GET' && url === '/2018-06-01/runtime/invocation/next') {
      this.waiting = res;
      this.flush();
      return;
    }
    const match = /^\/2018-06-01\/runtime\/invocation\/([^/]+)\/(response|error)$/.exec(url);
    if (req.method === 'POST' && match) {
      const resolve = this.pending.get(decodeURIComponent(match[1]!));
      this.pending.delete(decodeURIComponent(match[1]!));
      resolve?.({ kind: match[2] as 'response' | 'error', body: text ? JSON.parse(text) : undefined, errorType: req.headers['lambda-runtime-function-error-type'] as string | undefined, at: Date.now() });
      res.writeHead(202).end('{"status":"OK"}');
      return;
    }
    if (req.method === 'POST' && url === '/2018-06-01/runtime/init/error') {
      this.initErrors.push(text);
      res.writeHead(202).end('{"status":"OK"}');
      return;
    }
    res.writeHead(404).end();
  }

  async stop(): Promise<void> {
    this.waiting?.destroy();
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}

/** Builds the named function, unzips it into a task root, and starts the RIC on it. */
/** The child's first log line holding `text`: the pipe may deliver it after the Runtime API has the answer. */
function logLine(logs: readonly string[], text: string): Promise<string> {
  return vi.waitFor(() => {
    const found = logs.join('').split('\n').find((l) => l.includes(text));
    if (!found) throw new Error(`no log line with ${text} yet`);
    return found;
  }, { timeout: 5_000 });
}

async function startFunction(name: string, api: string, dirs: string[], logs: string[], httpEvents?: HttpEvents, module: Record<string, unknown> = app, entry = ENTRY): Promise<ChildProcess> {
  const plan = planFunctions(module).find((p) => p.name === name);
  if (!plan) throw new Error(`no plan ${name}`);
  const artifact = await buildFunction({ entry, plan, runtime: 'nodejs20.x', httpEvents });
  const root = mkdtempSync(join(tmpdir(), `onefn-aws-${name}-`));
  dirs.push(root);
  for (const [path, data] of Object.entries(unzipSync(artifact.zip))) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), data);
  }
  const child = spawn(process.execPath, [RIC, 'index.handler'], {
    cwd: root,
    env: {
      PATH: process.env['PATH'],
      AWS_LAMBDA_RUNTIME_API: api,
      LAMBDA_TASK_ROOT: root,
      _HANDLER: 'index.handler',
      AWS_LAMBDA_FUNCTION_NAME: name,
      AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
      AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '128',
      AWS_LAMBDA_LOG_GROUP_NAME: `/aws/lambda/${name}`,
      AWS_LAMBDA_LOG_STREAM_NAME: 'test',
      AWS_REGION: 'us-east-1',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.on('data', (d: Buffer) => logs.push(d.toString()));
  child.stderr?.on('data', (d: Buffer) => logs.push(d.toString()));
  return child;
}

describe('a built zip under aws-lambda-ric', () => {
  // One Runtime API per function: each runtime polls its own /next, as on Lambda.
  const api = new RuntimeApi();
  const sqsApi = new RuntimeApi();
  const allApi = new RuntimeApi();
  const hangApi = new RuntimeApi();
  const hangSqsApi = new RuntimeApi();
  const streamApi = new RuntimeApi();
  const guardedApi = new RuntimeApi();
  const dirs: string[] = [];
  const children: ChildProcess[] = [];
  const logs: string[] = [];
  let address = '';
  let sqsAddress = '';
  let allAddress = '';
  let hangAddress = '';
  let hangSqsAddress = '';
  let streamAddress = '';
  let guardedAddress = '';

  beforeAll(async () => {
    address = await api.start();
    sqsAddress = await sqsApi.start();
    allAddress = await allApi.start();
    hangAddress = await hangApi.start();
    hangSqsAddress = await hangSqsApi.start();
    streamAddress = await streamApi.start();
    guardedAddress = await guardedApi.start();
  });

  afterAll(async () => {
    await Promise.all(
      children.map((child) => {
        if (child.exitCode !== null || child.signalCode !== null) return undefined;
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGKILL');
        return exited;
      }),
    );
    await api.stop();
    await sqsApi.stop();
    await allApi.stop();
    await hangApi.stop();
    await hangSqsApi.stop();
    await streamApi.stop();
    await guardedApi.stop();
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  it('answers an HTTP API v2 event, then reports a malformed event as an invocation error', async () => {
    children.push(await startFunction('http', address, dirs, logs));
    const event = httpApiEvent({ method: 'POST', path: '/hello/Ada', json: { n: 1 } });
    const ok = await api.invoke(event);
    expect(ok.kind).toBe('response');
    const result = ok.body as { statusCode: number; headers: Record<string, string>; cookies: string[]; body: string; isBase64Encoded: boolean };
    expect(result.statusCode).toBe(201);
    expect(result.headers).toEqual({ 'content-type': 'application/json', 'x-powered-by': 'onefn' });
    expect(result.cookies).toEqual(['seen=1', 'theme=dark']);
    expect(result.isBase64Encoded).toBe(false);
    expect(JSON.parse(result.body)).toEqual({ message: 'Hello, Ada!', body: { n: 1 }, requestId: 'inv-1', functionName: 'http' });
    // The logger's line reached stdout in Lambda's JSON shape.
    const line = await logLine(logs, '"greeting"');
    expect(JSON.parse(line ?? '{}')).toMatchObject({ level: 'INFO', requestId: 'inv-1', message: 'greeting', name: 'Ada' });

    const unknown = await api.invoke({ hello: 'world' });
    expect(unknown.kind).toBe('error');
    expect((unknown.body as { errorType: string }).errorType).toBe('UnsupportedEventError');
    expect((unknown.body as { errorMessage: string }).errorMessage).toBe(
      'Unsupported event: received an unknown event with keys hello, this function serves HTTP API (payload 2.0) and Function URL requests (--http-events all adds REST APIs and ALB)',
    );
    // Built for what its Function URL sends (the default): a REST API event is named and refused.
    const rest = await api.invoke(restApiEvent({ path: '/health' }));
    expect(rest.kind).toBe('error');
    expect((rest.body as { errorMessage: string }).errorMessage).toMatch(/^Unsupported event: received an API Gateway REST API \(v1\) request, .*--http-events all/);
    const malformed = await api.invoke({ ...event, rawPath: 42 });
    expect(malformed.kind).toBe('error');
    expect((malformed.body as { errorType: string }).errorType).toBe('MalformedEventError');
    expect((malformed.body as { errorMessage: string }).errorMessage).toBe('Malformed event: rawPath must be a string');

    // Still serving after the errors.
    const again = await api.invoke(httpApiEvent({ path: '/health' }));
    expect(JSON.parse((again.body as { body: string }).body)).toEqual({ ok: true });
    expect(api.initErrors).toEqual([]);
  });

  it('keeps CORS and request validation in a function whose definition sets them', async () => {
    children.push(await startFunction('profile', guardedAddress, dirs, logs, undefined, guardedApp, GUARDED_ENTRY));
    type V2 = { statusCode: number; headers: Record<string, string>; body: string };
    const origin = 'https://app.example';
    const preflight = (await guardedApi.invoke(httpApiEvent({ method: 'OPTIONS', path: '/profile', headers: { origin, 'access-control-request-method': 'PUT' } }))).body as V2;
    expect(preflight.statusCode).toBe(204);
    expect(preflight.headers).toMatchObject({ 'access-control-allow-origin': origin, 'access-control-max-age': '600', vary: 'Origin' });
    const refused = (await guardedApi.invoke(httpApiEvent({ method: 'PUT', path: '/profile', headers: { origin }, json: { name: '' } }))).body as V2;
    expect(refused.statusCode).toBe(400);
    expect(refused.headers['access-control-allow-origin']).toBe(origin);
    expect(JSON.parse(refused.body)).toMatchObject({ code: 'VALIDATION_FAILED', issues: [{ location: 'body', path: ['name'] }] });
    const saved = (await guardedApi.invoke(httpApiEvent({ method: 'PUT', path: '/profile', headers: { origin }, json: { name: 'Ada' } }))).body as V2;
    expect(saved.statusCode).toBe(200);
    expect(saved.headers['access-control-allow-origin']).toBe(origin);
    expect(JSON.parse(saved.body)).toEqual({ saved: 'Ada' });
  });

  it('built with httpEvents "all", answers REST API and ALB events as well as payload 2.0', async () => {
    children.push(await startFunction('http', allAddress, dirs, logs, 'all'));
    const rest = await allApi.invoke(restApiEvent({ path: '/health' }));
    expect(rest).toMatchObject({ kind: 'response', body: { statusCode: 200, multiValueHeaders: {} } });
    expect(JSON.parse((rest.body as { body: string }).body)).toEqual({ ok: true });
    const alb = await allApi.invoke(albEvent({ path: '/health' }));
    expect(alb).toMatchObject({ kind: 'response', body: { statusCode: 200, statusDescription: '200 OK' } });
    const v2 = await allApi.invoke(httpApiEvent({ path: '/health' }));
    expect(JSON.parse((v2.body as { body: string }).body)).toEqual({ ok: true });
  });

  it('answers an SQS batch with exactly the failed message in batchItemFailures', async () => {
    children.push(await startFunction('orders', sqsAddress, dirs, logs));
    const event = sqsEvent([{ id: 'm-1', body: { n: 1 } }, { id: 'm-2', body: { fail: true } }, { id: 'm-3', body: { n: 3 } }], { queue: 'orders' });
    const outcome = await sqsApi.invoke(event);
    expect(outcome).toMatchObject({ kind: 'response', body: { batchItemFailures: [{ itemIdentifier: 'm-2' }] } });
  });

  // A 2 s function timeout, given as Lambda gives it (the deadline header): a hung handler is answered
  // for on its own before the deadline, rather than Lambda killing it and retrying the whole batch.
  it('answers a hung HTTP handler with a 504 before a short deadline', async () => {
    children.push(await startFunction('http', hangAddress, dirs, logs));
    const deadline = Date.now() + 2_000;
    const outcome = await hangApi.invoke(httpApiEvent({ path: '/hang' }), deadline);
    expect(outcome).toMatchObject({ kind: 'response', body: { statusCode: 504, headers: { 'content-type': 'application/problem+json' } } });
    expect(JSON.parse((outcome.body as { body: string }).body)).toMatchObject({ status: 504, code: 'DEADLINE_EXCEEDED' });
    expect(outcome.at).toBeLessThan(deadline);
    expect(outcome.at).toBeGreaterThanOrEqual(deadline - 200);
    // The runtime still serves the next invocation.
    const next = await hangApi.invoke(httpApiEvent({ path: '/health' }));
    expect(JSON.parse((next.body as { body: string }).body)).toEqual({ ok: true });
  });

  it('answers an SQS batch with a hung message before a short deadline, listing exactly the unfinished message', async () => {
    children.push(await startFunction('orders', hangSqsAddress, dirs, logs));
    const deadline = Date.now() + 2_000;
    const event = sqsEvent([{ id: 'd-1', body: { n: 1 } }, { id: 'd-2', body: { n: 2 } }, { id: 'd-3', body: { hang: true } }], { queue: 'orders' });
    const outcome = await hangSqsApi.invoke(event, deadline);
    expect(outcome).toEqual({ kind: 'response', body: { batchItemFailures: [{ itemIdentifier: 'd-3' }] }, errorType: undefined, at: outcome.at });
    expect(outcome.at).toBeLessThan(deadline);
    const line = await logLine(logs, 'Event handler did not finish before the deadline');
    expect(JSON.parse(line ?? '{}')).toMatchObject({ level: 'ERROR', unfinished: ['d-3'] });
    expect(hangSqsApi.initErrors).toEqual([]);
  });

  describe('a streaming function (stream: true), built and run as a Function URL in RESPONSE_STREAM mode invokes it', () => {
    /** The prelude, and the body after its 8 NUL bytes, of a streamed HTTP integration response. */
    function split(outcome: Outcome): { prelude: { statusCode: number; headers: Record<string, string>; cookies: string[] }; body: string } {
      const all = outcome.body as Buffer;
      const nul = all.indexOf(0);
      expect(nul).toBeGreaterThan(0);
      expect([...all.subarray(nul, nul + 8)]).toEqual([0, 0, 0, 0, 0, 0, 0, 0]);
      return { prelude: JSON.parse(all.subarray(0, nul).toString('utf8')), body: all.subarray(nul + 8).toString('utf8') };
    }

    beforeAll(async () => {
      children.push(await startFunction('http', streamAddress, dirs, logs, undefined, streamApp, STREAM_ENTRY));
    });

    it('streams the SSE clock: the prelude from the response, then the events in order, one write each', async () => {
      const outcome = await streamApi.invoke(functionUrlEvent({ path: '/clock?count=3&interval=100' }));
      expect(outcome.stream?.contentType).toBe('application/vnd.awslambda.http-integration-response');
      expect(outcome.stream?.trailers['lambda-runtime-function-error-type']).toBeUndefined();
      const { prelude, body } = split(outcome);
      expect(prelude).toEqual({ statusCode: 200, headers: { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache' }, cookies: [] });
      expect([...body.matchAll(/^id: (\d+)$/gm)].map((m) => m[1])).toEqual(['0', '1', '2']);
      // 100 ms apart, the events reached the Runtime API in separate reads, in order: streamed, not
      // buffered (a busy machine may still join two reads, never all three).
      const eventChunks = outcome.stream!.chunks.map((c) => c.toString('utf8')).filter((c) => c.includes('event: tick'));
      expect(eventChunks.length).toBeGreaterThan(1);
      expect(eventChunks.flatMap((c) => [...c.matchAll(/^id: (\d+)$/gm)].map((m) => m[1]))).toEqual(['0', '1', '2']);
    });

    it('streams a 20,000-row CSV export whole', async () => {
      const outcome = await streamApi.invoke(functionUrlEvent({ path: '/export.csv?rows=20000' }));
      const { prelude, body } = split(outcome);
      expect(prelude.headers['content-type']).toBe('text/csv; charset=utf-8');
      expect(body).toBe(expectedCsv(20000));
      expect(outcome.stream!.chunks.length).toBeGreaterThan(1);
    });

    it('answers a bad query before any chunk with a problem in the prelude', async () => {
      const { prelude, body } = split(await streamApi.invoke(functionUrlEvent({ path: '/export.csv?rows=x' })));
      expect(prelude.statusCode).toBe(400);
      expect(JSON.parse(body)).toMatchObject({ code: 'INVALID_QUERY' });
    });

    it('reports an error after the first chunk in the error trailers, generic, and logs the real one', async () => {
      const outcome = await streamApi.invoke(functionUrlEvent({ path: '/late' }));
      const { prelude, body } = split(outcome);
      expect(prelude.statusCode).toBe(200);
      expect(body).toBe('row 1\n');
      const trailers = outcome.stream!.trailers;
      expect(trailers['lambda-runtime-function-error-type']).toBe('StreamError');
      const reported = JSON.parse(Buffer.from(trailers['lambda-runtime-function-error-body'] ?? '', 'base64').toString('utf8')) as { errorType: string; errorMessage: string };
      expect(reported).toMatchObject({ errorType: 'StreamError', errorMessage: 'The response stream failed after it started; see the function logs' });
      expect(JSON.stringify(reported)).not.toContain('hunter2');
      const line = await logLine(logs, 'Response stream failed after its first chunk');
      expect(JSON.parse(line)).toMatchObject({ level: 'ERROR', functionName: 'http' });
      // Still serving.
      const next = await streamApi.invoke(functionUrlEvent({ path: '/clock?count=1&interval=10' }));
      expect(split(next).body).toContain('id: 0');
    });

    it('refuses an event a Function URL does not send, in the trailers', async () => {
      const outcome = await streamApi.invoke(sqsEvent([{ id: 'm-1', body: {} }], { queue: 'orders' }));
      expect(outcome.stream?.trailers['lambda-runtime-function-error-type']).toBe('UnsupportedEventError');
      expect(streamApi.initErrors).toEqual([]);
    });
  });
});
