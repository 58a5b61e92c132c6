/**
 * Service Bus as an output: topics always, and queues when the app's `messaging` is `serviceBus`.
 * Messages go through @azure/service-bus (AMQP), loaded on the first send; one ServiceBusClient per
 * instance and one sender per entity, created once and reused (the SDK retries throttling and
 * transient failures with its own policy).
 *
 * What a message carries, as the Service Bus trigger of onefn (`fromServiceBus`) reads it back:
 * - the body: the JSON text as UTF-8 bytes in one AMQP data section (a JavaScript string would be
 *   JSON-encoded a second time by the SDK), `contentType: application/json`;
 * - topic attributes as application properties, under the same names (so a CloudEvent's `ce-type`,
 *   `ce-source`... arrive as the `ce-` attributes a onefn consumer reads on every cloud), and the
 *   CloudEvent's `ce-datacontenttype` as the message's content type;
 * - `dedupeId` as the message id (the key of duplicate detection), else a random UUID, which is the
 *   id `send` returns; `groupId` as the session id; `delaySeconds` as `scheduledEnqueueTimeUtc`.
 *
 * Settings: the namespace in the app setting `register` names (`ServiceBusConnection` by default) as a
 * connection string, or in `<setting>__fullyQualifiedNamespace` for an identity-based connection (the
 * Functions host's own form, with `<setting>__clientId` for a user-assigned identity); the real entity
 * names in `ONEFN_TOPIC_<NAME>` and `ONEFN_QUEUE_<NAME>` (the logical name when unset).
 */
import type { ServiceBusClient, ServiceBusSender } from '@azure/service-bus';
import type { TokenCredential } from '@azure/identity';
import { InvalidOutputOptionError, MessageTooLargeError } from 'onefn';
import { ProviderError, ResourceUnavailableError, type OutgoingMessage, type ResourceLimits, type SendOutcome } from 'onefn/runtime';

/**
 * What Service Bus (Standard tier) accepts. A message or a batch is at most 256 KB, counting its
 * system and user properties; 2 KiB of that is kept for the AMQP encoding and the properties onefn
 * sets (message id and session id of up to 128 characters, content type, scheduled time, and up to 8
 * bytes per application property), so that a message the core lets through is never refused for its
 * size. At most 100 messages per send. Application properties: at most 32 KB each and 64 KB in all
 * (the whole header). Ordering groups are sessions; the message id is the duplicate-detection key.
 * Scheduled messages have no ceiling but the entity's time to live: onefn keeps the 7 days Storage
 * Queues allow, so that one delay works whichever service carries the app's queues.
 * https://learn.microsoft.com/azure/service-bus-messaging/service-bus-quotas
 */
export const SERVICE_BUS_LIMITS: ResourceLimits = Object.freeze({
  messageBytes: 256 * 1024 - 2048,
  batchEntries: 100,
  batchBytes: 256 * 1024 - 2048,
  maxDelaySeconds: 7 * 24 * 3600,
  groups: true,
  dedupe: true,
  attributes: 100,
  maxUrlSeconds: 7 * 24 * 3600,
});

const PROPERTY_BYTES = 32 * 1024;
const HEADER_BYTES = 64 * 1024;

/** Where the driver reads the namespace. */
export interface ServiceBusOutputOptions {
  readonly env: Readonly<Record<string, string | undefined>>;
  /** The app setting naming the namespace. Default `ServiceBusConnection`. */
  readonly connection?: string;
}

/** How the namespace is reached: a connection string, or a namespace host and a token credential. */
type Namespace = { kind: 'connectionString'; value: string } | { kind: 'identity'; host: string; clientId: string | undefined };

function namespaceOf(resource: string, env: Readonly<Record<string, string | undefined>>, setting: string): Namespace {
  const value = env[setting];
  if (value) return { kind: 'connectionString', value };
  const host = env[`${setting}__fullyQualifiedNamespace`];
  if (host) return { kind: 'identity', host, clientId: env[`${setting}__clientId`] || undefined };
  throw new ResourceUnavailableError(resource, `the setting ${setting} (a Service Bus connection string) or ${setting}__fullyQualifiedNamespace (an identity-based connection) is not set`);
}

/** A ServiceBusError (`MessagingEntityNotFound`, `UnauthorizedAccess`, `QuotaExceeded`...) as a ProviderError. */
export function serviceBusRefusal(resource: string, error: unknown): ProviderError {
  const e = error as { code?: unknown; name?: unknown; message?: unknown };
  const code = typeof e.code === 'string' && e.code ? e.code : typeof e.name === 'string' ? e.name : 'Error';
  const message = (typeof e.message === 'string' ? e.message : String(error)).split('\n')[0] ?? '';
  return new ProviderError(resource, code, message, { cause: error });
}

const utf8 = (text: string): number => Buffer.byteLength(text, 'utf8');

/** Refuses, before any call, application properties that the Service Bus header cannot carry. */
function checkHeader(resource: string, attributes: Readonly<Record<string, string>>): void {
  let total = 0;
  for (const [name, value] of Object.entries(attributes)) {
    const size = utf8(name) + utf8(value);
    if (size > PROPERTY_BYTES) throw new InvalidOutputOptionError(resource, 'attributes', `${name} is ${size} bytes; Service Bus takes at most ${PROPERTY_BYTES} per application property`);
    total += size;
  }
  if (total > HEADER_BYTES) throw new InvalidOutputOptionError(resource, 'attributes', `the attributes are ${total} bytes; Service Bus takes at most ${HEADER_BYTES} of properties per message`);
}

/** A message as the Service Bus client takes it (a `ServiceBusMessage`), with the id `send` answers. */
export interface ServiceBusOutgoing {
  readonly body: Buffer;
  readonly contentType: string;
  readonly messageId: string;
  readonly applicationProperties?: Readonly<Record<string, string>>;
  readonly sessionId?: string;
  readonly scheduledEnqueueTimeUtc?: Date;
}

/** One checked message as the Service Bus client sends it. */
export function toServiceBusMessage(message: OutgoingMessage, now: number): ServiceBusOutgoing {
  const attributes = message.attributes;
  const names = Object.keys(attributes);
  const properties: Record<string, string> = {};
  // defineProperty: a property the sender named `__proto__` stays a property, not a prototype.
  for (const name of names) Object.defineProperty(properties, name, { value: attributes[name], enumerable: true, writable: true, configurable: true });
  return {
    body: Buffer.from(message.body, 'utf8'),
    contentType: attributes['ce-datacontenttype'] ?? 'application/json',
    messageId: message.dedupeId ?? crypto.randomUUID(),
    ...(names.length ? { applicationProperties: properties } : {}),
    ...(message.groupId !== undefined ? { sessionId: message.groupId } : {}),
    ...(message.delaySeconds ? { scheduledEnqueueTimeUtc: new Date(now + message.delaySeconds * 1000) } : {}),
  };
}

type ServiceBusApi = typeof import('@azure/service-bus');

async function loadServiceBus(resource: string): Promise<ServiceBusApi> {
  let api: ServiceBusApi;
  try {
    api = await import('@azure/service-bus');
  } catch (error) {
    throw new ResourceUnavailableError(resource, 'Service Bus needs the package @azure/service-bus: npm i -D @azure/service-bus', { cause: error });
  }
  // `onefn build azure` leaves the client out of an app that declares no Service Bus use.
  if (typeof api.ServiceBusClient !== 'function') throw new ResourceUnavailableError(resource, 'this app was built without @azure/service-bus: none of its definitions declares a topic (or, with messaging serviceBus, a queue) in uses');
  return api;
}

async function credentialFor(resource: string, clientId: string | undefined): Promise<TokenCredential> {
  let identity: typeof import('@azure/identity');
  try {
    identity = await import('@azure/identity');
  } catch (error) {
    throw new ResourceUnavailableError(resource, 'an identity-based Service Bus connection needs the package @azure/identity: npm i -D @azure/identity', { cause: error });
  }
  return clientId ? new identity.ManagedIdentityCredential({ clientId }) : new identity.DefaultAzureCredential();
}

/** The Service Bus side of the Azure driver: one client, one sender per entity, for the instance's life. */
export class ServiceBusOutput {
  private client: Promise<ServiceBusClient> | undefined;
  private readonly senders = new Map<string, ServiceBusSender>();
  private readonly setting: string;

  constructor(private readonly options: ServiceBusOutputOptions) {
    this.setting = options.connection ?? 'ServiceBusConnection';
  }

  private connect(resource: string): Promise<ServiceBusClient> {
    if (!this.client) {
      this.client = (async () => {
        const namespace = namespaceOf(resource, this.options.env, this.setting);
        const api = await loadServiceBus(resource);
        try {
          return namespace.kind === 'connectionString'
            ? new api.ServiceBusClient(namespace.value)
            : new api.ServiceBusClient(namespace.host, await credentialFor(resource, namespace.clientId));
        } catch (error) {
          // A malformed connection string: the setting is wrong, not the message. Its text may hold a key, so it is not repeated.
          throw new ResourceUnavailableError(resource, `the setting ${this.setting} is not a usable Service Bus connection (Endpoint=sb://...;SharedAccessKeyName=...;SharedAccessKey=...)`, { cause: error });
        }
      })();
      // A setting fixed later (or a package installed) is picked up on the next use.
      this.client.catch(() => (this.client = undefined));
    }
    return this.client;
  }

  private async sender(resource: string, entity: string): Promise<ServiceBusSender> {
    let sender = this.senders.get(entity);
    if (!sender) {
      const client = await this.connect(resource);
      sender = this.senders.get(entity);
      if (!sender) this.senders.set(entity, (sender = client.createSender(entity)));
    }
    return sender;
  }

  /**
   * Sends checked messages to a queue or topic, in order. One message goes as one message; several go
   * in as few batches as the link's max message size allows (`createMessageBatch`, which sizes the
   * AMQP encoding exactly). When a later batch is refused, the earlier ones stay sent and the rest
   * are reported failed, never dropped.
   */
  async send(resource: string, entity: string, messages: readonly OutgoingMessage[]): Promise<SendOutcome[]> {
    for (const m of messages) checkHeader(resource, m.attributes);
    const now = Date.now();
    const prepared = messages.map((m) => toServiceBusMessage(m, now));
    const sender = await this.sender(resource, entity);
    if (prepared.length === 1) {
      const [only] = prepared as [ServiceBusOutgoing];
      try {
        await sender.sendMessages(only);
      } catch (error) {
        throw serviceBusRefusal(resource, error);
      }
      return [{ ok: true, id: only.messageId }];
    }
    const batches = await this.pack(resource, sender, prepared);
    const outcomes: SendOutcome[] = [];
    for (const { batch, ids } of batches) {
      try {
        await sender.sendMessages(batch);
        for (const id of ids) outcomes.push({ ok: true, id });
      } catch (error) {
        const refusal = serviceBusRefusal(resource, error);
        if (!outcomes.length) throw refusal;
        while (outcomes.length < prepared.length) outcomes.push({ ok: false, code: refusal.providerCode, message: refusal.providerMessage });
        break;
      }
    }
    return outcomes;
  }

  /** Every message placed in a batch before the first is sent, so that a size refusal sends nothing. */
  private async pack(resource: string, sender: ServiceBusSender, prepared: readonly ServiceBusOutgoing[]) {
    const create = async () => {
      try {
        return await sender.createMessageBatch();
      } catch (error) {
        throw serviceBusRefusal(resource, error);
      }
    };
    const batches: Array<{ batch: Awaited<ReturnType<ServiceBusSender['createMessageBatch']>>; ids: string[] }> = [];
    let current = { batch: await create(), ids: [] as string[] };
    for (const [index, message] of prepared.entries()) {
      if (current.batch.tryAddMessage(message)) {
        current.ids.push(message.messageId);
        continue;
      }
      if (current.ids.length === 0) throw new MessageTooLargeError(resource, message.body.byteLength, current.batch.maxSizeInBytes, index);
      batches.push(current);
      current = { batch: await create(), ids: [] };
      if (!current.batch.tryAddMessage(message)) throw new MessageTooLargeError(resource, message.body.byteLength, current.batch.maxSizeInBytes, index);
      current.ids.push(message.messageId);
    }
    batches.push(current);
    return batches;
  }

  /** Closes the senders and the connection (tests; an instance keeps them for its life). */
  async close(): Promise<void> {
    const client = this.client;
    this.client = undefined;
    this.senders.clear();
    if (client) await (await client.catch(() => undefined))?.close();
  }
}
