// The outputs rig on Google Cloud: the adapter's own driver (@onefn/gcp/resources: @google-cloud/pubsub
// and @google-cloud/storage) against the loopback Publisher and Cloud Storage of the adapter's tests,
// and what they recorded turned into what Eventarc delivers to a function, in binary content mode:
// a `google.cloud.pubsub.topic.v1.messagePublished` event per message and a
// `google.cloud.storage.object.v1.finalized` event whose data is the object's resource as the JSON API
// returns it. https://cloud.google.com/eventarc/docs/cloudevents,
// https://github.com/googleapis/google-cloudevents/tree/main/proto/google/events/cloud
import { generateKeyPairSync } from 'node:crypto';
import { serve } from '@onefn/gcp';
import { createGcpDriver } from '@onefn/gcp/resources';
import { startServer, type GcpTestRequest } from '@onefn/gcp/testing';
import type { ResourceDriverSource } from 'onefn/runtime';
import { FakeGcs, FakePubSub } from '../../adapters/gcp/test/fake-google-data.js';
import type { HttpAnswer, HttpProbe, OutputResources, OutputRig } from './suite.js';

const PROJECT = 'demo';
let round = 0;

/**
 * A CloudEvents HTTP header value: printable ASCII as is, everything else (and "%", '"') percent-encoded
 * as UTF-8, as the HTTP binding requires (https://github.com/cloudevents/spec/blob/main/cloudevents/bindings/http-protocol-binding.md#3132-http-header-values).
 */
const headerValue = (value: string): string => Array.from(new TextEncoder().encode(value), (b) => (b > 0x20 && b < 0x7f && b !== 0x25 && b !== 0x22) || b === 0x20 ? String.fromCharCode(b) : `%${b.toString(16).toUpperCase().padStart(2, '0')}`).join('');

/** Registers one event function, sends it one request, and reads a 2xx as success. */
async function once(name: string, definition: unknown, source: ResourceDriverSource, request: GcpTestRequest): Promise<boolean> {
  serve({ [name]: definition }, { resources: source });
  const server = await startServer(name);
  try {
    const res = await server.send(request);
    await res.arrayBuffer();
    return res.status >= 200 && res.status <= 299;
  } finally {
    await server.close();
  }
}

type Published = FakePubSub['published'][number];

/** A message as Eventarc's Pub/Sub trigger delivers it: the push envelope as `data` of a messagePublished event. */
function messagePublished(m: Published, subscription: string): GcpTestRequest {
  const message: Record<string, unknown> = { data: m.data.toString('base64'), messageId: m.messageId, message_id: m.messageId, publishTime: m.publishTime, publish_time: m.publishTime };
  // Pub/Sub leaves out what a message does not carry.
  if (Object.keys(m.attributes).length) message['attributes'] = m.attributes;
  if (m.orderingKey) message['orderingKey'] = m.orderingKey;
  return {
    method: 'POST',
    path: '/',
    headers: {
      'ce-specversion': '1.0',
      'ce-id': m.messageId,
      'ce-source': `//pubsub.googleapis.com/${m.topic}`,
      'ce-type': 'google.cloud.pubsub.topic.v1.messagePublished',
      'ce-time': m.publishTime,
      'content-type': 'application/json',
    },
    body: JSON.stringify({ message, subscription: `projects/${PROJECT}/subscriptions/eventarc-${subscription}` }),
  };
}

export async function gcpOutputs(
  resources: OutputResources,
  http: (definitions: Parameters<OutputRig['http']>[0], request: HttpProbe, source: ResourceDriverSource) => Promise<HttpAnswer>,
): Promise<OutputRig> {
  // Google's auth library would probe the GCE metadata server for a project it does not need here.
  process.env['METADATA_SERVER_DETECTION'] = 'none';
  const pubsub = new FakePubSub();
  const gcs = new FakeGcs();
  await Promise.all([pubsub.start(), gcs.start()]);
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  // The settings `onefn deploy gcp` writes; the physical names are the logical ones here.
  const env: Record<string, string> = {};
  for (const b of resources.buckets) env[`ONEFN_BUCKET_${b.toUpperCase().replace(/-/g, '_')}`] = b;
  const driver = await createGcpDriver({
    env,
    pubsub: { projectId: PROJECT, apiEndpoint: pubsub.endpoint },
    storage: {
      projectId: PROJECT,
      apiEndpoint: gcs.endpoint,
      credentials: { client_email: `fn@${PROJECT}.iam.gserviceaccount.com`, private_key: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString() },
      retryOptions: { autoRetry: false },
    },
  });
  const source: ResourceDriverSource = () => driver;
  let taken = 0;
  const take = (topic: string): Published[] => {
    const pending = pubsub.published.slice(taken).filter((m) => m.topic === `projects/${PROJECT}/topics/${topic}`);
    taken = pubsub.published.length;
    return pending;
  };

  return {
    http: (definitions, request) => http(definitions, request, source),

    async deliverQueued(definition, queue) {
      // A queue is a topic and a subscription; a failed push (non-2xx) is delivered again.
      const redelivered: string[] = [];
      const pending = take(queue);
      for (const m of pending) if (!(await once(`worker${++round}`, definition, source, messagePublished(m, queue)))) redelivered.push(m.messageId);
      return { delivered: pending.length, redelivered };
    },

    async deliverStored(definition, bucket, key) {
      // The object's resource as the JSON API returns it: what a finalized event carries as data.
      const res = await fetch(`${gcs.endpoint}/storage/v1/b/${encodeURIComponent(bucket)}/o/${encodeURIComponent(key)}`);
      if (!res.ok) return { failed: true };
      const object = (await res.json()) as { generation: string; updated: string };
      const request: GcpTestRequest = {
        method: 'POST',
        path: '/',
        headers: {
          'ce-specversion': '1.0',
          'ce-id': `${object.generation}${++round}`,
          'ce-source': `//storage.googleapis.com/projects/_/buckets/${bucket}`,
          'ce-subject': headerValue(`objects/${key}`),
          'ce-type': 'google.cloud.storage.object.v1.finalized',
          'ce-time': object.updated,
          'content-type': 'application/json',
        },
        body: JSON.stringify(object),
      };
      return { failed: !(await once(`store${++round}`, definition, source, request)) };
    },

    async deliverPublished(definition, topic) {
      let failed = 0;
      // Every subscription gets every message.
      const pending = pubsub.published.filter((m) => m.topic === `projects/${PROJECT}/topics/${topic}`);
      for (const m of pending) if (!(await once(`sub${++round}`, definition, source, messagePublished(m, topic)))) failed++;
      return { delivered: pending.length, failed };
    },

    async stop() {
      await Promise.all([pubsub.stop(), gcs.stop()]);
    },
  };
}
