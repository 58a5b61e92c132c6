/**
 * A loopback server playing the data-plane calls the AWS resource driver makes: SQS SendMessage and
 * SendMessageBatch (JSON 1.0, answering the MD5 of each body, which the SDK checks), SNS Publish
 * (query protocol, XML) and S3 Put/Get/Head/Delete/ListObjectsV2 (REST-XML, path style). It records
 * every call with its decoded input, so tests assert the exact calls the real SDK clients made.
 */
import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { escapeXml } from './fake-xml.js';

export interface DataCall {
  op: string;
  input: Record<string, unknown>;
}

const md5 = (text: string | Buffer): string => createHash('md5').update(text).digest('hex');

interface Stored {
  body: Buffer;
  contentType: string;
  etag: string;
  modified: Date;
}

/**
 * The message attributes of a Publish call, from its query form (`MessageAttributes.entry.N.Name`,
 * `.Value.DataType`, `.Value.StringValue`), as a record without a prototype.
 */
function snsAttributes(form: Record<string, string>): Record<string, string> {
  const out = Object.create(null) as Record<string, string>;
  for (let n = 1; form[`MessageAttributes.entry.${n}.Name`] !== undefined; n++) {
    out[form[`MessageAttributes.entry.${n}.Name`] as string] = form[`MessageAttributes.entry.${n}.Value.StringValue`] ?? '';
  }
  return out;
}

export class FakeDataPlane {
  readonly calls: DataCall[] = [];
  /** Every message SQS accepted, with the id it answered (what a consumer's event record carries). */
  readonly queued: Array<{ queueUrl: string; messageId: string; body: string; attributes: Record<string, unknown> }> = [];
  /** Every notification SNS accepted, with the id it answered. */
  readonly published: Array<{ topicArn: string; messageId: string; message: string; subject: string | undefined; attributes: Record<string, string> }> = [];
  readonly objects = new Map<string, Stored>();
  /** Operation -> [status, code, message] to answer with, once. */
  readonly failures = new Map<string, Array<[number, string, string]>>();
  /** SQS batch entry ids to answer as failed. */
  readonly failEntries = new Set<string>();
  /** Objects per ListObjectsV2 page. */
  pageSize = 1000;
  private server: Server | undefined;
  endpoint = '';
  private counter = 0;

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

  ops(): string[] {
    return this.calls.map((c) => c.op);
  }

  failNext(op: string, status: number, code: string, message: string): void {
    const list = this.failures.get(op) ?? [];
    list.push([status, code, message]);
    this.failures.set(op, list);
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const raw = Buffer.concat(chunks);
    const service = /Credential=[^/]+\/\d{8}\/[^/]+\/([^/]+)\//.exec(String(req.headers['authorization'] ?? ''))?.[1] ?? '';
    const url = new URL(req.url ?? '/', 'http://x');
    if (service === 'sqs') return this.sqs(String(req.headers['x-amz-target'] ?? '').split('.')[1] ?? '', JSON.parse(raw.toString('utf8')) as Record<string, unknown>, res);
    if (service === 'sns') return this.sns(Object.fromEntries(new URLSearchParams(raw.toString('utf8'))), res);
    if (service === 's3') return this.s3(req, url, raw, res);
    res.writeHead(400).end('unknown service');
  }

  private failure(op: string): [number, string, string] | undefined {
    return this.failures.get(op)?.shift();
  }

  private sqs(op: string, input: Record<string, unknown>, res: ServerResponse): void {
    this.calls.push({ op, input });
    const failed = this.failure(op);
    if (failed) {
      res.writeHead(failed[0], { 'content-type': 'application/x-amz-json-1.0', 'x-amzn-query-error': `${failed[1]};Sender` });
      res.end(JSON.stringify({ __type: `com.amazonaws.sqs#${failed[1]}`, message: failed[2] }));
      return;
    }
    let body: unknown;
    if (op === 'SendMessage') {
      body = { MessageId: `sqs-${++this.counter}`, MD5OfMessageBody: md5(String(input['MessageBody'])) };
      this.queued.push({ queueUrl: String(input['QueueUrl']), messageId: `sqs-${this.counter}`, body: String(input['MessageBody']), attributes: (input['MessageAttributes'] ?? {}) as Record<string, unknown> });
    }
    else if (op === 'SendMessageBatch') {
      const entries = input['Entries'] as Array<{ Id: string; MessageBody: string }>;
      body = {
        Successful: entries.filter((e) => !this.failEntries.has(e.Id)).map((e) => {
          this.queued.push({ queueUrl: String(input['QueueUrl']), messageId: `sqs-${++this.counter}`, body: e.MessageBody, attributes: {} });
          return { Id: e.Id, MessageId: `sqs-${this.counter}`, MD5OfMessageBody: md5(e.MessageBody) };
        }),
        Failed: entries.filter((e) => this.failEntries.has(e.Id)).map((e) => ({ Id: e.Id, Code: 'InvalidParameterValue', Message: 'refused entry', SenderFault: true })),
      };
    } else {
      res.writeHead(400, { 'content-type': 'application/x-amz-json-1.0' }).end(JSON.stringify({ __type: 'com.amazonaws.sqs#InvalidAction', message: op }));
      return;
    }
    res.writeHead(200, { 'content-type': 'application/x-amz-json-1.0' }).end(JSON.stringify(body));
  }

  private sns(form: Record<string, string>, res: ServerResponse): void {
    const { Action = '', Version: _version, ...input } = form;
    this.calls.push({ op: Action, input });
    const failed = this.failure(Action);
    if (failed) {
      res.writeHead(failed[0], { 'content-type': 'text/xml' });
      res.end(`<ErrorResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/"><Error><Type>Sender</Type><Code>${failed[1]}</Code><Message>${escapeXml(failed[2])}</Message></Error><RequestId>r</RequestId></ErrorResponse>`);
      return;
    }
    this.published.push({ topicArn: input['TopicArn'] ?? '', messageId: `sns-${this.counter + 1}`, message: input['Message'] ?? '', subject: input['Subject'], attributes: snsAttributes(input) });
    res.writeHead(200, { 'content-type': 'text/xml' });
    res.end(`<PublishResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/"><PublishResult><MessageId>sns-${++this.counter}</MessageId></PublishResult><ResponseMetadata><RequestId>r</RequestId></ResponseMetadata></PublishResponse>`);
  }

  private s3Error(res: ServerResponse, status: number, code: string, message: string, head: boolean): void {
    res.writeHead(status, { 'content-type': 'application/xml' });
    res.end(head ? undefined : `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${escapeXml(message)}</Message><RequestId>r</RequestId></Error>`);
  }

  private s3(req: IncomingMessage, url: URL, body: Buffer, res: ServerResponse): void {
    const [, bucket = '', ...rest] = url.pathname.split('/');
    const key = rest.map(decodeURIComponent).join('/');
    const method = req.method ?? 'GET';
    const op = method === 'PUT' ? 'PutObject' : method === 'DELETE' ? 'DeleteObject' : method === 'HEAD' ? 'HeadObject' : key ? 'GetObject' : 'ListObjectsV2';
    const input: Record<string, unknown> = { Bucket: decodeURIComponent(bucket) };
    if (key) input['Key'] = key;
    if (op === 'PutObject') Object.assign(input, { ContentType: req.headers['content-type'], Body: body.toString('utf8') });
    if (op === 'ListObjectsV2') for (const [k, v] of url.searchParams) input[k] = v;
    this.calls.push({ op, input });
    const failed = this.failure(op);
    if (failed) return this.s3Error(res, failed[0], failed[1], failed[2], method === 'HEAD');
    const id = `${decodeURIComponent(bucket)}/${key}`;
    if (op === 'PutObject') {
      const etag = `"${md5(body)}"`;
      this.objects.set(id, { body, contentType: String(req.headers['content-type'] ?? 'binary/octet-stream'), etag, modified: new Date('2026-01-02T03:04:05Z') });
      res.writeHead(200, { etag }).end();
      return;
    }
    if (op === 'DeleteObject') {
      this.objects.delete(id);
      res.writeHead(204).end();
      return;
    }
    if (op === 'ListObjectsV2') {
      const prefix = url.searchParams.get('prefix') ?? '';
      const after = url.searchParams.get('continuation-token') ?? '';
      const keys = [...this.objects.keys()].filter((k) => k.startsWith(`${input['Bucket']}/`)).map((k) => k.slice(String(input['Bucket']).length + 1)).filter((k) => k.startsWith(prefix) && k > after).sort();
      const page = keys.slice(0, this.pageSize);
      const truncated = keys.length > page.length;
      const contents = page.map((k) => {
        const o = this.objects.get(`${input['Bucket']}/${k}`) as Stored;
        return `<Contents><Key>${escapeXml(k)}</Key><LastModified>${o.modified.toISOString()}</LastModified><ETag>${escapeXml(o.etag)}</ETag><Size>${o.body.byteLength}</Size><StorageClass>STANDARD</StorageClass></Contents>`;
      });
      res.writeHead(200, { 'content-type': 'application/xml' });
      res.end(`<?xml version="1.0" encoding="UTF-8"?>\n<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Name>${escapeXml(String(input['Bucket']))}</Name><Prefix>${escapeXml(prefix)}</Prefix><KeyCount>${page.length}</KeyCount><MaxKeys>1000</MaxKeys><IsTruncated>${truncated}</IsTruncated>${contents.join('')}${truncated ? `<NextContinuationToken>${escapeXml(page[page.length - 1] as string)}</NextContinuationToken>` : ''}</ListBucketResult>`);
      return;
    }
    const stored = this.objects.get(id);
    if (!stored) return this.s3Error(res, 404, 'NoSuchKey', 'The specified key does not exist.', method === 'HEAD');
    res.writeHead(200, { 'content-type': stored.contentType, 'content-length': stored.body.byteLength, etag: stored.etag, 'last-modified': stored.modified.toUTCString() });
    res.end(method === 'HEAD' ? undefined : stored.body);
  }
}
