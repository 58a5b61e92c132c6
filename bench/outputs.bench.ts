// `send` through onefn against the provider's own client called directly, on loopback: the real SQS
// client against the AWS data-plane fake, the real Pub/Sub client against the gRPC Publisher fake, and
// the real Storage Queue client against Azurite. Both sides make the same calls to the same server
// from the same process, each with its own client built from the same config (same HTTP handler and
// keep-alive agent defaults, same checksum and retry settings), interleaved call by call; the ratio
// (onefn / direct) is onefn's cost: a context per invocation, the schema check, JSON (the direct side
// sends a body written once), the size check, the typed error mapping and ctx.resources. Target ≤ 1.1×.
// An A/A row (the direct client against a second one) shows the noise floor of the run.
// BENCH_OUTPUTS=aws,gcp,azure picks providers; BENCH_OUTPUT_BATCHES and BENCH_OUTPUT_WARM_MS (2000)
// set the batches and the warm-up.
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

const median = (xs: readonly number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
const mean = (xs: readonly number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;

async function timed(run: () => Promise<void>, into: number[]): Promise<void> {
  const start = process.hrtime.bigint();
  await run();
  into.push(Number(process.hrtime.bigint() - start) / 1e6);
}

interface Row {
  label: string;
  onefn: number;
  direct: number;
  ratio: number;
  spread: string;
  meanRatio: number;
  target: boolean;
}

/**
 * The two sides interleaved call by call (onefn, direct, then direct, onefn...), so both meet the same
 * machine load, the same server and the same warmth; each call timed on its own. Per batch, the ratio
 * of the two sides' median call; the verdict is the median of the batch ratios, the range is theirs.
 * A call preempted by another process or caught by a collection would swing a batch's mean by far more
 * than the gap being measured (one 5 ms pause in 40 calls of 1 ms is 12%): the mean ratio over all
 * calls, tails included, is shown beside it.
 */
async function compare(label: string, onefn: () => Promise<void>, direct: () => Promise<void>, target = true): Promise<Row> {
  // Warm up until both paths are optimised: at least 300 pairs and BENCH_OUTPUT_WARM_MS (JIT tiers, sockets, caches).
  const warm = Date.now() + Number(process.env['BENCH_OUTPUT_WARM_MS'] ?? 2000);
  for (let i = 0; i < 300 || Date.now() < warm; i++) {
    await onefn();
    await direct();
  }
  const ratios: number[] = [];
  const all = { onefn: [] as number[], direct: [] as number[] };
  for (let i = 0; i < BATCHES; i++) {
    const a: number[] = [];
    const b: number[] = [];
    for (let j = 0; j < PER_BATCH; j++) {
      // Alternate which goes first, so neither always follows the other.
      if ((i + j) % 2) {
        await timed(direct, b);
        await timed(onefn, a);
      } else {
        await timed(onefn, a);
        await timed(direct, b);
      }
    }
    ratios.push(median(a) / median(b));
    all.onefn.push(...a);
    all.direct.push(...b);
  }
  const sorted = [...ratios].sort((p, q) => p - q);
  return {
    label,
    onefn: median(all.onefn),
    direct: median(all.direct),
    ratio: median(ratios),
    spread: `${sorted[0]?.toFixed(2)}-${sorted[sorted.length - 1]?.toFixed(2)}`,
    meanRatio: mean(all.onefn) / mean(all.direct),
    target,
  };
}

const rows: Row[] = [];
// BENCH_OUTPUTS=aws (or gcp, azure, comma-separated) runs only those providers.
const only = process.env['BENCH_OUTPUTS']?.split(',');
const runs = (provider: string): boolean => !only || only.includes(provider);

if (runs('aws')) {
  const fake = await new FakeDataPlane().start();
  const config = { region: 'us-east-1', endpoint: fake.endpoint, credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' } };
  const QueueUrl = `${fake.endpoint}/123456789012/orders`;
  const driver = await createAwsDriver({ env: { ONEFN_QUEUE_ORDERS_URL: QueueUrl }, clientConfig: config });
  const sqs = new SQSClient(config);
  const text = JSON.stringify(body);
  rows.push(await compare('AWS SQS SendMessage', onefnSender(driver), async () => void (await sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: text })))));
  // The control: the direct client against a second, identical one. Its distance from 1.000 is the noise floor.
  const other = new SQSClient(config);
  rows.push(await compare('AWS control: direct client vs a second one', async () => void (await other.send(new SendMessageCommand({ QueueUrl, MessageBody: text }))), async () => void (await sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: text }))), false));
  await fake.stop();
}
if (runs('gcp')) {
  const fake = await new FakePubSub().start();
  const driver = await createGcpDriver({ env: {}, pubsub: { projectId: 'demo', apiEndpoint: fake.endpoint } });
  const topic = new PubSub({ projectId: 'demo', apiEndpoint: fake.endpoint }).topic('orders', { batching: { maxMessages: 1000, maxMilliseconds: 0 } });
  const data = Buffer.from(JSON.stringify(body));
  rows.push(await compare('GCP Pub/Sub publish', onefnSender(driver), async () => void (await topic.publishMessage({ data }))));
  await fake.stop();
}
if (runs('azure')) {
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
const lines = ['| send, on loopback | onefn (ms, median call) | direct client (ms, median call) | ratio (median of batches) | batch range | ratio of means |', '|---|---|---|---|---|---|'];
for (const r of rows) {
  lines.push(`| ${r.label} | ${r.onefn.toFixed(3)} | ${r.direct.toFixed(3)} | ${r.ratio.toFixed(3)}× | ${r.spread} | ${r.meanRatio.toFixed(3)}× |`);
  if (r.target) verdicts.add(`outputs: ${r.label} send ≤ 1.1× the client called directly`, `${r.ratio.toFixed(3)}×`, r.ratio <= 1.1);
}
process.stdout.write(
  `${lines.join('\n')}\n\n${BATCHES} batches of ${PER_BATCH} sends per side, interleaved call by call; a batch's ratio is of its median calls.\n`,
);
process.stdout.write(verdicts.line());
process.exit(0);
