import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { BlobServiceClient } from '@azure/storage-blob';
import { QueueServiceClient } from '@azure/storage-queue';
import { bucket, defineHttp, defineQueue, defineStorage, json, MessageTooLargeError, ProviderError, queue, ResourceUnavailableError, topic } from 'onefn';
import { serve } from '@onefn/azure';
import { AZURE_LIMITS, createAzureDriver } from '@onefn/azure/resources';
import { azureHost, httpResult, rpcBlob, rpcHttp, rpcQueueMessage } from '@onefn/azure/testing';
import { type Azurite, startAzurite } from './azurite.js';

// The Azure resource driver through the real @azure/storage-queue and @azure/storage-blob clients
// into Azurite, read back as the Functions host reads it (base64 queue messages), and round-tripped
// into the queue-trigger and blob-trigger invocation pipeline.

const Order = z.object({ id: z.string(), total: z.number() });
const orders = queue('orders', { schema: Order });
const reports = bucket('reports');

let azurite: Azurite;
let queues: QueueServiceClient;
let blobs: BlobServiceClient;
let driver: Awaited<ReturnType<typeof createAzureDriver>>;
const host = azureHost();

beforeAll(async () => {
  azurite = await startAzurite();
  queues = QueueServiceClient.fromConnectionString(azurite.connectionString);
  blobs = BlobServiceClient.fromConnectionString(azurite.connectionString);
  await queues.createQueue('orders');
  await blobs.createContainer('reports-prod');
  driver = await createAzureDriver({ env: { AzureWebJobsStorage: azurite.connectionString, ONEFN_BUCKET_REPORTS: 'reports-prod' } });
}, 60_000);
afterAll(async () => {
  await azurite?.stop();
});
beforeEach(() => host.reset());

/** What the Functions host hands a queue-triggered function: the message base64-decoded (its default messageEncoding). */
async function receiveAsHost(name: string): Promise<{ id: string; text: string; dequeueCount: number }[]> {
  const { receivedMessageItems } = await queues.getQueueClient(name).receiveMessages({ numberOfMessages: 32 });
  return receivedMessageItems.map((m) => ({ id: m.messageId, text: Buffer.from(m.messageText, 'base64').toString('utf8'), dequeueCount: m.dequeueCount }));
}

describe('Azurite round trip', () => {
  it('HTTP -> Storage Queue (base64) -> queue trigger -> Blob -> blob trigger, through the real pipeline', async () => {
    const seen: unknown[] = [];
    const app = {
      api: defineHttp({
        method: 'POST',
        route: '/orders',
        body: Order,
        uses: { orders: orders.send },
        handler: async (req, ctx) => json(await ctx.resources.orders.send(req.body), { status: 202 }),
      }),
      worker: defineQueue({
        queue: orders,
        uses: { reports: reports.write },
        handler: async (msg, ctx) => void (await ctx.resources.reports.put(`orders/${msg.body.id}.json`, JSON.stringify(msg.body), { contentType: 'application/json' })),
      }),
      onReport: defineStorage({
        bucket: 'reports-prod',
        uses: { reports: reports.read },
        handler: async (obj, ctx) => void seen.push([obj.key, (await ctx.resources.reports.get(obj.key))?.json()]),
      }),
    };
    serve(app, { resources: () => driver, storageTrigger: 'blob' });

    const posted = await host.invoke('api', rpcHttp({ method: 'POST', url: '/api/orders', headers: { 'content-type': 'application/json' }, body: '{"id":"o-1","total":12.5}' }));
    expect(posted.status).toBe('success');
    expect(httpResult(posted).status).toBe(202);

    // Stored base64, as the host's queue trigger expects: a raw JSON message would land in poison.
    const peeked = await queues.getQueueClient('orders').peekMessages();
    expect(peeked.peekedMessageItems[0]?.messageText).toBe(Buffer.from('{"id":"o-1","total":12.5}').toString('base64'));
    const [delivered] = await receiveAsHost('orders');
    expect(delivered?.text).toBe('{"id":"o-1","total":12.5}');

    const consumed = await host.invoke('worker', rpcQueueMessage({ body: delivered!.text, id: delivered!.id, dequeueCount: delivered!.dequeueCount }));
    expect(consumed.status).toBe('success');
    const blob = blobs.getContainerClient('reports-prod').getBlobClient('orders/o-1.json');
    const props = await blob.getProperties();
    expect(props.contentType).toBe('application/json');
    expect((await blob.downloadToBuffer()).toString('utf8')).toBe('{"id":"o-1","total":12.5}');

    const triggered = await host.invoke('onReport', rpcBlob({ container: 'reports-prod', name: 'orders/o-1.json', content: await blob.downloadToBuffer(), contentType: 'application/json' }));
    expect(triggered.status).toBe('success');
    expect(seen).toEqual([['orders/o-1.json', { id: 'o-1', total: 12.5 }]]);
  });
});

describe('the Azure driver on Azurite', () => {
  /** Runs `body` inside a queue-triggered function, returning what it threw (or undefined) and its value. */
  async function run(uses: never, body: (r: any) => Promise<unknown>): Promise<{ error: unknown; value: unknown }> {
    let error: unknown;
    let value: unknown;
    host.reset();
    serve(
      {
        job: defineQueue({
          queue: 'jobs',
          uses,
          handler: async (_m, ctx) => {
            try {
              value = await body((ctx as unknown as { resources: unknown }).resources);
            } catch (e) {
              error = e;
            }
          },
        }),
      },
      { resources: () => driver },
    );
    await host.invoke('job', rpcQueueMessage({ body: '{}' }));
    return { error, value };
  }

  it('sends up to 48 KiB (64 KiB once base64-encoded), and refuses one byte more before any call', async () => {
    await queues.createQueue('big');
    const big = queue('big');
    const fits = await run({ big: big.send } as never, (r) => r.big.send('x'.repeat(AZURE_LIMITS.messageBytes - 2)));
    expect(fits.error).toBeUndefined();
    const over = await run({ big: big.send } as never, (r) => r.big.send('x'.repeat(AZURE_LIMITS.messageBytes - 1)));
    expect(over.error).toBeInstanceOf(MessageTooLargeError);
    const stored = await receiveAsHost('big');
    expect(stored).toHaveLength(1);
    expect(stored[0]?.text.length).toBe(AZURE_LIMITS.messageBytes);
  });

  it('delays a message with the visibility timeout', async () => {
    await queues.createQueue('later');
    const later = queue('later');
    const { error } = await run({ later: later.send } as never, (r) => r.later.send({ n: 1 }, { delaySeconds: 60 }));
    expect(error).toBeUndefined();
    expect((await queues.getQueueClient('later').peekMessages()).peekedMessageItems).toEqual([]);
    expect((await queues.getQueueClient('later').getProperties()).approximateMessagesCount).toBe(1);
  });

  it("turns Azure's refusal into a ProviderError: a queue that does not exist", async () => {
    const missing = queue('missing-queue');
    const { error } = await run({ missing: missing.send } as never, (r) => r.missing.send({}));
    expect(error).toBeInstanceOf(ProviderError);
    expect(error).toMatchObject({ providerCode: 'QueueNotFound', status: 404, resource: 'queue:missing-queue' });
  });

  it('refuses options Storage Queues cannot honour; topics need the Service Bus setting (see service-bus.test.ts)', async () => {
    const events = topic('order-events');
    expect((await run({ orders: orders.send } as never, (r) => r.orders.send({ id: 'a', total: 1 }, { groupId: 'g' }))).error).toMatchObject({ option: 'groupId' });
    const publish = await run({ events: events.publish } as never, (r) => r.events.publish({}));
    expect(publish.error).toBeInstanceOf(ResourceUnavailableError);
    expect((publish.error as Error).message).toContain('the setting ServiceBusConnection');
  });

  it('gets, heads, lists by page, deletes, and signs SAS URLs that Azurite honours', async () => {
    const container = blobs.getContainerClient('reports-prod');
    for (const name of ['list/a.txt', 'list/b.txt', 'list/c.txt']) await container.getBlockBlobClient(name).uploadData(Buffer.from(name), { blobHTTPHeaders: { blobContentType: 'text/plain' } });
    const { error, value } = await run({ reports: reports.allow('read', 'write', 'delete') } as never, async (r) => {
      const keys: string[] = [];
      for await (const o of r.reports.list('list/')) keys.push(o.key);
      const head = await r.reports.head('list/a.txt');
      const missing = [await r.reports.get('list/none'), await r.reports.head('list/none')];
      await r.reports.delete('list/b.txt');
      await r.reports.delete('list/never');
      const download = await r.reports.downloadUrl('list/a.txt', { expiresInSeconds: 60 });
      const upload = await r.reports.uploadUrl('list/up.txt', { contentType: 'text/plain' });
      return { keys, head, missing, download, upload };
    });
    expect(error).toBeUndefined();
    const v = value as { keys: string[]; head: { size: number; contentType: string }; missing: unknown[]; download: string; upload: string };
    expect(v.keys).toEqual(['list/a.txt', 'list/b.txt', 'list/c.txt']);
    expect(v.head).toMatchObject({ size: 10, contentType: 'text/plain' });
    expect(v.missing).toEqual([undefined, undefined]);
    expect(await container.getBlobClient('list/b.txt').exists()).toBe(false);
    // Azurite checks the SAS signature: the download URL reads the blob, the upload URL writes one.
    expect(await (await fetch(v.download)).text()).toBe('list/a.txt');
    const put = await fetch(v.upload, { method: 'PUT', headers: { 'x-ms-blob-type': 'BlockBlob', 'content-type': 'text/plain' }, body: 'uploaded' });
    expect(put.status).toBe(201);
    expect((await container.getBlobClient('list/up.txt').downloadToBuffer()).toString()).toBe('uploaded');
    const tampered = new URL(v.download);
    tampered.searchParams.set('sp', 'rw');
    expect((await fetch(tampered)).status).toBe(403);
  });
});
