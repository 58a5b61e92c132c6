/**
 * `@onefn/gcp/resources`: the resource driver for Google Cloud. Queues and topics are Pub/Sub topics
 * (a queue's consumer is a subscription on its topic, as `defineQueue` deploys today) and buckets are
 * Cloud Storage buckets, reached with @google-cloud/pubsub and @google-cloud/storage, loaded on first
 * use and created once per instance. A function that declares no `uses` never imports this module.
 *
 * Settings: `ONEFN_QUEUE_<NAME>` and `ONEFN_TOPIC_<NAME>` name the Pub/Sub topic
 * (`projects/<project>/topics/<id>`, or an id in the function's project), `ONEFN_BUCKET_<NAME>` the
 * bucket; each defaults to the logical name. Credentials and project come from the runtime's service
 * account (Application Default Credentials).
 *
 * @example
 * import { serve } from '@onefn/gcp'
 * import { gcpResources } from '@onefn/gcp/resources'
 */
import type { PubSub, Topic } from '@google-cloud/pubsub';
import type { Storage } from '@google-cloud/storage';
import {
  loadOptional, onceDriver, ProviderError, resourceSetting, type ObjectData, type ObjectInfo, type ObjectPage, type OutgoingMessage, type ResourceDriver,
  type ResourceDriverSource, type ResourceLimits, type SendOutcome, type SignUrlRequest,
} from 'onefn/runtime';
import { OUTPUT_PACKAGES } from './packages.js';

/**
 * What Pub/Sub and Cloud Storage accept: a Pub/Sub message (data and attributes) up to 10 MB, a publish
 * call up to 1000 messages and 10 MB, at most 100 attributes; Pub/Sub cannot delay a message and has
 * no publish-side deduplication; ordering keys keep order; a V4 signed URL lasts at most 7 days.
 * https://cloud.google.com/pubsub/quotas#resource_limits
 * https://cloud.google.com/storage/docs/access-control/signed-urls
 */
export const GCP_LIMITS: ResourceLimits = Object.freeze({
  messageBytes: 10_000_000,
  batchEntries: 1000,
  batchBytes: 10_000_000,
  maxDelaySeconds: 0,
  groups: true,
  dedupe: false,
  attributes: 100,
  maxUrlSeconds: 7 * 24 * 3600,
});

export interface GcpDriverOptions {
  /** Where settings are read. Default `process.env`. */
  env?: Readonly<Record<string, string | undefined>>;
  /** Passed to `new PubSub(...)`: `projectId`, `apiEndpoint`... */
  pubsub?: Readonly<Record<string, unknown>>;
  /** Passed to `new Storage(...)`: `projectId`, `apiEndpoint`, `credentials`... */
  storage?: Readonly<Record<string, unknown>>;
}

/** A Google API error as a ProviderError: its status name or code, message and HTTP status. */
function refusal(resource: string, error: unknown): ProviderError {
  const e = error as { code?: unknown; status?: unknown; message?: unknown; details?: unknown; reason?: unknown };
  // gRPC errors carry a numeric code and `details`; JSON API errors an HTTP status as `code`.
  const grpc = typeof e.code === 'number' && typeof e.details === 'string';
  const code = grpc ? GRPC_CODES[e.code as number] ?? String(e.code) : typeof e.reason === 'string' ? e.reason : String(e.code ?? 'Error');
  const message = grpc ? (e.details as string) : typeof e.message === 'string' ? e.message : String(error);
  const status = grpc ? undefined : typeof e.code === 'number' ? e.code : undefined;
  return new ProviderError(resource, code, message, { cause: error, ...(status === undefined ? {} : { status }) });
}

const GRPC_CODES: Readonly<Record<number, string>> = {
  1: 'CANCELLED', 2: 'UNKNOWN', 3: 'INVALID_ARGUMENT', 4: 'DEADLINE_EXCEEDED', 5: 'NOT_FOUND', 6: 'ALREADY_EXISTS', 7: 'PERMISSION_DENIED',
  8: 'RESOURCE_EXHAUSTED', 9: 'FAILED_PRECONDITION', 10: 'ABORTED', 11: 'OUT_OF_RANGE', 12: 'UNIMPLEMENTED', 13: 'INTERNAL', 14: 'UNAVAILABLE',
  15: 'DATA_LOSS', 16: 'UNAUTHENTICATED',
};

const isMissing = (error: unknown): boolean => (error as { code?: unknown }).code === 404;

interface GcsFile {
  name: string;
  metadata: { size?: string | number; etag?: string; contentType?: string; updated?: string };
}

function info(file: GcsFile): ObjectInfo {
  const m = file.metadata;
  return { key: file.name, size: Number(m.size ?? 0), etag: m.etag, contentType: m.contentType, lastModified: m.updated ? new Date(m.updated) : undefined };
}

class GcpDriver implements ResourceDriver {
  readonly limits = GCP_LIMITS;
  private readonly topics = new Map<string, Topic>();

  constructor(
    private readonly pubsub: PubSub,
    private readonly storage: Storage,
    private readonly env: Readonly<Record<string, string | undefined>>,
  ) {}

  private topic(kind: 'queue' | 'topic', name: string, ordered: boolean): Topic {
    const id = `${kind}:${name}:${ordered}`;
    let topic = this.topics.get(id);
    // Published at once: the client's own batching would hold a lone message up to 10 ms.
    if (!topic) this.topics.set(id, (topic = this.pubsub.topic(this.env[resourceSetting(kind, name)] || name, { batching: { maxMessages: 1000, maxMilliseconds: 0 }, messageOrdering: ordered })));
    return topic;
  }

  private async send(kind: 'queue' | 'topic', name: string, messages: readonly OutgoingMessage[]): Promise<readonly SendOutcome[]> {
    const topic = this.topic(kind, name, messages.some((m) => m.groupId !== undefined));
    try {
      const ids = await Promise.all(
        messages.map((m) =>
          topic.publishMessage({ data: Buffer.from(m.body, 'utf8'), ...(Object.keys(m.attributes).length ? { attributes: { ...m.attributes } } : {}), ...(m.groupId ? { orderingKey: m.groupId } : {}) }),
        ),
      );
      return ids.map((id) => ({ ok: true, id }));
    } catch (error) {
      // A failed ordered publish pauses its key until resumed; resume it so the next send can go.
      for (const m of messages) if (m.groupId) topic.resumePublishing(m.groupId);
      throw refusal(`${kind}:${name}`, error);
    }
  }

  sendMessages(queue: string, messages: readonly OutgoingMessage[]): Promise<readonly SendOutcome[]> {
    return this.send('queue', queue, messages);
  }

  publish(topic: string, messages: readonly OutgoingMessage[]): Promise<readonly SendOutcome[]> {
    return this.send('topic', topic, messages);
  }

  private file(bucket: string, key: string) {
    return this.storage.bucket(this.env[resourceSetting('bucket', bucket)] || bucket).file(key);
  }

  private async guard<T>(resource: string, run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (error) {
      throw refusal(resource, error);
    }
  }

  async putObject(bucket: string, key: string, bytes: Uint8Array, contentType: string): Promise<{ etag: string | undefined }> {
    const file = this.file(bucket, key);
    await this.guard(`bucket:${bucket}`, () => file.save(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength), { resumable: false, contentType, metadata: { contentType } }));
    return { etag: (file.metadata as { etag?: string }).etag };
  }

  async getObject(bucket: string, key: string): Promise<ObjectData | undefined> {
    const file = this.file(bucket, key);
    try {
      const [metadata] = await file.getMetadata();
      const [bytes] = await file.download();
      return { ...info({ name: key, metadata: metadata as GcsFile['metadata'] }), size: bytes.byteLength, bytes: new Uint8Array(bytes) };
    } catch (error) {
      if (isMissing(error)) return undefined;
      throw refusal(`bucket:${bucket}`, error);
    }
  }

  async headObject(bucket: string, key: string): Promise<ObjectInfo | undefined> {
    try {
      const [metadata] = await this.file(bucket, key).getMetadata();
      return info({ name: key, metadata: metadata as GcsFile['metadata'] });
    } catch (error) {
      if (isMissing(error)) return undefined;
      throw refusal(`bucket:${bucket}`, error);
    }
  }

  async deleteObject(bucket: string, key: string): Promise<void> {
    await this.guard(`bucket:${bucket}`, () => this.file(bucket, key).delete({ ignoreNotFound: true }));
  }

  async listObjects(bucket: string, prefix: string, cursor: string | undefined): Promise<ObjectPage> {
    const b = this.storage.bucket(this.env[resourceSetting('bucket', bucket)] || bucket);
    const [files, next] = await this.guard(`bucket:${bucket}`, () => b.getFiles({ autoPaginate: false, ...(prefix ? { prefix } : {}), ...(cursor ? { pageToken: cursor } : {}) }));
    return { objects: files.map((f) => info(f as unknown as GcsFile)), next: (next as { pageToken?: string } | null)?.pageToken || undefined };
  }

  async signUrl(bucket: string, key: string, request: SignUrlRequest): Promise<string> {
    const [url] = await this.guard(`bucket:${bucket}`, () =>
      this.file(bucket, key).getSignedUrl({
        version: 'v4',
        action: request.method === 'GET' ? 'read' : 'write',
        expires: Date.now() + request.expiresInSeconds * 1000,
        ...(request.contentType ? { contentType: request.contentType } : {}),
      }),
    );
    return url;
  }
}

/** Makes the Google Cloud driver: the Pub/Sub and Storage clients, loaded and created once. */
export async function createGcpDriver(options: GcpDriverOptions = {}): Promise<ResourceDriver> {
  const [{ PubSub }, { Storage }] = await loadOptional('@onefn/gcp outputs', OUTPUT_PACKAGES, () => Promise.all([import('@google-cloud/pubsub'), import('@google-cloud/storage')]));
  return new GcpDriver(new PubSub({ ...options.pubsub }), new Storage({ ...options.storage }), options.env ?? process.env);
}

/** The driver source for functions that declare uses: one driver per instance. */
export const gcpResources: ResourceDriverSource = onceDriver(() => createGcpDriver());
