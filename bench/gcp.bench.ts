// `npm run bench` for Google Cloud Functions: onefn's archive (built by @onefn/gcp/deploy) against
// functions written directly against functions-framework. Each case is its own process serving its
// function with the framework's own server (getTestServer) on 127.0.0.1 and driving it over one
// keep-alive connection, so each ratio is onefn's cost on top of the framework's request path (the
// client's cost is in both sides). Cold starts: a fresh process loads the framework, imports the
// bundle (timed), listens, and answers its first request (timed, the connection already open).
import { buildNative, buildOnefn, type BuiltCase } from './build-cases.js';
import { coldStarts } from './cold.js';
import type { GcpRequest } from './drivers/gcp.js';
import type { Expectation } from './drivers/protocol.js';
import { compare, type CaseSpec, type Plan } from './harness.js';
import { gcpHelloRequest, gcpOrderRequest, gcpPubsubRequest } from './payloads.js';
import { driver, version } from './paths.js';
import { coldTable, gzipBytes, kb, ratioTable, sizeTable } from './report.js';
import { Verdicts } from './verdicts.js';
import { expectedOrderAnswer, HELLO_ANSWER, messageBody, ORDER_BODY, orderSetCookie } from './workload.js';

const RUNS = Number(process.env['BENCH_COLD_RUNS'] ?? 15);
const PLAN: Plan = { batches: 30, iterations: 200, warmup: 3 };
const NATIVE = 'hand-written function';
const ONEFN = 'onefn (@onefn/gcp)';

const [onefnOrders, onefnHello, onefnTopic] = await Promise.all(['functions/orders.ts', 'hello.ts', 'functions/topic.ts'].map((e) => buildOnefn('gcp', e)));
const [nativeOrders, nativeHello, nativeTopic] = await Promise.all([
  buildNative('gcp', 'native/gcp-orders.ts', 'orders'),
  buildNative('gcp', 'native/gcp-hello.ts', 'hello'),
  buildNative('gcp', 'native/gcp-topic.ts', 'topic'),
]);
const nativeRaw = await buildNative('gcp', 'native/gcp-orders-raw.ts', 'orders');
const RAW = 'hand-written function, plain Node response (the floor: no Express helpers, as onefn writes)';

const gcpCase = (name: string, built: BuiltCase | undefined, request: GcpRequest, expect: Expectation): CaseSpec => ({
  name,
  driver: driver('gcp'),
  spec: { module: (built as BuiltCase).file, target: (built as BuiltCase).name, request, expect },
});
const pair = (nativeBuilt: BuiltCase, onefnBuilt: BuiltCase | undefined, request: GcpRequest, expect: Expectation): [CaseSpec, CaseSpec] => [
  gcpCase(NATIVE, nativeBuilt, request, expect),
  gcpCase(ONEFN, onefnBuilt, request, expect),
];

const orderExpect: Expectation = { status: 200, json: expectedOrderAnswer(ORDER_BODY), header: ['x-order', ORDER_BODY.orderId], setCookie: orderSetCookie(ORDER_BODY.orderId) };
const orders = pair(nativeOrders, onefnOrders, gcpOrderRequest(ORDER_BODY), orderExpect);
const hello = pair(nativeHello, onefnHello, gcpHelloRequest, { status: 200, json: HELLO_ANSWER });
const topic = pair(nativeTopic, onefnTopic, gcpPubsubRequest(), { status: 204, seen: messageBody(0).qty });

const out: string[] = [];
const verdicts = new Verdicts();
const target = { [ONEFN]: 1.3 };
const comparisons: Array<[label: string, title: string, cases: [CaseSpec, CaseSpec]]> = [
  ['GCP, realistic request', `functions-framework ${version('@google-cloud/functions-framework')}: the realistic request (route parameter, query, cookie, 10 headers, ~200 B JSON body; JSON, a header and a Set-Cookie back)`, orders],
  ['GCP, GET /hello', 'GCP HTTP GET /hello?name=Ada (JSON answer)', hello],
  ['GCP, Pub/Sub message', 'GCP Pub/Sub message (binary-mode CloudEvent from Eventarc)', topic],
];
for (const [label, title, [base, onefn]] of comparisons) {
  const rows = await compare(base, [onefn], PLAN);
  out.push(ratioTable(title, rows, PLAN, target));
  verdicts.ratios(label, rows, target);
}

const sizes = { [NATIVE]: kb(gzipBytes(nativeOrders.code)), [ONEFN]: kb(gzipBytes(onefnOrders?.code ?? '')), [RAW]: kb(gzipBytes(nativeRaw.code)) };
const coldRows = await coldStarts([...orders, gcpCase(RAW, nativeRaw, gcpOrderRequest(ORDER_BODY), orderExpect)], RUNS);
out.push(coldTable(`Cold start on functions-framework: import of the bundle, then the first request (the realistic request), ${RUNS} fresh processes per case`, coldRows, sizes, { [ONEFN]: 2 }, 'functions-framework'));
verdicts.firstInvocation('GCP', coldRows, ONEFN, 2, 'functions-framework', RAW);

const helloGzip = gzipBytes(onefnHello?.code ?? '');
out.push(sizeTable('Bundle weight on GCP (the archive\'s index.js, minified, gzip -9; functions-framework stays a dependency)', [
  { name: 'hello function, onefn (bench/hello.ts, built by @onefn/gcp/deploy buildArchive)', code: onefnHello?.code, target: `≤ 10 KB ${helloGzip <= 10 * 1024 ? 'met' : 'MISSED'}` },
  { name: 'hello function written directly against functions-framework (bench/native/gcp-hello.ts), bundled the same way', code: nativeHello.code },
]));
verdicts.add('GCP: hello function (bench/hello.ts) ≤ 10 KB gzip', `${kb(helloGzip)} KB`, helloGzip <= 10 * 1024);
process.stdout.write(out.join('\n') + verdicts.line());
