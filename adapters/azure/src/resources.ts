/**
 * `@onefn/azure/resources`: the resource driver for Azure. Queues are Storage Queues (or Service Bus
 * queues when the app's `messaging` is `serviceBus`), topics are Service Bus topics, and buckets are
 * Blob Storage containers, reached with @azure/storage-queue, @azure/service-bus and
 * @azure/storage-blob, each loaded on first use and created once per instance. A function that
 * declares no `uses` never imports this module.
 *
 * Storage queue messages are base64-encoded: the Functions host's queue trigger decodes base64 by
 * default (host.json `extensions.queues.messageEncoding`), and a message it cannot decode goes to the
 * poison queue. https://learn.microsoft.com/azure/azure-functions/functions-bindings-storage-queue#hostjson-settings
 * Service Bus messages are described in ./service-bus.ts.
 *
 * Settings: the storage connection in `ONEFN_STORAGE` (the app's managed identity, as deploy writes
 * it) or `AzureWebJobsStorage` (a connection string), in either form (see ./connection.ts), or the
 * setting `register`'s `storageConnection` names; the Service Bus namespace in `ServiceBusConnection`
 * (or the setting `serviceBusConnection` names, or its `__fullyQualifiedNamespace` identity form); the
 * real queue, topic and container names in `ONEFN_QUEUE_<NAME>`, `ONEFN_TOPIC_<NAME>` and
 * `ONEFN_BUCKET_<NAME>` (the logical name when unset). `register` hands its `messaging` and connection
 * settings to `azureResources`, so that a queue is sent to where its consumer listens.
 *
 * @example
 * import { serve } from '@onefn/azure'
 * import { azureResources } from '@onefn/azure/resources'
 * serve(app, { messaging: 'serviceBus', resources: azureResources })
 */
import type { ContainerClient } from '@azure/storage-blob';
import type { QueueClient, QueueServiceClient } from '@azure/storage-queue';
import type { BlobServiceClient } from '@azure/storage-blob';
import type { AzureResourceSettings, AzureResourceSource } from './options.js';
import { SERVICE_BUS_LIMITS, ServiceBusOutput } from './service-bus.js';
import {
  onceDriver, ProviderError, resourceSetting, type ObjectData, type ObjectInfo, type ObjectPage, type OutgoingMessage,
  type ResourceDriver, type ResourceDriverSource, type ResourceLimits, type SendOutcome, type SignUrlRequest,
} from 'onefn/runtime';
import { delegatedSasUrl, readStorageConnection, storageClients, type StorageClientOptions } from './connection.js';

export type { StorageClientOptions } from './connection.js';

/**
 * What Storage Queues and Blob Storage accept: a queue message is at most 64 KiB as stored, so 48 KiB
 * before base64; there is no batch send; a message can stay invisible up to 7 days; no ordering
 * groups, no deduplication, no attributes.
 * https://learn.microsoft.com/rest/api/storageservices/put-message
 */
export const AZURE_LIMITS: ResourceLimits = Object.freeze({
  messageBytes: 48 * 1024,
  batchEntries: 1,
  batchBytes: 48 * 1024,
  maxDelaySeconds: 7 * 24 * 3600,
  groups: false,
  dedupe: false,
  attributes: 0,
  maxUrlSeconds: 7 * 24 * 3600,
});

export { SERVICE_BUS_LIMITS, toServiceBusMessage, type ServiceBusOutgoing } from './service-bus.js';

export interface AzureDriverOptions extends AzureResourceSettings {
  /** Where settings are read. Default `process.env`. */
  env?: Readonly<Record<string, string | undefined>>;
  /**
   * The storage connection's setting: a connection string, or the prefix of an identity-based
   * connection (`<NAME>__blobServiceUri`...; see ./connection.ts). Default `ONEFN_STORAGE` when set
   * (deploy writes it for the app's managed identity), else `AzureWebJobsStorage`.
   */
  storageConnection?: string;
  /** A credential (instead of the one the settings name) and pipeline options for the storage clients. */
  clientOptions?: StorageClientOptions;
}

/** A storage RestError as a ProviderError: its error code (`QueueNotFound`, `AuthorizationFailure`...), first message line and status. */
function refusal(resource: string, error: unknown): ProviderError {
  const e = error as { code?: unknown; statusCode?: unknown; message?: unknown; name?: unknown };
  const code = typeof e.code === 'string' ? e.code : typeof e.name === 'string' ? e.name : 'Error';
  const message = (typeof e.message === 'string' ? e.message : String(error)).split('\n')[0] ?? '';
  return new ProviderError(resource, code, message, { cause: error, ...(typeof e.statusCode === 'number' ? { status: e.statusCode } : {}) });
}

const isMissing = (error: unknown): boolean => (error as { statusCode?: unknown }).statusCode === 404;

class Driver implements AzureDriver {
  readonly limits: ResourceLimits;
  private readonly queues = new Map<string, QueueClient>();
  private readonly containers = new Map<string, ContainerClient>();

  constructor(
    private readonly queueService: QueueServiceClient,
    private readonly blobService: BlobServiceClient,
    private readonly blobApi: typeof import('@azure/storage-blob'),
    private readonly env: Readonly<Record<string, string | undefined>>,
    /** Service Bus: topics, and queues when `serviceBusQueues`; its SDK loads on the first send. */
    private readonly serviceBus: ServiceBusOutput,
    private readonly serviceBusQueues: boolean,
  ) {
    // Blob SAS URLs last as long on either messaging service.
    this.limits = serviceBusQueues ? SERVICE_BUS_LIMITS : AZURE_LIMITS;
  }

  close(): Promise<void> {
    return this.serviceBus.close();
  }

  /** Topics are always Service Bus; queues follow the app's messaging. */
  limitsOf(kind: 'queue' | 'topic'): ResourceLimits {
    return kind === 'topic' ? SERVICE_BUS_LIMITS : this.limits;
  }

  private queue(name: string): QueueClient {
    let client = this.queues.get(name);
    if (!client) this.queues.set(name, (client = this.queueService.getQueueClient(this.env[resourceSetting('queue', name)] || name)));
    return client;
  }

  private container(name: string): ContainerClient {
    let client = this.containers.get(name);
    if (!client) this.containers.set(name, (client = this.blobService.getContainerClient(this.env[resourceSetting('bucket', name)] || name)));
    return client;
  }

  async sendMessages(queue: string, messages: readonly OutgoingMessage[]): Promise<readonly SendOutcome[]> {
    if (this.serviceBusQueues) return this.serviceBus.send(`queue:${queue}`, this.env[resourceSetting('queue', queue)] || queue, messages);
    const client = this.queue(queue);
    const outcomes: SendOutcome[] = [];
    for (const m of messages) {
      try {
        const text = Buffer.from(m.body, 'utf8').toString('base64');
        const out = await client.sendMessage(text, m.delaySeconds ? { visibilityTimeout: m.delaySeconds } : {});
        outcomes.push({ ok: true, id: out.messageId });
      } catch (error) {
        throw refusal(`queue:${queue}`, error);
      }
    }
    return outcomes;
  }

  async publish(topic: string, messages: readonly OutgoingMessage[]): Promise<readonly SendOutcome[]> {
    return this.serviceBus.send(`topic:${topic}`, this.env[resourceSetting('topic', topic)] || topic, messages);
  }

  private async guard<T>(resource: string, run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (error) {
      throw refusal(resource, error);
    }
  }

  async putObject(bucket: string, key: string, bytes: Uint8Array, contentType: string): Promise<{ etag: string | undefined }> {
    const out = await this.guard(`bucket:${bucket}`, () => this.container(bucket).getBlockBlobClient(key).uploadData(bytes, { blobHTTPHeaders: { blobContentType: contentType } }));
    return { etag: out.etag };
  }

  async getObject(bucket: string, key: string): Promise<ObjectData | undefined> {
    try {
      const client = this.container(bucket).getBlobClient(key);
      const out = await client.download();
      const chunks: Buffer[] = [];
      for await (const chunk of out.readableStreamBody ?? []) chunks.push(chunk as Buffer);
      const bytes = new Uint8Array(Buffer.concat(chunks));
      return { key, size: bytes.byteLength, etag: out.etag, contentType: out.contentType, lastModified: out.lastModified, bytes };
    } catch (error) {
      if (isMissing(error)) return undefined;
      throw refusal(`bucket:${bucket}`, error);
    }
  }

  async headObject(bucket: string, key: string): Promise<ObjectInfo | undefined> {
    try {
      const p = await this.container(bucket).getBlobClient(key).getProperties();
      return { key, size: p.contentLength ?? 0, etag: p.etag, contentType: p.contentType, lastModified: p.lastModified };
    } catch (error) {
      if (isMissing(error)) return undefined;
      throw refusal(`bucket:${bucket}`, error);
    }
  }

  async deleteObject(bucket: string, key: string): Promise<void> {
    await this.guard(`bucket:${bucket}`, () => this.container(bucket).getBlobClient(key).deleteIfExists());
  }

  async listObjects(bucket: string, prefix: string, cursor: string | undefined): Promise<ObjectPage> {
    return this.guard(`bucket:${bucket}`, async () => {
      const pages = this.container(bucket).listBlobsFlat(prefix ? { prefix } : {}).byPage(cursor ? { continuationToken: cursor } : {});
      const { value } = await pages.next();
      const page = value as { segment: { blobItems: Array<{ name: string; properties: { contentLength?: number; etag?: string; contentType?: string; lastModified?: Date } }> }; continuationToken?: string } | undefined;
      return {
        objects: (page?.segment.blobItems ?? []).map((b) => ({ key: b.name, size: b.properties.contentLength ?? 0, etag: b.properties.etag, contentType: b.properties.contentType, lastModified: b.properties.lastModified })),
        next: page?.continuationToken || undefined,
      };
    });
  }

  async signUrl(bucket: string, key: string, request: SignUrlRequest): Promise<string> {
    const client = this.container(bucket).getBlobClient(key);
    if (!(client.credential instanceof this.blobApi.StorageSharedKeyCredential)) {
      // An identity-based connection holds no key: the URL is signed with a user delegation key.
      const clients = { queueService: this.queueService, blobService: this.blobService, blobApi: this.blobApi };
      const expiresOn = new Date(Date.now() + request.expiresInSeconds * 1000);
      return this.guard(`bucket:${bucket}`, () => delegatedSasUrl(clients, client, { permissions: request.method === 'GET' ? 'r' : 'cw', expiresOn, ...(request.contentType ? { contentType: request.contentType } : {}) }));
    }
    const permissions = this.blobApi.BlobSASPermissions.parse(request.method === 'GET' ? 'r' : 'cw');
    const expiresOn = new Date(Date.now() + request.expiresInSeconds * 1000);
    return this.guard(`bucket:${bucket}`, () => client.generateSasUrl({ permissions, expiresOn, ...(request.contentType ? { contentType: request.contentType } : {}) }));
  }
}

/** The Azure driver's own methods beyond the portable ones. */
export interface AzureDriver extends ResourceDriver {
  limitsOf(kind: 'queue' | 'topic'): ResourceLimits;
  /** Closes the Service Bus connection, if one was opened (tests; an instance keeps it for its life). */
  close(): Promise<void>;
}

/**
 * Makes the Azure driver: the storage clients from the storage connection (a connection string or an
 * identity-based one), loaded and created once, and the Service Bus output, whose client is created
 * on the first send or publish.
 */
export async function createAzureDriver(options: AzureDriverOptions = {}): Promise<AzureDriver> {
  const env = options.env ?? process.env;
  const clients = await storageClients(readStorageConnection(env, options.storageConnection), options.clientOptions);
  const serviceBus = new ServiceBusOutput({ env, ...(options.serviceBusConnection ? { connection: options.serviceBusConnection } : {}) });
  return new Driver(clients.queueService, clients.blobService, clients.blobApi, env, serviceBus, options.messaging === 'serviceBus');
}

const configured = new Map<string, ResourceDriverSource>();

/**
 * The driver source for `serve(app, { resources: azureResources })`: one driver per instance.
 * `register` passes it its `messaging` and connection settings (`configure`), and each distinct set
 * gets its own driver, created once.
 */
export const azureResources: AzureResourceSource = Object.assign(onceDriver(() => createAzureDriver()), {
  configure(settings: AzureResourceSettings): ResourceDriverSource {
    const key = JSON.stringify([settings.messaging ?? 'storageQueue', settings.storageConnection ?? 'AzureWebJobsStorage', settings.serviceBusConnection ?? 'ServiceBusConnection']);
    let source = configured.get(key);
    if (!source) configured.set(key, (source = onceDriver(() => createAzureDriver(settings))));
    return source;
  },
});
