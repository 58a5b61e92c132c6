// The outputs rig on Azure: the adapter's own driver (@onefn/azure/resources: @azure/storage-queue,
// @azure/storage-blob and @azure/service-bus) against Azurite and the loopback Service Bus namespace of
// the adapter's tests. What they hold is read back as the Functions host reads it (queue messages
// base64-decoded, its default messageEncoding; the blob's properties; the Service Bus message with its
// application properties) and handed to @azure/functions' own invocation pipeline as the queue-trigger,
// blob-trigger and Service Bus topic-trigger invocations.
// https://learn.microsoft.com/azure/azure-functions/functions-bindings-storage-queue-trigger,
// https://learn.microsoft.com/azure/azure-functions/functions-bindings-storage-blob-trigger,
// https://learn.microsoft.com/azure/azure-functions/functions-bindings-service-bus-trigger
import { BlobServiceClient } from '@azure/storage-blob';
import { QueueServiceClient } from '@azure/storage-queue';
import { serve } from '@onefn/azure';
import { createAzureDriver } from '@onefn/azure/resources';
import { rpcQueueMessage, rpcServiceBusMessage, type AzureTestHost } from '@onefn/azure/testing';
import type { Definition } from 'onefn';
import type { ResourceDriverSource } from 'onefn/runtime';
import { startAzurite } from '../../adapters/azure/test/azurite.js';
import { startServiceBus } from '../../adapters/azure/test/service-bus-broker.js';
import type { HttpAnswer, HttpProbe, OutputResources, OutputRig } from './suite.js';

export async function azureOutputs(
  host: AzureTestHost,
  resources: OutputResources,
  http: (definitions: Parameters<OutputRig['http']>[0], request: HttpProbe, source: ResourceDriverSource) => Promise<HttpAnswer>,
): Promise<OutputRig> {
  const [azurite, sb] = await Promise.all([startAzurite(), startServiceBus(resources.topics)]);
  const queues = QueueServiceClient.fromConnectionString(azurite.connectionString);
  const blobs = BlobServiceClient.fromConnectionString(azurite.connectionString);
  for (const q of resources.queues) await queues.createQueue(q);
  for (const b of resources.buckets) await blobs.createContainer(b);
  // The app settings `onefn deploy azure` writes; the physical names are the logical ones here.
  const driver = await createAzureDriver({ env: { AzureWebJobsStorage: azurite.connectionString, ServiceBusConnection: sb.connectionString } });
  const source: ResourceDriverSource = () => driver;

  /** Registers one function (a blob trigger for storage definitions) and invokes it once. */
  const invoke = async (definition: Definition, trigger: Parameters<AzureTestHost['invoke']>[1]): Promise<boolean> => {
    host.reset();
    serve({ fn: definition }, { resources: source, storageTrigger: 'blob' });
    return (await host.invoke('fn', trigger)).status === 'success';
  };

  return {
    http: (definitions, request) => http(definitions, request, source),

    async deliverQueued(definition, queue) {
      const { receivedMessageItems } = await queues.getQueueClient(queue).receiveMessages({ numberOfMessages: 32 });
      const redelivered: string[] = [];
      for (const m of receivedMessageItems) {
        // The host's queue trigger decodes base64 (its default): a message that is not would go to poison.
        const text = Buffer.from(m.messageText, 'base64').toString('utf8');
        if (Buffer.from(text, 'utf8').toString('base64') !== m.messageText) {
          redelivered.push(m.messageId);
          continue;
        }
        const ok = await invoke(definition, rpcQueueMessage({ body: text, id: m.messageId, dequeueCount: m.dequeueCount, insertionTime: m.insertedOn.toISOString(), expirationTime: m.expiresOn.toISOString(), popReceipt: m.popReceipt }));
        if (ok) await queues.getQueueClient(queue).deleteMessage(m.messageId, m.popReceipt);
        else redelivered.push(m.messageId);
      }
      return { delivered: receivedMessageItems.length, redelivered };
    },

    async deliverStored(definition, bucket, key) {
      const blob = blobs.getContainerClient(bucket).getBlobClient(key);
      if (!(await blob.exists())) return { failed: true };
      const props = await blob.getProperties();
      const content = await blob.downloadToBuffer();
      // The blob trigger's binding data: the path it matched and the blob's properties.
      const trigger = {
        data: { bytes: new Uint8Array(content) },
        triggerMetadata: {
          BlobTrigger: { string: `${bucket}/${key}` },
          Uri: { string: blob.url },
          Properties: { json: JSON.stringify({ Length: props.contentLength, ContentType: props.contentType, ETag: props.etag, LastModified: props.lastModified?.toISOString() }) },
        },
      };
      return { failed: !(await invoke(definition, trigger)) };
    },

    async deliverPublished(definition, topic) {
      // Every subscription gets every message.
      const pending = sb.messages.filter((m) => m.entity === topic);
      let failed = 0;
      for (const m of pending) {
        const applicationProperties = Object.fromEntries(Object.entries(m.applicationProperties).map(([k, v]) => [k, String(v)]));
        const trigger = rpcServiceBusMessage({
          body: m.body.toString('utf8'),
          messageId: String(m.messageId),
          applicationProperties,
          ...(m.contentType ? { contentType: m.contentType } : {}),
          ...(m.sessionId ? { sessionId: m.sessionId } : {}),
        });
        if (!(await invoke(definition, trigger))) failed++;
      }
      return { delivered: pending.length, failed };
    },

    async stop() {
      await driver.close();
      await Promise.all([azurite.stop(), sb.stop()]);
    },
  };
}
