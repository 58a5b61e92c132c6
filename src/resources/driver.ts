/**
 * The resource driver: what an adapter implements so that handlers reach queues, topics and buckets
 * through its provider's own clients. The core does every check before it calls a driver (the
 * schema, the key, the size against `limits`, batch splitting), so a driver only translates and calls.
 * Adapters create one driver per container, lazily, and pass a `ResourceDriverSource` to the context.
 */

/** What one provider accepts; the core refuses anything beyond it before any call. */
export interface ResourceLimits {
  /** Largest message in bytes: the UTF-8 body plus attribute names and values. */
  readonly messageBytes: number;
  /** Most entries in one batch call; 1 when the provider has no batch call. */
  readonly batchEntries: number;
  /** Largest batch call in bytes (the sum of its messages). */
  readonly batchBytes: number;
  /** Longest delivery delay a queue send may ask for, in seconds; 0 when the provider cannot delay. */
  readonly maxDelaySeconds: number;
  /** Whether queue sends may carry an ordering group (FIFO group, ordering key, session). */
  readonly groups: boolean;
  /** Whether queue sends may carry a deduplication id (SQS FIFO). */
  readonly dedupe: boolean;
  /** Most attributes on a published message. */
  readonly attributes: number;
  /** Longest lifetime of a signed URL, in seconds. */
  readonly maxUrlSeconds: number;
}

/** One message, encoded and checked, as the driver sends it. */
export interface OutgoingMessage {
  /** The body as text: JSON for a value, as the consumers' `Message.body` parses it back. */
  readonly body: string;
  readonly attributes: Readonly<Record<string, string>>;
  readonly delaySeconds?: number;
  readonly groupId?: string;
  readonly dedupeId?: string;
}

/** What happened to one message of a batch call. */
export type SendOutcome = { readonly ok: true; readonly id: string } | { readonly ok: false; readonly code: string; readonly message: string };

/** What a bucket knows about one object. */
export interface ObjectInfo {
  readonly key: string;
  readonly size: number;
  readonly etag: string | undefined;
  readonly contentType: string | undefined;
  readonly lastModified: Date | undefined;
}

/** One stored object, read whole. */
export interface ObjectData extends ObjectInfo {
  readonly bytes: Uint8Array;
}

/** One page of a listing; `next` is the provider's cursor, undefined on the last page. */
export interface ObjectPage {
  readonly objects: readonly ObjectInfo[];
  readonly next: string | undefined;
}

export interface SignUrlRequest {
  /** `GET` to download, `PUT` to upload. */
  readonly method: 'GET' | 'PUT';
  readonly expiresInSeconds: number;
  /** For uploads: the content type the uploader must send. */
  readonly contentType?: string;
}

/**
 * An adapter's implementation. Every method receives checked input; every refusal comes back as a
 * thrown `ProviderError` (or a failed `SendOutcome` for one message of a batch).
 */
export interface ResourceDriver {
  readonly limits: ResourceLimits;
  /**
   * The limits of queues or of topics where they differ from `limits`: on Azure, an app's queues may
   * be Storage Queues while its topics are Service Bus topics. Without it, `limits` holds for both.
   */
  limitsOf?(kind: 'queue' | 'topic'): ResourceLimits;
  /** Sends at most `limits.batchEntries` messages (and `limits.batchBytes`) in one call. */
  sendMessages(queue: string, messages: readonly OutgoingMessage[]): Promise<readonly SendOutcome[]>;
  /** Publishes at most `limits.batchEntries` messages in one call. */
  publish(topic: string, messages: readonly OutgoingMessage[]): Promise<readonly SendOutcome[]>;
  putObject(bucket: string, key: string, bytes: Uint8Array, contentType: string): Promise<{ readonly etag: string | undefined }>;
  /** Undefined when there is no such object. */
  getObject(bucket: string, key: string): Promise<ObjectData | undefined>;
  headObject(bucket: string, key: string): Promise<ObjectInfo | undefined>;
  /** Deleting a missing object is not an error. */
  deleteObject(bucket: string, key: string): Promise<void>;
  listObjects(bucket: string, prefix: string, cursor: string | undefined): Promise<ObjectPage>;
  signUrl(bucket: string, key: string, request: SignUrlRequest): Promise<string>;
}

/** How a context reaches its driver: called when a handler first uses a resource. */
export type ResourceDriverSource = () => ResourceDriver | Promise<ResourceDriver>;

/**
 * The limits every provider accepts, for code (and tests) that must run anywhere: the smallest of
 * each. Azure Storage Queues take 64 KiB of base64, so 48 KiB of message; Pub/Sub cannot delay a
 * message; Storage Queues carry no attributes nor ordering groups; S3 presigned URLs last 7 days.
 */
export const PORTABLE_LIMITS: ResourceLimits = Object.freeze({
  messageBytes: 48 * 1024,
  batchEntries: 1,
  batchBytes: 48 * 1024,
  maxDelaySeconds: 0,
  groups: false,
  dedupe: false,
  attributes: 10,
  maxUrlSeconds: 7 * 24 * 3600,
});

/**
 * Memoizes a driver factory: the first call creates the driver (loading its SDK), every later call
 * in the container gets the same one. A factory that fails is tried again on the next use.
 *
 * @example
 * export const awsResources: ResourceDriverSource = onceDriver(async () => new AwsDriver(await loadClients()))
 */
export function onceDriver(create: () => ResourceDriver | Promise<ResourceDriver>): ResourceDriverSource {
  let made: Promise<ResourceDriver> | undefined;
  // Once created, the driver itself is returned, so a send after the first pays no promise turn.
  let driver: ResourceDriver | undefined;
  return () => {
    if (driver) return driver;
    if (!made) {
      made = Promise.resolve().then(create);
      made.then((d) => (driver = d), () => (made = undefined));
    }
    return made;
  };
}
