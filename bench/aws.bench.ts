// `npm run bench` for @onefn/aws: onefn on Lambda against a hand-written handler and the peers users
// would pick instead, on the same fresh events; plus an SQS batch and the hello bundle's gzip size.
import { existsSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { gzipSync } from 'node:zlib';
import { fileURLToPath } from 'node:url';
import middy from '@middy/core';
import httpJsonBodyParser from '@middy/http-json-body-parser';
import { ApiGatewayV2Envelope } from '@aws-lambda-powertools/parser/envelopes/api-gatewayv2';
import { APIGatewayProxyEventV2Schema } from '@aws-lambda-powertools/parser/schemas/api-gatewayv2';
import { JSONStringified } from '@aws-lambda-powertools/parser/helpers';
import { Hono } from 'hono';
import { setCookie as honoSetCookie } from 'hono/cookie';
import { handle } from 'hono/aws-lambda';
import { z } from 'zod';
import { defineHttp, defineQueue, json } from 'onefn';
import { planFunctions } from 'onefn/runtime';
import { bundle, loadModule } from 'onefn/build';
import { lambdaHandler } from '@onefn/aws';
import { buildFunction } from '@onefn/aws/deploy';
import { httpApiEvent, lambdaContext, sqsEvent } from '@onefn/aws/testing';
import { compare, table, type BenchCase } from './harness.js';

// The repository root: this file runs bundled from node_modules/.cache, so walk up to onefn's package.json.
function findRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(`${dir}/package.json`) || (JSON.parse(readFileSync(`${dir}/package.json`, 'utf8')) as { name?: string }).name !== 'onefn') {
    const up = dirname(dir);
    if (up === dir) return `${process.cwd()}/`;
    dir = up;
  }
  return `${dir}/`;
}
const root = findRoot();
const version = (name: string): string => (JSON.parse(readFileSync(`${root}node_modules/${name}/package.json`, 'utf8')) as { version: string }).version;

// ---------------------------------------------------------------------------------------------------
// HTTP API v2, a ~200 B JSON body, answered with JSON, a header and a cookie.

const payload = { orderId: 'ord-000123', customer: { id: 'cus-42', email: 'ada@example.com' }, items: [{ sku: 'sku-1', qty: 2, price: 12.5 }, { sku: 'sku-2', qty: 1, price: 99 }], currency: 'EUR', note: 'leave at the door' };
const template = httpApiEvent({ method: 'POST', path: '/orders', json: payload, headers: { 'x-request-id': 'r-1' } });
const context = lambdaContext({ functionName: 'bench' });
// A fresh event per call (handlers may cache on or mutate the event); the copy costs every case alike.
const fresh = () => ({ ...template, headers: { ...template.headers } });
const answer = (body: { orderId: string; items: Array<{ qty: number; price: number }> }) => ({
  orderId: body.orderId,
  total: body.items.reduce((n, i) => n + i.qty * i.price, 0),
});
// Every case sends the same Set-Cookie string (what setCookie('session', 'abc123', { path: '/', httpOnly: true }) gives).
const COOKIE = 'session=abc123; Path=/; HttpOnly';
const Order = z.object({
  orderId: z.string(),
  customer: z.object({ id: z.string(), email: z.string() }),
  items: z.array(z.object({ sku: z.string(), qty: z.number().int().positive(), price: z.number() })),
  currency: z.string().length(3),
  note: z.string().optional(),
});

const native = async (event: typeof template) => {
  const body = JSON.parse(event.body as string) as typeof payload;
  return { statusCode: 200, headers: { 'content-type': 'application/json', 'x-order': body.orderId }, cookies: [COOKIE], body: JSON.stringify(answer(body)), isBase64Encoded: false };
};

const plain = lambdaHandler(defineHttp({
  method: 'POST', route: '/orders',
  handler: (req) => {
    const body = req.body as typeof payload;
    return json(answer(body), { headers: { 'x-order': body.orderId }, cookies: [COOKIE] });
  },
}));
const withZod = lambdaHandler(defineHttp({
  method: 'POST', route: '/orders', body: Order,
  handler: (req) => json(answer(req.body), { headers: { 'x-order': req.body.orderId }, cookies: [COOKIE] }),
}));
const middyHandler = middy(async (event: { body: unknown }) => {
  const body = event.body as typeof payload;
  return { statusCode: 200, headers: { 'content-type': 'application/json', 'x-order': body.orderId }, cookies: [COOKIE], body: JSON.stringify(answer(body)), isBase64Encoded: false };
}).use(httpJsonBodyParser());
// Powertools' envelope extends the event schema on every call (zod then rebuilds it each time), so
// the fair peer extends it once, as Powertools documents for custom schemas; the envelope is shown too.
const OrderJson = JSONStringified(Order);
const OrderEvent = APIGatewayProxyEventV2Schema.extend({ body: OrderJson });
const powertools = async (event: unknown) => {
  const body = OrderEvent.parse(event).body;
  return { statusCode: 200, headers: { 'content-type': 'application/json', 'x-order': body.orderId }, cookies: [COOKIE], body: JSON.stringify(answer(body)), isBase64Encoded: false };
};
const powertoolsEnvelope = async (event: unknown) => {
  const body = ApiGatewayV2Envelope.parse(event, OrderJson);
  return { statusCode: 200, headers: { 'content-type': 'application/json', 'x-order': body.orderId }, cookies: [COOKIE], body: JSON.stringify(answer(body)), isBase64Encoded: false };
};
const app = new Hono();
app.post('/orders', async (c) => {
  const body = await c.req.json<typeof payload>();
  honoSetCookie(c, 'session', 'abc123', { path: '/', httpOnly: true });
  c.header('x-order', body.orderId);
  return c.json(answer(body));
});
const hono = handle(app);

const expected = JSON.stringify(answer(payload));
function checkHttp(result: unknown): string | undefined {
  const r = result as { statusCode?: number; body?: string; headers?: Record<string, string>; cookies?: string[]; multiValueHeaders?: Record<string, string[]> };
  if (r?.statusCode !== 200) return `status ${String(r?.statusCode)}`;
  if (r.body !== expected) return `body ${String(r.body).slice(0, 80)}`;
  if (r.headers?.['x-order'] !== 'ord-000123') return 'no x-order header';
  const cookies = r.cookies ?? r.multiValueHeaders?.['set-cookie'] ?? (r.headers?.['set-cookie'] ? [r.headers['set-cookie']] : []);
  if (!cookies.some((c) => c.startsWith('session=abc123'))) return 'no session cookie';
  return undefined;
}
const http = (name: string, run: () => unknown): BenchCase => ({ name, run, check: checkHttp });

const httpRows = await compare(
  http('native handler', () => native(fresh())),
  [
    http('onefn, no schema', () => plain(fresh(), context)),
    http('onefn, zod body schema', () => withZod(fresh(), context)),
    http(`Middy ${version('@middy/core')} + http-json-body-parser`, () => middyHandler(fresh() as never, context as never)),
    http(`Powertools parser ${version('@aws-lambda-powertools/parser')} (zod, schema extended once)`, () => powertools(fresh())),
    http(`Powertools parser ${version('@aws-lambda-powertools/parser')} (ApiGatewayV2Envelope)`, () => powertoolsEnvelope(fresh())),
    http(`Hono ${version('hono')} hono/aws-lambda`, () => hono(fresh() as never, context as never)),
  ],
  { targets: { 'onefn, no schema': 1.5, 'onefn, zod body schema': 2.0 } },
);

// ---------------------------------------------------------------------------------------------------
// An SQS batch of 10.

const batchTemplate = sqsEvent(Array.from({ length: 10 }, (_, i) => ({ id: `m-${i}`, body: { orderId: `ord-${i}`, qty: i } })), { queue: 'orders' });
const freshBatch = () => ({ Records: batchTemplate.Records.map((r) => ({ ...r })) });
let processed = 0;
const nativeBatch = async (event: typeof batchTemplate) => {
  const failures: Array<{ itemIdentifier: string }> = [];
  for (const record of event.Records) {
    try {
      const body = JSON.parse(record.body) as { qty: number };
      processed += body.qty;
    } catch {
      failures.push({ itemIdentifier: record.messageId });
    }
  }
  return { batchItemFailures: failures };
};
const onefnBatch = lambdaHandler(defineQueue({ queue: 'orders', handler: (m) => void (processed += (m.body as { qty: number }).qty) }));
const checkBatch = (r: unknown): string | undefined => (JSON.stringify(r) === '{"batchItemFailures":[]}' ? undefined : `answered ${JSON.stringify(r)}`);
const sqsRows = await compare(
  { name: 'native batch handler', run: () => nativeBatch(freshBatch()), check: checkBatch },
  [{ name: 'onefn queue', run: () => onefnBatch(freshBatch(), context), check: checkBatch }],
  { targets: { 'onefn queue': 1.5 } },
);

// ---------------------------------------------------------------------------------------------------
// Bundle weight: functions as `onefn build aws` bundles them (index.mjs, minified), gzipped.

const gzipKb = (code: string): string => (gzipSync(code, { level: 9 }).byteLength / 1024).toFixed(1);
async function built(entry: string): Promise<string | undefined> {
  const [plan] = planFunctions(await loadModule(entry));
  return plan ? (await buildFunction({ entry, plan })).code : undefined;
}
// The hello function the target is about, and the hello example, which adds zod/mini validation.
const helloCode = await built(`${root}bench/hello.ts`);
const exampleCode = await built(`${root}examples/hello/index.ts`);
// What zod/mini and its English messages weigh alone, with the example's schemas.
const { code: zodCode } = await bundle({
  entry: {
    contents: [
      "import * as z from 'zod/mini';",
      "import { en } from 'zod/locales';",
      'z.config(en());',
      'const Name = z.string().check(z.minLength(1), z.maxLength(100));',
      'export const query = z.object({ name: z.optional(Name) });',
      'export const body = z.object({ name: Name });',
    ].join('\n'),
    resolveDir: `${root}examples/hello`,
  },
});
const sizeRow = (name: string, code: string | undefined, target: string): string =>
  code ? `| ${name} | ${code.length} | ${gzipKb(code)} | ${target} |` : `| ${name} | not built | | |`;
const helloTarget = helloCode && Number(gzipKb(helloCode)) <= 10 ? '≤ 10 KB met' : '≤ 10 KB MISSED';

const lines = [
  table('HTTP API v2: ~200 B JSON body, JSON answer with a header and a cookie', httpRows),
  table('SQS batch of 10', sqsRows),
  '### Bundle weight (index.mjs, minified, gzip -9)',
  '',
  '| function | bytes | gzip KB | target |',
  '|---|---:|---:|---|',
  sizeRow('hello function (bench/hello.ts: GET /hello, no validation library)', helloCode, helloTarget),
  sizeRow(`examples/hello (GET and POST /hello, validated with zod/mini ${version('zod')} and English messages)`, exampleCode, 'over 10 KB: zod/mini is the next row'),
  sizeRow("zod/mini with English messages alone (examples/hello's schemas)", zodCode, ''),
  '',
  `Node ${process.version}; processed ${processed > 0 ? 'ok' : 'nothing'}.`,
  '',
];
process.stdout.write(lines.join('\n'));
