import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { OnefnError } from '../onefn/errors.js';
import type { PortableInput } from '../cli/portable-input.js';
import type { EventDefinition } from '../onefn/definition.js';
import type { CloudEvent, Message, StorageEvent } from '../onefn/events.js';
import { PORTABLE_LIMITS, type OutgoingMessage, type ResourceDriverSource, type SendOutcome, type SignUrlRequest } from '../resources/driver.js';
import { MemoryDriver, type ObjectChange, type SentMessage } from '../resources/memory.js';
import { routes, type Consumer, type Pending } from '../testing/resources.js';
import type { Served } from './functions.js';
import type { InvocationRecord } from './invoke.js';

/** Where a message stands: waiting (no consumer yet, or redelivery asked), delivered, or failed every attempt. */
export type MessageStatus = 'pending' | 'delivered' | 'failed';

/** A message sent or published locally, with what its delivery did. */
export interface LocalMessage {
  readonly kind: 'queue' | 'topic';
  readonly name: string;
  readonly id: string;
  readonly text: string;
  readonly attributes: Readonly<Record<string, string>>;
  readonly groupId: string | undefined;
  readonly sentAt: string;
  status: MessageStatus;
  /** Runs of consumers on it, every attempt counted. */
  attempts: number;
  /** The functions that ran it; empty while nothing in the module consumes it. */
  consumers: string[];
  /** The last failure's message, when it failed. */
  error: string | undefined;
}

/** Runs one consumer on one item through the dev server's invoker (so it reaches the feed and the access log). */
export type RunConsumer = (served: Served, consumer: Consumer, input: Message | StorageEvent | CloudEvent, signal: AbortSignal) => Promise<InvocationRecord>;

/** Attempts per item before it counts as failed, as `memoryResources().deliver` does (SQS's and Azure's defaults are higher; 3 keeps a local loop short). */
export const LOCAL_ATTEMPTS = 3;
/** Messages kept per queue or topic once delivered: the oldest delivered ones go first. */
const KEEP_DELIVERED = 200;
const FILE = 'state.json';
const CLOSE_WAIT_MS = 2000;
const FORMAT = 1;

interface SavedObject {
  bucket: string;
  key: string;
  contentType: string;
  lastModified: string;
  base64: string;
}

interface SavedState {
  format: number;
  counter: number;
  messages: LocalMessage[];
  objects: SavedObject[];
  changes: ObjectChange[];
}

/**
 * The in-memory driver of `onefn/testing`, kept on disk: what the dev server's handlers send, publish
 * and store, in `.onefn/resources/state.json`. Every change is saved (coalesced, written to a
 * temporary file and renamed, so a crash never leaves half a file) and restored at the next start.
 */
class PersistentDriver extends MemoryDriver {
  readonly messages = new Map<string, LocalMessage>();
  /** Where the dev server serves objects (its API), once it listens: signed URLs point there. */
  objectsUrl: string | undefined;

  constructor(private readonly changed: () => void) {
    super({ limits: PORTABLE_LIMITS });
  }

  private track(kind: 'queue' | 'topic', name: string, count: number): void {
    const sent = kind === 'queue' ? this.sent(name) : this.published(name);
    for (const m of sent.slice(-count)) {
      this.messages.set(m.id, { kind, name, id: m.id, text: m.text, attributes: m.attributes, groupId: m.groupId, sentAt: new Date().toISOString(), status: 'pending', attempts: 0, consumers: [], error: undefined });
    }
  }

  override async sendMessages(queue: string, messages: readonly OutgoingMessage[]): Promise<readonly SendOutcome[]> {
    const out = await super.sendMessages(queue, messages);
    this.track('queue', queue, messages.length);
    this.changed();
    return out;
  }

  override async publish(topic: string, messages: readonly OutgoingMessage[]): Promise<readonly SendOutcome[]> {
    const out = await super.publish(topic, messages);
    this.track('topic', topic, messages.length);
    this.changed();
    return out;
  }

  override async putObject(bucket: string, key: string, bytes: Uint8Array, contentType: string): Promise<{ etag: string | undefined }> {
    const out = await super.putObject(bucket, key, bytes, contentType);
    this.changed();
    return out;
  }

  override async deleteObject(bucket: string, key: string): Promise<void> {
    await super.deleteObject(bucket, key);
    this.changed();
  }

  /**
   * A link the dev server itself answers (download with GET, upload with PUT), so that a handler's
   * signed URL works locally. Nothing is signed: the dev server is on loopback, or asks for its token.
   */
  override async signUrl(bucket: string, key: string, request: SignUrlRequest): Promise<string> {
    if (this.objectsUrl === undefined) return super.signUrl(bucket, key, request);
    const url = new URL(`${this.objectsUrl}/${encodeURIComponent(bucket)}/objects/${key.split('/').map(encodeURIComponent).join('/')}`);
    url.searchParams.set('method', request.method);
    url.searchParams.set('expires', String(request.expiresInSeconds));
    return url.href;
  }

  /** Every bucket that holds an object. */
  buckets(): string[] {
    const names = new Set<string>();
    for (const m of this.snapshotObjects()) names.add(m.bucket);
    return [...names].sort();
  }

  snapshotObjects(): SavedObject[] {
    const out: SavedObject[] = [];
    for (const bucket of this.bucketNames) {
      for (const key of this.keys(bucket)) {
        const o = this.stored(bucket, key);
        if (o) out.push({ bucket, key, contentType: o.contentType ?? 'application/octet-stream', lastModified: (o.lastModified ?? new Date()).toISOString(), base64: Buffer.from(o.bytes).toString('base64') });
      }
    }
    return out;
  }

  /** Buckets ever written to in this run or restored. */
  readonly bucketNames = new Set<string>();

  override store(bucket: string, key: string, bytes: Uint8Array, contentType: string, notify: boolean): ReturnType<MemoryDriver['store']> {
    this.bucketNames.add(bucket);
    return super.store(bucket, key, bytes, contentType, notify);
  }

  restore(state: SavedState): void {
    this.counter = Math.max(this.counter, state.counter);
    for (const o of state.objects) this.store(o.bucket, o.key, Buffer.from(o.base64, 'base64'), o.contentType, false);
    for (const m of state.messages) {
      this.messages.set(m.id, { ...m, attributes: Object.freeze({ ...m.attributes }) });
      if (m.status === 'pending') this.pending.push({ kind: m.kind, name: m.name, message: sentMessageOf(m) });
    }
    for (const change of state.changes) this.pending.push({ kind: 'storage', change });
  }

  save(): SavedState {
    return {
      format: FORMAT,
      counter: this.counter,
      messages: [...this.messages.values()],
      objects: this.snapshotObjects(),
      changes: this.pending.flatMap((p) => (p.kind === 'storage' ? [p.change] : [])),
    };
  }

  /** Forgets the oldest delivered messages beyond `KEEP_DELIVERED` per queue or topic. */
  trim(): void {
    const delivered = new Map<string, string[]>();
    for (const m of this.messages.values()) {
      if (m.status !== 'delivered') continue;
      const ids = delivered.get(`${m.kind}:${m.name}`) ?? [];
      ids.push(m.id);
      delivered.set(`${m.kind}:${m.name}`, ids);
    }
    for (const ids of delivered.values()) for (const id of ids.slice(0, Math.max(0, ids.length - KEEP_DELIVERED))) this.messages.delete(id);
  }
}

function parse(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

function sentMessageOf(m: LocalMessage): SentMessage {
  return Object.freeze({ id: m.id, text: m.text, body: parse(m.text), attributes: m.attributes, delaySeconds: undefined, groupId: m.groupId, dedupeId: undefined });
}

function isSavedState(value: unknown): value is SavedState {
  const s = value as Partial<SavedState> | null;
  return typeof s === 'object' && s !== null && s.format === FORMAT && typeof s.counter === 'number' && Array.isArray(s.messages) && Array.isArray(s.objects) && Array.isArray(s.changes);
}

/**
 * The local queues, topics and buckets of `onefn dev`: handlers reach them through `ctx.resources`,
 * and every message or object change is delivered to the module's own consumers (retried up to
 * `LOCAL_ATTEMPTS` times), one at a time, in the order they happened. Data persists in
 * `<dir>/state.json` until that file is removed.
 */
export class LocalResources {
  private readonly driver = new PersistentDriver(() => this.changed());
  readonly source: ResourceDriverSource = () => this.driver;
  private writes: Promise<void> = Promise.resolve();
  private saveQueued = false;
  private running: Promise<void> | undefined;
  private again = false;
  private closed = false;
  /** Set once the last save is written: nothing writes after (a test may remove the folder). */
  private sealed = false;
  /** The message being delivered now, which a redelivery must not queue twice. */
  private delivering: string | undefined;
  private readonly abort = new AbortController();
  private served: (() => Served | undefined) | undefined;
  private run: RunConsumer | undefined;

  constructor(
    readonly dir: string,
    private readonly print: (line: string) => void,
  ) {}

  get path(): string {
    return join(this.dir, FILE);
  }

  /** Reads what an earlier run kept; a file that cannot be read is set aside, never fatal. */
  async load(): Promise<void> {
    let text: string;
    try {
      text = await readFile(this.path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
      this.print(`local resources: cannot read ${this.path} (${(error as NodeJS.ErrnoException).code ?? 'error'}); starting empty`);
      return;
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = undefined;
    }
    if (!isSavedState(parsed)) {
      const aside = `${this.path}.unreadable`;
      await rename(this.path, aside).catch(() => undefined);
      this.print(`local resources: ${this.path} is not a saved state; moved it to ${aside} and started empty`);
      return;
    }
    this.driver.restore(parsed);
  }

  /**
   * Starts delivering: through `run`, to the consumers of whichever version of the module is served.
   * `objectsUrl` is where the dev server's API serves objects, for signed URLs.
   */
  start(served: () => Served | undefined, run: RunConsumer, objectsUrl: string): void {
    this.driver.objectsUrl = objectsUrl;
    this.served = served;
    this.run = run;
    this.changed();
  }

  private changed(): void {
    this.persist();
    if (this.run && !this.closed) void this.pump();
  }

  private persist(): void {
    if (this.saveQueued || this.sealed) return;
    this.saveQueued = true;
    this.writes = this.writes
      .then(async () => {
        this.saveQueued = false;
        this.driver.trim();
        await mkdir(this.dir, { recursive: true });
        const tmp = `${this.path}.${process.pid}.tmp`;
        await writeFile(tmp, JSON.stringify(this.driver.save()));
        await rename(tmp, this.path);
      })
      .catch((error: unknown) => this.print(`local resources: could not save ${this.path}: ${(error as Error).message}`));
  }

  /** Delivers everything pending; a call while a delivery runs makes it look again when done. */
  pump(): Promise<void> {
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.running = (async () => {
      do {
        this.again = false;
        // A later tick: the producer's own invocation finishes (and is reported) first.
        await new Promise((ok) => setImmediate(ok));
        while (!this.closed && this.driver.pending.length) {
          const item = this.driver.pending.shift() as Pending;
          this.delivering = item.kind === 'storage' ? undefined : item.message.id;
          try {
            await this.deliver(item);
          } finally {
            this.delivering = undefined;
          }
          this.persist();
        }
      } while (this.again && !this.closed);
    })().finally(() => (this.running = undefined));
    return this.running;
  }

  private async deliver(item: Pending): Promise<void> {
    const served = this.served?.();
    const run = this.run;
    if (!served || !run) return;
    const consumers: Consumer[] = [...served.events].map(([name, { definition }]) => ({ name, definition }));
    const targets = routes(consumers, item);
    const message = item.kind === 'storage' ? undefined : this.driver.messages.get(item.message.id);
    if (!targets.length) {
      // Nothing in this module consumes it: it waits, as on a cloud, for a consumer (or a redelivery after a reload).
      if (message) message.consumers = [];
      return;
    }
    let failedError: string | undefined;
    for (const { consumer, input } of targets) {
      let ok = false;
      for (let attempt = 1; attempt <= LOCAL_ATTEMPTS && !this.closed; attempt++) {
        const record = await run(served, consumer, input(attempt), this.abort.signal);
        if (message) {
          message.attempts++;
          if (!message.consumers.includes(consumer.name)) message.consumers.push(consumer.name);
        }
        if (!record.failed?.length) {
          ok = true;
          break;
        }
        failedError = record.outcomes?.[0]?.error ?? record.outcomes?.[0]?.reason ?? 'failed';
      }
      if (!ok && this.closed) return;
      if (!ok) this.print(`local resources: ${consumer.name} failed ${LOCAL_ATTEMPTS} times on ${item.kind === 'storage' ? `${item.change.change} ${item.change.bucket}/${item.change.key}` : `${item.kind} ${item.name} message ${item.message.id}`}; it stays listed as failed (redeliver it from the dashboard)`);
    }
    if (message) {
      message.status = failedError === undefined ? 'delivered' : 'failed';
      message.error = failedError;
    }
  }

  /** Puts a pending or failed message back in line; undefined when there is no such message. */
  redeliver(id: string): LocalMessage | undefined | 'delivered' {
    const message = this.driver.messages.get(id);
    if (!message) return undefined;
    if (message.status === 'delivered') return 'delivered';
    if (this.delivering !== id && !this.driver.pending.some((p) => p.kind !== 'storage' && p.message.id === id)) this.driver.pending.push({ kind: message.kind, name: message.name, message: sentMessageOf(message) });
    message.status = 'pending';
    message.error = undefined;
    this.changed();
    return message;
  }

  messages(kind: 'queue' | 'topic', name: string): LocalMessage[] {
    return [...this.driver.messages.values()].filter((m) => m.kind === kind && m.name === name);
  }

  /** Every resource that holds something, and every one the module's consumers listen to. */
  names(served: Served | undefined): { queues: string[]; topics: string[]; buckets: string[] } {
    const queues = new Set<string>();
    const topics = new Set<string>();
    const buckets = new Set<string>(this.driver.buckets());
    for (const m of this.driver.messages.values()) (m.kind === 'queue' ? queues : topics).add(m.name);
    for (const { definition } of served?.events.values() ?? []) {
      if (definition.kind === 'message') (definition.trigger.type === 'queue' ? queues : topics).add(definition.trigger.name);
      if (definition.kind === 'storage') buckets.add(definition.trigger.bucket);
    }
    return { queues: [...queues].sort(), topics: [...topics].sort(), buckets: [...buckets].sort() };
  }

  objects(bucket: string): Array<{ key: string; size: number; contentType: string | undefined; etag: string | undefined; lastModified: string | undefined }> {
    return this.driver.keys(bucket).flatMap((key) => {
      const o = this.driver.stored(bucket, key);
      return o ? [{ key, size: o.size, contentType: o.contentType, etag: o.etag, lastModified: o.lastModified?.toISOString() }] : [];
    });
  }

  object(bucket: string, key: string): { bytes: Uint8Array; contentType: string | undefined } | undefined {
    const o = this.driver.stored(bucket, key);
    return o && { bytes: o.bytes, contentType: o.contentType };
  }

  /**
   * Stops delivering, waits for the delivery under way (at most `CLOSE_WAIT_MS`: a consumer that
   * ignores its signal is left behind, as the dev server leaves a hanging request) and the last save.
   */
  async close(): Promise<void> {
    this.closed = true;
    this.abort.abort(new Error('onefn dev is closing'));
    let timer: ReturnType<typeof setTimeout> | undefined;
    await Promise.race([this.running?.catch(() => undefined), new Promise((ok) => (timer = setTimeout(ok, CLOSE_WAIT_MS)))]);
    clearTimeout(timer);
    this.persist();
    this.sealed = true;
    await this.writes;
  }
}

/** One delivered item as the portable input of its consumer's kind. */
export function portableInput(kind: EventDefinition['kind'], item: Message | StorageEvent | CloudEvent): Exclude<PortableInput, { kind: 'http' }> {
  if (kind === 'storage') return { kind, items: [item as StorageEvent] };
  if (kind === 'cloudevent') return { kind, items: [item as CloudEvent] };
  if (kind === 'message') return { kind, items: [item as Message] };
  // `routes` sends items only to message, storage and CloudEvent consumers.
  throw new OnefnError('NOT_A_CONSUMER', `a ${kind} function consumes no local resource`);
}
