/**
 * A loopback Service Bus for tests: an AMQP 1.0 listener (rhea, the library @azure/service-bus itself
 * speaks through) on 127.0.0.1, plain TCP. The real ServiceBusClient reaches it through a connection
 * string with `UseDevelopmentEmulator=true`, which @azure/core-amqp reads as "no TLS, the port given"
 * (the slug Microsoft's Service Bus emulator prints). It plays what a sender meets on a namespace:
 * the claims-based-security put-token on `$cbs`, sender links on the entities that exist (others are
 * detached with `amqp:not-found`, as the service does), the link's max message size (256 KiB, the
 * Standard tier), and every transfer recorded, single messages and batches (format 0x80013700) alike.
 */
import type { AddressInfo, Socket } from 'node:net';
import rhea, { type EventContext, type Message as AmqpMessage, type Receiver, type Sender } from 'rhea';

// rhea is CommonJS: its one export is a container that also carries the codec.
const amqp = (rhea as unknown as { message: { decode(bytes: Buffer): AmqpMessage; encode(message: AmqpMessage): Buffer } }).message;

// Service Bus keeps every application property name: an AMQP map's keys are data. rhea's decoder builds
// maps by assignment (`result[key] = value`), which turns a key named `__proto__` into a prototype and
// drops it; the namespace here decodes maps with defineProperty instead, so what it records is what
// the client sent. (The encoder is not touched: it walks the map's own keys with for...in.)
const codec = rhea as unknown as { types: { unwrap_map_simple(o: { value: unknown[] }): Record<string, unknown>; unwrap(o: unknown, leaveDescribed?: boolean): unknown } };
codec.types.unwrap_map_simple = (o) => {
  const elements = o.value.map((item) => codec.types.unwrap(item, true));
  const map: Record<string, unknown> = {};
  for (let i = 0; i + 1 < elements.length; i += 2) Object.defineProperty(map, String(elements[i]), { value: elements[i + 1], enumerable: true, writable: true, configurable: true });
  return map;
};

/** One message as the namespace received it. */
export interface RecordedMessage {
  readonly entity: string;
  /** Whether it arrived inside a batch transfer. */
  readonly batched: boolean;
  readonly messageId: unknown;
  readonly body: Buffer;
  readonly contentType: string | undefined;
  readonly sessionId: string | undefined;
  readonly applicationProperties: Readonly<Record<string, unknown>>;
  readonly scheduledEnqueueTimeUtc: Date | undefined;
  readonly raw: AmqpMessage;
}

export interface LoopbackServiceBus {
  readonly connectionString: string;
  /** The namespace's host, `127.0.0.1:<port>`. */
  readonly host: string;
  readonly messages: RecordedMessage[];
  /** Every transfer on an entity link: 1 per single send or batch. */
  readonly transfers: Array<{ entity: string; count: number }>;
  /** The audiences of the tokens the client put on `$cbs`. */
  readonly tokens: string[];
  /** The sender links clients attached, by entity address (refused ones included). */
  readonly links: string[];
  /** A transfer to this entity, after `skip` accepted ones, is rejected with this AMQP error. */
  refuseNext(entity: string, condition: string, description: string, skip?: number): void;
  stop(): Promise<void>;
}

/** What Service Bus Standard announces as a sender link's max-message-size: 256 KiB. */
export const STANDARD_MAX_MESSAGE_SIZE = 256 * 1024;

const BATCH_FORMAT = 0x80013700;

function record(entity: string, batched: boolean, raw: AmqpMessage): RecordedMessage {
  const annotations = (raw.message_annotations ?? {}) as Record<string, unknown>;
  const scheduled = annotations['x-opt-scheduled-enqueue-time'];
  const body = raw.body as { content?: unknown } | Buffer | undefined;
  const bytes = Buffer.isBuffer(body) ? body : body && Buffer.isBuffer(body.content) ? body.content : Buffer.from(JSON.stringify(body ?? null));
  return {
    entity,
    batched,
    messageId: raw.message_id,
    body: bytes,
    contentType: raw.content_type,
    sessionId: raw.group_id,
    // Spread keeps an own `__proto__` key as a property.
    applicationProperties: { ...(raw.application_properties ?? {}) },
    scheduledEnqueueTimeUtc: scheduled instanceof Date ? scheduled : typeof scheduled === 'number' ? new Date(scheduled) : undefined,
    raw,
  };
}

/** Starts the namespace with these queues and topics; anything else is "not found". */
export async function startServiceBus(entities: readonly string[]): Promise<LoopbackServiceBus> {
  const known = new Set(entities);
  const messages: RecordedMessage[] = [];
  const transfers: Array<{ entity: string; count: number }> = [];
  const tokens: string[] = [];
  const links: string[] = [];
  const refusals = new Map<string, { condition: string; description: string; skip: number }>();
  const cbsReplies = new WeakMap<object, Sender>();
  const container = rhea.create_container({ id: 'loopback-service-bus', autoaccept: false });

  container.on('sender_open', (ctx: EventContext) => {
    const sender = ctx.sender as Sender;
    const address = (sender.source as { address?: string } | undefined)?.address;
    sender.set_source({ address: address ?? '' });
    if (address === '$cbs') cbsReplies.set(ctx.connection, sender);
  });

  container.on('receiver_open', (ctx: EventContext) => {
    const receiver = ctx.receiver as Receiver;
    const address = (receiver.target as { address?: string } | undefined)?.address ?? '';
    receiver.set_target({ address });
    if (address !== '$cbs') links.push(address);
    (receiver as unknown as { local: { attach: Record<string, unknown> } }).local.attach['max_message_size'] = STANDARD_MAX_MESSAGE_SIZE;
    if (address !== '$cbs' && !known.has(address)) {
      receiver.close({ condition: 'amqp:not-found', description: `The messaging entity 'sb://loopback/${address}' could not be found.` });
    }
  });

  container.on('message', (ctx: EventContext) => {
    const receiver = ctx.receiver as Receiver;
    const address = (receiver.target as { address?: string } | undefined)?.address ?? '';
    const delivery = ctx.delivery!;
    if (address === '$cbs') {
      const request = ctx.message as AmqpMessage;
      tokens.push(String((request.application_properties as Record<string, unknown> | undefined)?.['name'] ?? ''));
      delivery.accept();
      cbsReplies.get(ctx.connection)?.send({
        correlation_id: request.message_id,
        to: request.reply_to,
        application_properties: { 'status-code': 202, 'status-description': 'Accepted' },
        body: undefined,
      });
      return;
    }
    const refusal = refusals.get(address);
    if (refusal && refusal.skip-- <= 0) {
      refusals.delete(address);
      delivery.reject({ condition: refusal.condition, description: refusal.description });
      return;
    }
    const format = (ctx as { format?: number }).format;
    // The namespace checks the size of what arrived, as Service Bus does against its quota.
    const size = format === BATCH_FORMAT ? (ctx.message as unknown as Buffer).byteLength : amqp.encode(ctx.message as AmqpMessage).byteLength;
    if (size > STANDARD_MAX_MESSAGE_SIZE) {
      delivery.reject({ condition: 'amqp:link:message-size-exceeded', description: `The received message (size ${size} bytes) exceeds the limit (${STANDARD_MAX_MESSAGE_SIZE} bytes).` });
      return;
    }
    if (format === BATCH_FORMAT) {
      const envelope = amqp.decode(ctx.message as unknown as Buffer);
      // One data section per message; a batch of one decodes as a single section.
      const content = (envelope.body as { content: Buffer | Buffer[] }).content;
      const parts = (Buffer.isBuffer(content) ? [content] : content).map((b) => record(address, true, amqp.decode(b)));
      messages.push(...parts);
      transfers.push({ entity: address, count: parts.length });
    } else {
      messages.push(record(address, false, ctx.message as AmqpMessage));
      transfers.push({ entity: address, count: 1 });
    }
    delivery.accept();
  });

  const server = container.listen({ port: 0, host: '127.0.0.1' });
  await new Promise<void>((resolve, reject) => {
    server.once('listening', () => resolve());
    server.once('error', reject);
  });
  const sockets = new Set<Socket>();
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  const { port } = server.address() as AddressInfo;
  const host = `127.0.0.1:${port}`;
  return {
    connectionString: `Endpoint=sb://${host};SharedAccessKeyName=RootManageSharedAccessKey;SharedAccessKey=bG9vcGJhY2s=;UseDevelopmentEmulator=true`,
    host,
    messages,
    transfers,
    tokens,
    links,
    refuseNext(entity, condition, description, skip = 0) {
      refusals.set(entity, { condition, description, skip });
    },
    async stop() {
      // A client still connected (a driver kept for the container's life) is cut, as a namespace going away would.
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
