/**
 * Loopback fakes for the data-plane calls the Google Cloud resource driver makes, answered to the real
 * clients: Pub/Sub's Publisher service over gRPC (insecure, as the client speaks to an emulator at
 * `apiEndpoint`), from the protos @google-cloud/pubsub ships; and the Cloud Storage JSON API over HTTP
 * (multipart upload, media download, metadata, delete, paged list). Every call is recorded.
 */
import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { CRC32C } from '@google-cloud/storage';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';

export interface GoogleCall {
  op: string;
  input: Record<string, unknown>;
}

const require = createRequire(import.meta.url);

/** The CRC32C (base64) the client checks an upload and a download against, computed with its own implementation. */
function crc32c(bytes: Buffer): string {
  const crc = new CRC32C();
  crc.update(bytes);
  return crc.toString();
}

type PublishRequest = { topic: string; messages: Array<{ data: Buffer; attributes: Record<string, string>; orderingKey: string }> };

export class FakePubSub {
  readonly calls: GoogleCall[] = [];
  /** Every message the Publisher accepted, with the id and publish time it answered (what a subscriber's delivery carries). */
  readonly published: Array<{ topic: string; messageId: string; publishTime: string; data: Buffer; attributes: Record<string, string>; orderingKey: string }> = [];
  /** gRPC statuses to answer the next Publish calls with. */
  readonly failures: Array<{ code: grpc.status; details: string }> = [];
  private server: grpc.Server | undefined;
  endpoint = '';
  private counter = 0;

  async start(): Promise<this> {
    const pubsubRoot = join(dirname(require.resolve('@google-cloud/pubsub/package.json')), 'build', 'protos');
    const gaxRoot = join(dirname(require.resolve('google-gax')), '..', 'protos');
    const definition = protoLoader.loadSync('google/pubsub/v1/pubsub.proto', { includeDirs: [pubsubRoot, gaxRoot], longs: String, defaults: true });
    const pkg = grpc.loadPackageDefinition(definition) as unknown as { google: { pubsub: { v1: { Publisher: { service: grpc.ServiceDefinition } } } } };
    this.server = new grpc.Server();
    this.server.addService(pkg.google.pubsub.v1.Publisher.service, {
      publish: (call: grpc.ServerUnaryCall<PublishRequest, unknown>, callback: grpc.sendUnaryData<unknown>) => {
        const { topic, messages } = call.request;
        this.calls.push({ op: 'Publish', input: { topic, messages: messages.map((m) => ({ data: Buffer.from(m.data).toString('utf8'), attributes: { ...m.attributes }, orderingKey: m.orderingKey })) } });
        const failure = this.failures.shift();
        if (failure) return callback({ code: failure.code, details: failure.details });
        const messageIds = messages.map(() => `ps-${++this.counter}`);
        const publishTime = new Date().toISOString();
        messages.forEach((m, i) => this.published.push({ topic, messageId: messageIds[i] as string, publishTime, data: Buffer.from(m.data), attributes: { ...m.attributes }, orderingKey: m.orderingKey }));
        callback(null, { messageIds });
      },
    });
    const port = await new Promise<number>((resolve, reject) => this.server!.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (e, p) => (e ? reject(e) : resolve(p))));
    this.endpoint = `127.0.0.1:${port}`;
    return this;
  }

  async stop(): Promise<void> {
    this.server?.forceShutdown();
  }
}

interface Obj {
  bytes: Buffer;
  contentType: string;
  generation: number;
}

export class FakeGcs {
  readonly calls: GoogleCall[] = [];
  readonly objects = new Map<string, Obj>();
  readonly failures = new Map<string, Array<[number, string]>>();
  pageSize = 1000;
  private server: Server | undefined;
  endpoint = '';
  private generation = 0;

  async start(): Promise<this> {
    this.server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.endpoint = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  failNext(op: string, status: number, message: string): void {
    const list = this.failures.get(op) ?? [];
    list.push([status, message]);
    this.failures.set(op, list);
  }

  private resource(bucket: string, name: string, o: Obj): Record<string, unknown> {
    return {
      kind: 'storage#object', id: `${bucket}/${name}/${o.generation}`, name, bucket, generation: String(o.generation), contentType: o.contentType,
      size: String(o.bytes.byteLength), md5Hash: createHash('md5').update(o.bytes).digest('base64'), crc32c: crc32c(o.bytes), etag: `CK${o.generation}EAE=`, updated: '2026-01-02T03:04:05.000Z',
    };
  }

  private json(res: ServerResponse, status: number, body: unknown): void {
    res.writeHead(status, { 'content-type': 'application/json; charset=UTF-8' }).end(JSON.stringify(body));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks);
    const url = new URL(req.url ?? '/', 'http://x');
    const method = req.method ?? 'GET';
    let match: RegExpExecArray | null;
    let op = `${method} ${url.pathname}`;
    let input: Record<string, unknown> = {};
    let answer: () => void = () => this.json(res, 404, { error: { code: 404, message: `no fake for ${method} ${url.pathname}` } });
    if (method === 'POST' && (match = /^\/upload\/storage\/v1\/b\/([^/]+)\/o$/.exec(url.pathname))) {
      const bucket = decodeURIComponent(match[1] as string);
      const boundary = /boundary="?([^";]+)"?/.exec(String(req.headers['content-type']))?.[1] ?? '';
      const parts = body.toString('latin1').split(`--${boundary}`).slice(1, -1);
      const [metaPart, mediaPart] = parts.map((p) => {
        const split = p.indexOf('\r\n\r\n');
        return { head: p.slice(0, split), content: Buffer.from(p.slice(split + 4, p.length - 2), 'latin1') };
      });
      const meta = JSON.parse(metaPart?.content.toString('utf8') || '{}') as { name?: string; contentType?: string };
      const name = meta.name ?? url.searchParams.get('name') ?? '';
      const contentType = meta.contentType ?? /content-type:\s*([^\r\n]+)/i.exec(mediaPart?.head ?? '')?.[1] ?? 'application/octet-stream';
      op = 'objects.insert';
      input = { bucket, name, contentType, uploadType: url.searchParams.get('uploadType'), data: mediaPart?.content.toString('utf8') };
      answer = () => {
        const o = { bytes: mediaPart?.content ?? Buffer.alloc(0), contentType, generation: ++this.generation };
        this.objects.set(`${bucket}/${name}`, o);
        this.json(res, 200, this.resource(bucket, name, o));
      };
    } else if ((match = /^\/storage\/v1\/b\/([^/]+)\/o\/(.+)$/.exec(url.pathname))) {
      const bucket = decodeURIComponent(match[1] as string);
      const name = decodeURIComponent(match[2] as string);
      const media = url.searchParams.get('alt') === 'media';
      op = method === 'DELETE' ? 'objects.delete' : media ? 'objects.get(media)' : 'objects.get';
      input = { bucket, name };
      answer = () => {
        const o = this.objects.get(`${bucket}/${name}`);
        if (!o) return this.json(res, 404, { error: { code: 404, message: `No such object: ${bucket}/${name}`, errors: [{ reason: 'notFound', message: 'Not Found' }] } });
        if (method === 'DELETE') {
          this.objects.delete(`${bucket}/${name}`);
          res.writeHead(204).end();
        } else if (media) {
          res.writeHead(200, { 'content-type': o.contentType, 'content-length': o.bytes.byteLength, 'x-goog-hash': `crc32c=${crc32c(o.bytes)},md5=${createHash('md5').update(o.bytes).digest('base64')}` }).end(o.bytes);
        } else this.json(res, 200, this.resource(bucket, name, o));
      };
    } else if (method === 'GET' && (match = /^\/storage\/v1\/b\/([^/]+)\/o$/.exec(url.pathname))) {
      const bucket = decodeURIComponent(match[1] as string);
      const prefix = url.searchParams.get('prefix') ?? '';
      const after = url.searchParams.get('pageToken') ?? '';
      op = 'objects.list';
      input = { bucket, prefix, pageToken: url.searchParams.get('pageToken') ?? undefined };
      answer = () => {
        const names = [...this.objects.keys()].filter((k) => k.startsWith(`${bucket}/`)).map((k) => k.slice(bucket.length + 1)).filter((k) => k.startsWith(prefix) && k > after).sort();
        const page = names.slice(0, this.pageSize);
        this.json(res, 200, {
          kind: 'storage#objects',
          items: page.map((n) => this.resource(bucket, n, this.objects.get(`${bucket}/${n}`) as Obj)),
          ...(names.length > page.length ? { nextPageToken: page[page.length - 1] } : {}),
        });
      };
    }
    this.calls.push({ op, input });
    const failure = this.failures.get(op)?.shift();
    if (failure) return this.json(res, failure[0], { error: { code: failure[0], message: failure[1], errors: [{ reason: 'forbidden', message: failure[1] }] } });
    answer();
  }
}
