import { utf8Text } from '../onefn/bytes.js';
import {
  type ObjectData, type ObjectInfo, type ObjectPage, type OutgoingMessage, PORTABLE_LIMITS, type ResourceDriver, type ResourceDriverSource,
  type ResourceLimits, type SendOutcome, type SignUrlRequest,
} from './driver.js';
import { ProviderError } from './errors.js';

/** A message a handler sent or published, as the in-memory queue or topic holds it. */
export interface SentMessage {
  readonly id: string;
  /** The body as sent (JSON text). */
  readonly text: string;
  /** The body parsed back, as a consumer's `msg.body` reads it. */
  readonly body: unknown;
  readonly attributes: Readonly<Record<string, string>>;
  readonly delaySeconds: number | undefined;
  readonly groupId: string | undefined;
  readonly dedupeId: string | undefined;
}

/** An object change the in-memory bucket records for delivery. */
export interface ObjectChange {
  readonly bucket: string;
  readonly key: string;
  readonly change: 'created' | 'deleted';
  readonly info: ObjectInfo;
}

interface Stored extends ObjectData {
  readonly version: number;
}

/** A refusal to play back: the next matching call fails as the provider would. */
export interface Refusal {
  readonly code: string;
  readonly message: string;
  readonly status?: number;
}

type Target = `queue:${string}` | `topic:${string}` | `bucket:${string}`;

function parse(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

/**
 * The in-memory driver behind `memoryResources()`: what was sent, published and stored, and what is
 * pending delivery. It implements the same `ResourceDriver` as the adapters, so handlers meet the
 * same checks and the same errors; `limits` are the portable ones unless a provider's are given.
 */
export class MemoryDriver implements ResourceDriver {
  readonly limits: ResourceLimits;
  private readonly pageSize: number;
  /** Ids and versions come from here; a subclass that restores saved state moves it past what it restored. */
  protected counter = 0;
  private readonly sentTo = new Map<string, SentMessage[]>();
  private readonly publishedTo = new Map<string, SentMessage[]>();
  private readonly objects = new Map<string, Map<string, Stored>>();
  private readonly refusals = new Map<Target, Refusal[]>();
  /** Messages and changes not yet delivered, in the order they happened. */
  readonly pending: Array<{ kind: 'queue' | 'topic'; name: string; message: SentMessage } | { kind: 'storage'; change: ObjectChange }> = [];

  constructor(options: { limits?: ResourceLimits; pageSize?: number } = {}) {
    this.limits = options.limits ?? PORTABLE_LIMITS;
    this.pageSize = options.pageSize ?? 1000;
  }

  refuseNext(target: Target, refusal: Refusal): void {
    const list = this.refusals.get(target) ?? [];
    list.push(refusal);
    this.refusals.set(target, list);
  }

  private refused(target: Target): void {
    const next = this.refusals.get(target)?.shift();
    if (next) throw new ProviderError(target, next.code, next.message, next.status === undefined ? {} : { status: next.status });
  }

  private record(kind: 'queue' | 'topic', name: string, messages: readonly OutgoingMessage[]): SendOutcome[] {
    this.refused(`${kind}:${name}`);
    const into = kind === 'queue' ? this.sentTo : this.publishedTo;
    const list = into.get(name) ?? [];
    into.set(name, list);
    return messages.map((m) => {
      const message: SentMessage = Object.freeze({
        id: `memory-${++this.counter}`,
        text: m.body,
        body: parse(m.body),
        attributes: Object.freeze({ ...m.attributes }),
        delaySeconds: m.delaySeconds,
        groupId: m.groupId,
        dedupeId: m.dedupeId,
      });
      list.push(message);
      this.pending.push({ kind, name, message });
      return { ok: true, id: message.id };
    });
  }

  async sendMessages(queue: string, messages: readonly OutgoingMessage[]): Promise<readonly SendOutcome[]> {
    return this.record('queue', queue, messages);
  }

  async publish(topic: string, messages: readonly OutgoingMessage[]): Promise<readonly SendOutcome[]> {
    return this.record('topic', topic, messages);
  }

  sent(queue: string): readonly SentMessage[] {
    return [...(this.sentTo.get(queue) ?? [])];
  }

  published(topic: string): readonly SentMessage[] {
    return [...(this.publishedTo.get(topic) ?? [])];
  }

  private bucketMap(bucket: string): Map<string, Stored> {
    let map = this.objects.get(bucket);
    if (!map) this.objects.set(bucket, (map = new Map()));
    return map;
  }

  /** Stores an object; `notify` false for a pre-loaded object, which runs no storage handler. */
  store(bucket: string, key: string, bytes: Uint8Array, contentType: string, notify: boolean): Stored {
    const version = ++this.counter;
    const stored: Stored = Object.freeze({
      key, bytes: new Uint8Array(bytes), size: bytes.byteLength, etag: `"${version.toString(16)}"`, contentType, lastModified: new Date(), version,
    });
    this.bucketMap(bucket).set(key, stored);
    if (notify) this.pending.push({ kind: 'storage', change: { bucket, key, change: 'created', info: infoOf(stored) } });
    return stored;
  }

  stored(bucket: string, key: string): ObjectData | undefined {
    return this.objects.get(bucket)?.get(key);
  }

  keys(bucket: string): string[] {
    return [...(this.objects.get(bucket)?.keys() ?? [])].sort();
  }

  async putObject(bucket: string, key: string, bytes: Uint8Array, contentType: string): Promise<{ etag: string | undefined }> {
    this.refused(`bucket:${bucket}`);
    return { etag: this.store(bucket, key, bytes, contentType, true).etag };
  }

  async getObject(bucket: string, key: string): Promise<ObjectData | undefined> {
    this.refused(`bucket:${bucket}`);
    const stored = this.stored(bucket, key);
    return stored && { ...infoOf(stored), bytes: new Uint8Array(stored.bytes) };
  }

  async headObject(bucket: string, key: string): Promise<ObjectInfo | undefined> {
    this.refused(`bucket:${bucket}`);
    const stored = this.stored(bucket, key);
    return stored && infoOf(stored);
  }

  async deleteObject(bucket: string, key: string): Promise<void> {
    this.refused(`bucket:${bucket}`);
    const map = this.objects.get(bucket);
    const stored = map?.get(key);
    if (!map || !stored) return;
    map.delete(key);
    this.pending.push({ kind: 'storage', change: { bucket, key, change: 'deleted', info: infoOf(stored) } });
  }

  async listObjects(bucket: string, prefix: string, cursor: string | undefined): Promise<ObjectPage> {
    this.refused(`bucket:${bucket}`);
    // Keys in UTF-16 code-unit order (S3 and Cloud Storage list in UTF-8 byte order, which differs only
    // for characters beyond U+FFFF against U+E000-U+FFFF); the cursor is the last key given.
    const keys = this.keys(bucket).filter((k) => k.startsWith(prefix) && (cursor === undefined || k > cursor));
    const page = keys.slice(0, this.pageSize);
    const map = this.bucketMap(bucket);
    return { objects: page.map((k) => infoOf(map.get(k) as Stored)), next: keys.length > page.length ? page[page.length - 1] : undefined };
  }

  async signUrl(bucket: string, key: string, request: SignUrlRequest): Promise<string> {
    this.refused(`bucket:${bucket}`);
    const url = new URL(`https://memory.onefn.invalid/${encodeURIComponent(bucket)}/${key.split('/').map(encodeURIComponent).join('/')}`);
    url.searchParams.set('method', request.method);
    url.searchParams.set('expires', String(request.expiresInSeconds));
    if (request.contentType) url.searchParams.set('content-type', request.contentType);
    return url.href;
  }

  text(bucket: string, key: string): string | undefined {
    const stored = this.stored(bucket, key);
    return stored && utf8Text(stored.bytes);
  }
}

function infoOf(stored: ObjectData): ObjectInfo {
  return Object.freeze({ key: stored.key, size: stored.size, etag: stored.etag, contentType: stored.contentType, lastModified: stored.lastModified });
}

/** A source for a context, always the same driver. */
export function sourceOf(driver: MemoryDriver): ResourceDriverSource {
  return () => driver;
}
