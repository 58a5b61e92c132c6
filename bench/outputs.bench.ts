// `send` through onefn against the provider's own client called directly, on loopback: the real SQS
// client against the AWS data-plane fake, the real Pub/Sub client against the gRPC Publisher fake, and
// the real Storage Queue client against Azurite. Both sides make the same calls to the same server,
// in alternating batches; the ratio (onefn / direct, per batch, then the median) is onefn's cost:
// the schema check, JSON, the size check, the typed error mapping and ctx.resources. Target ≤ 1.1×.
import { defineQueue, queue } from 'onefn';
import { createContext, type ResourceDriver, type ResourceDriverSource } from 'onefn/runtime';
import { message } from 'onefn/testing';
import { z } from 'zod';
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { PubSub } from '@google-cloud/pubsub';
import { QueueServiceClient } from '@azure/storage-queue';
import { createAwsDriver } from '@onefn/aws/resources';
import { createGcpDriver } from '@onefn/gcp/resources';
import { createAzureDriver } from '@onefn/azure/resources';
import { FakeDataPlane } from '../adapters/aws/test/fake-data-plane.js';
import { FakePubSub } from '../adapters/gcp/test/fake-google-data.js';
import { startAzurite } from '../adapters/azure/test/azurite.js';
import { Verdicts } from './verdicts.js';

process.env['AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED'] = 'true';
process.env['METADATA_SERVER_DETECTION'] = 'none';

const BATCHES = Number(process.env['BENCH_OUTPUT_BATCHES'] ?? 31);
const PER_BATCH = 40;
const body = { id: 'o-1', total: 12.5, lines: [{ sku: 'a-1', qty: 2 }, { sku: 'b-7', qty: 1 }] };
const Order = z.object({ id: z.string(), total: z.number(), lines: z.array(z.object({ sku: z.string(), qty: z.number().int() })) });
const orders = queue('orders', { schema: Order });

/** One send through onefn: a consumer handler that declares `orders.send`, called as the pipeline calls it. */
function onefnSender(driver: ResourceDriver): () => Promise<void> {
  const def = defineQueue({ queue: 'inbox', uses: { orders: orders.send }, handler: async (_m, ctx) => void (await ctx.resources.orders.send(body)) });
  const source: ResourceDriverSource = () => driver;
  const msg = message({ body: {} });
  return async () => {
    const ctx = createContext({ resources: source, logSink: () => {} });
    await def.handler(msg, ctx);
  };
}

async function time(run: () => Promise<void>): Promise<number> {
  const start = process.hrtime.bigint();
  for (let i = 0; i < PER_BATCH; i++) await run();
  return Number(process.hrtime.bigint() - start) / 1e6 / PER_BATCH;
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;

async function compare(label: string, onefn: () => Promise<void>, direct: () => Promise<void>): Promise<{ label: string; onefn: number; direct: number; ratio: number; spread: string }> {
  for (let i = 0; i < 20; i++) {
    await onefn();
    await direct();
  }
  const ratios: number[] = [];
  const a: number[] = [];
  const b: number[] = [];
  for (let i = 0; i < BATCHES; i++) {
    // Alternate which goes first, so neither always meets a warmer server.
    const [x, y] = i % 2 ? [await time(direct), await time(onefn)].reverse() : [await time(onefn), await time(direct)];
    a.push(x as number);
    b.push(y as number);
    ratios.push((x as number) / (y as number));
  }
  const sorted = [...ratios].sort((p, q) => p - q);
  return { label, onefn: median(a), direct: median(b), ratio: median(ratios), spread: `${sorted[0]?.toFixed(2)}-${sorted[sorted.length - 1]?.toFixed(2)}` };
}

const rows: Array<Awaited<ReturnType<typeof compare>>> = [];

{
  const fake = await new FakeDataPlane().start();
  const config = { region: 'us-east-1', endpoint: fake.endpoint, credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' } };
  const QueueUrl = `${fake.endpoint}/123456789012/orders`;
  const driver = await createAwsDriver({ env: { ONEFN_QUEUE_ORDERS_URL: QueueUrl }, clientConfig: config });
  const sqs = new SQSClient(config);
  const text = JSON.stringify(body);
  rows.push(await compare('AWS SQS SendMessage', onefnSender(driver), async () => void (await sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: text })))));
  await fake.stop();
}
{
  const fake = await new FakePubSub().start();
  const driver = await createGcpDriver({ env: {}, pubsub: { projectId: 'demo', apiEndpoint: fake.endpoint } });
  const topic = new PubSub({ projectId: 'demo', apiEndpoint: fake.endpoint }).topic('orders', { batching: { maxMessages: 1000, maxMilliseconds: 0 } });
  const data = Buffer.from(JSON.stringify(body));
  rows.push(await compare('GCP Pub/Sub publish', onefnSender(driver), async () => void (await topic.publishMessage({ data }))));
  await fake.stop();
}
{
  const azurite = await startAzurite();
  try {
    const service = QueueServiceClient.fromConnectionString(azurite.connectionString);
    await service.createQueue('orders');
    await service.createQueue('direct');
    const driver = await createAzureDriver({ env: { AzureWebJobsStorage: azurite.connectionString } });
    const direct = service.getQueueClient('direct');
    const encoded = Buffer.from(JSON.stringify(body)).toString('base64');
    rows.push(await compare('Azure Storage Queue (Azurite)', onefnSender(driver), async () => void (await direct.sendMessage(encoded))));
  } finally {
    await azurite.stop();
  }
}

const verdicts = new Verdicts();
const lines = ['| send, on loopback | onefn (ms) | direct client (ms) | ratio (median) | ratio range |', '|---|---|---|---|---|'];
for (const r of rows) {
  lines.push(`| ${r.label} | ${r.onefn.toFixed(3)} | ${r.direct.toFixed(3)} | ${r.ratio.toFixed(3)}× | ${r.spread} |`);
  verdicts.add(`outputs: ${r.label} send ≤ 1.1× the client called directly`, `${r.ratio.toFixed(3)}×`, r.ratio <= 1.1);
}
process.stdout.write(`${lines.join('\n')}\n\n${BATCHES} batches of ${PER_BATCH} sends per side, alternating.\n`);
process.stdout.write(verdicts.line());
process.exit(0);
