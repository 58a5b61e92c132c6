// `npm run bench` for AWS Lambda: onefn against a hand-written handler and the peers users would pick
// instead (Middy, Powertools' parser, Hono), each in its own process, in steady state and after a
// major GC; the scaling of a 100 KB body and of SQS batches; cold starts in fresh processes; and the
// hello function's bundle next to the same function written by hand.
import { bundle } from 'onefn/build';
import { buildNative, buildOnefn, type BuiltCase } from './build-cases.js';
import { coldStarts } from './cold.js';
import type { Expectation } from './drivers/protocol.js';
import { compare, type CaseSpec, type Plan } from './harness.js';
import { awsOrderEvent, awsSqsEvent } from './payloads.js';
import { cached, driver, root, version } from './paths.js';
import { aheadLines, coldTable, gzipBytes, kb, ratioTable, sizeTable } from './report.js';
import { Verdicts } from './verdicts.js';
import { expectedOrderAnswer, largeOrder, messageBody, ORDER_BODY, orderSetCookie, type OrderBody } from './workload.js';

const RUNS = Number(process.env['BENCH_COLD_RUNS'] ?? 15);
const PLAN: Plan = { batches: 40, iterations: 1000, warmup: 3 };
// A 100 KB body and 100 messages take about 100 times longer per invocation.
const SCALE_PLAN: Plan = { batches: 20, iterations: 100, warmup: 3 };

const ONEFN = 'onefn, no schema';
const ONEFN_ZOD = 'onefn, zod body schema';
const MIDDY = `Middy ${version('@middy/core')} + http-json-body-parser`;
const POWERTOOLS = `Powertools parser ${version('@aws-lambda-powertools/parser')} (zod, event schema extended once)`;
const ENVELOPE = `Powertools parser ${version('@aws-lambda-powertools/parser')} (ApiGatewayV2Envelope)`;
const HONO = `Hono ${version('hono')} hono/aws-lambda`;

const [onefn, onefnZod, onefnQueue, onefnHello] = await Promise.all(['functions/orders.ts', 'functions/orders-zod.ts', 'functions/queue.ts', 'hello.ts'].map((e) => buildOnefn('aws', e)));
const [native, nativeSqs, nativeHello, middy, powertools, envelope, hono] = await Promise.all(
  ['native/aws-orders.ts', 'native/aws-sqs.ts', 'native/aws-hello.ts', 'native/aws-middy.ts', 'native/aws-powertools.ts', 'native/aws-powertools-envelope.ts', 'native/aws-hono.ts'].map((e) => buildNative('aws', e, 'handler')),
) as BuiltCase[];

const orderExpect = (body: OrderBody): Expectation => ({ status: 200, json: expectedOrderAnswer(body), header: ['x-order', body.orderId], setCookie: orderSetCookie(body.orderId) });
const event = (name: string, text: string): string => cached(`events/aws-${name}.json`, text);
const awsCase = (name: string, built: BuiltCase | undefined, eventFile: string, expect: Expectation): CaseSpec => ({
  name,
  driver: driver('aws'),
  spec: { module: (built as BuiltCase).file, event: eventFile, expect },
});

// ---------------------------------------------------------------------------------------------------
// The realistic request, and the same request with a 100 KB body.

const orderEvent = event('order', awsOrderEvent(ORDER_BODY));
const orderCases = (eventFile: string, body: OrderBody): { base: CaseSpec; peers: CaseSpec[] } => ({
  base: awsCase('hand-written handler', native, eventFile, orderExpect(body)),
  peers: [
    awsCase(ONEFN, onefn, eventFile, orderExpect(body)),
    awsCase(ONEFN_ZOD, onefnZod, eventFile, orderExpect(body)),
    awsCase(MIDDY, middy, eventFile, orderExpect(body)),
    awsCase(POWERTOOLS, powertools, eventFile, orderExpect(body)),
    awsCase(ENVELOPE, envelope, eventFile, orderExpect(body)),
    awsCase(HONO, hono, eventFile, orderExpect(body)),
  ],
});
const realistic = orderCases(orderEvent, ORDER_BODY);
const out: string[] = [];
const verdicts = new Verdicts();
const orderRows = await compare(realistic.base, realistic.peers, PLAN);
const orderTargets = { [ONEFN]: 1.5, [ONEFN_ZOD]: 2.0 };
out.push(ratioTable('Function URL request: a route parameter, a query string, a cookie, 10 headers, a ~200 B JSON body; JSON answer with a header and a Set-Cookie', orderRows, PLAN, orderTargets));
// Each peer against the onefn case that does the same work: Powertools validates the body with zod.
const peers = [[ONEFN, MIDDY], [ONEFN, HONO], [ONEFN_ZOD, POWERTOOLS], [ONEFN_ZOD, ENVELOPE]] as const;
out.push(aheadLines(orderRows, peers));
verdicts.ratios('AWS, realistic request', orderRows, orderTargets);
verdicts.ahead('AWS, realistic request', orderRows, peers);

const large = largeOrder();
const largeEvent = event('order-100kb', awsOrderEvent(large));
const largeCases = orderCases(largeEvent, large);
out.push(ratioTable(`Scaling: the same request with a ${kb(JSON.stringify(large).length)} KB body`, await compare(largeCases.base, largeCases.peers.slice(0, 2), SCALE_PLAN), SCALE_PLAN));

// ---------------------------------------------------------------------------------------------------
// SQS batches: 10 (the target), 1 and 100 (scaling).

const sqsExpect = (size: number): Expectation => ({ result: { batchItemFailures: [] }, seen: Array.from({ length: size }, (_, i) => messageBody(i).qty).reduce((a, b) => a + b, 0) });
for (const size of [10, 1, 100]) {
  const file = event(`sqs-${size}`, awsSqsEvent(size));
  const plan = size === 100 ? SCALE_PLAN : PLAN;
  const rows = await compare(awsCase('hand-written batch handler', nativeSqs, file, sqsExpect(size)), [awsCase('onefn queue', onefnQueue, file, sqsExpect(size))], plan);
  out.push(ratioTable(size === 10 ? 'SQS batch of 10' : `Scaling: SQS batch of ${size}`, rows, plan, size === 10 ? { 'onefn queue': 1.5 } : {}));
  if (size === 10) verdicts.ratios('AWS, SQS batch of 10', rows, { 'onefn queue': 1.5 });
}

// ---------------------------------------------------------------------------------------------------
// Cold start: a fresh process imports the bundle and answers its first event.

const coldCases = [realistic.base, ...realistic.peers];
const builtBy: Record<string, BuiltCase | undefined> = { 'hand-written handler': native, [ONEFN]: onefn, [ONEFN_ZOD]: onefnZod, [MIDDY]: middy, [POWERTOOLS]: powertools, [ENVELOPE]: envelope, [HONO]: hono };
const sizes = Object.fromEntries(Object.entries(builtBy).map(([name, b]) => [name, b ? kb(gzipBytes(b.code)) : '']));
const coldRows = await coldStarts(coldCases, RUNS);
out.push(coldTable(`Cold start on Lambda: import of the bundled index.mjs, then the first invocation (the realistic request), ${RUNS} fresh processes per case`, coldRows, sizes, { [ONEFN]: 2, [ONEFN_ZOD]: 2 }));
verdicts.firstInvocation('AWS', coldRows, ONEFN, 2);
verdicts.firstInvocation('AWS', coldRows, ONEFN_ZOD, 2);

// ---------------------------------------------------------------------------------------------------
// Bundle weight: functions as `onefn build aws` bundles them (index.mjs, minified), gzipped.

const exampleHello = await buildOnefn('aws', '../examples/hello/index.ts');
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
    resolveDir: `${root}/examples/hello`,
  },
});
const helloGzip = gzipBytes(onefnHello?.code ?? '');
out.push(sizeTable('Bundle weight on AWS (index.mjs, minified, gzip -9)', [
  { name: 'hello function, onefn (bench/hello.ts: GET /hello, no validation library)', code: onefnHello?.code, target: `≤ 10 KB ${helloGzip <= 10 * 1024 ? 'met' : 'MISSED'}` },
  { name: 'hello function written by hand (bench/native/aws-hello.ts), bundled the same way', code: nativeHello?.code },
  { name: `examples/hello (GET and POST /hello, validated with zod/mini ${version('zod')} and English messages)`, code: exampleHello.code, target: 'over 10 KB: zod/mini is the next row' },
  { name: "zod/mini with English messages alone (examples/hello's schemas)", code: zodCode },
]));
verdicts.add('AWS: hello function (bench/hello.ts) ≤ 10 KB gzip', `${kb(helloGzip)} KB`, helloGzip <= 10 * 1024);
process.stdout.write(out.join('\n') + verdicts.line());
