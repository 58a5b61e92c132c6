// `npm run bench` for Azure Functions: onefn's app entry (built by @onefn/azure/deploy) against
// functions written directly against @azure/functions v4 and bundled the same way. Each case is its
// own process; both sides register with `app.*` and are invoked through the library's own pipeline
// (getArguments, invokeFunction, getResponse) from the same RPC data, decoded afresh per invocation,
// so the ratio is onefn's own cost on top of the library's. Cold starts: a fresh process imports the
// bundle (timed, @azure/functions included as it is in the deployed app) and runs its first invocation.
import { buildNative, buildOnefn, type BuiltCase } from './build-cases.js';
import { coldStarts } from './cold.js';
import type { Expectation } from './drivers/protocol.js';
import { compare, type CaseSpec, type Plan } from './harness.js';
import { azureHelloTrigger, azureOrderTrigger, azureQueueTrigger } from './payloads.js';
import { driver, version } from './paths.js';
import { coldTable, gzipBytes, kb, ratioTable, sizeTable } from './report.js';
import { Verdicts } from './verdicts.js';
import { expectedOrderAnswer, HELLO_ANSWER, messageBody, ORDER_BODY, orderSetCookie } from './workload.js';

const RUNS = Number(process.env['BENCH_COLD_RUNS'] ?? 15);
const PLAN: Plan = { batches: 40, iterations: 500, warmup: 3 };
const NATIVE = 'hand-written v4 function';
const ONEFN = 'onefn (@onefn/azure)';

const [onefnOrders, onefnHello, onefnQueue] = await Promise.all(['functions/orders.ts', 'hello.ts', 'functions/queue.ts'].map((e) => buildOnefn('azure', e)));
const [nativeOrders, nativeHello, nativeQueue] = await Promise.all([
  buildNative('azure', 'native/azure-orders.ts', 'orders'),
  buildNative('azure', 'native/azure-hello.ts', 'hello'),
  buildNative('azure', 'native/azure-queue.ts', 'queue'),
]);

const azureCase = (name: string, built: BuiltCase | undefined, trigger: string, expect: Expectation): CaseSpec => ({
  name,
  driver: driver('azure'),
  spec: { module: (built as BuiltCase).file, name: (built as BuiltCase).name, trigger, expect },
});
const pair = (nativeBuilt: BuiltCase, onefnBuilt: BuiltCase | undefined, trigger: string, expect: Expectation): [CaseSpec, CaseSpec] => [
  azureCase(NATIVE, nativeBuilt, trigger, expect),
  azureCase(ONEFN, onefnBuilt, trigger, expect),
];

const orderExpect: Expectation = { status: 200, json: expectedOrderAnswer(ORDER_BODY), header: ['x-order', ORDER_BODY.orderId], setCookie: orderSetCookie(ORDER_BODY.orderId) };
const orders = pair(nativeOrders, onefnOrders, azureOrderTrigger(ORDER_BODY), orderExpect);
const hello = pair(nativeHello, onefnHello, azureHelloTrigger(), { status: 200, json: HELLO_ANSWER });
const queue = pair(nativeQueue, onefnQueue, azureQueueTrigger(), { seen: messageBody(0).qty });

const out: string[] = [];
const verdicts = new Verdicts();
const target = { [ONEFN]: 1.3 };
const comparisons: Array<[label: string, title: string, cases: [CaseSpec, CaseSpec]]> = [
  ['Azure, realistic request', `@azure/functions ${version('@azure/functions')}: the realistic request (route parameter, query, cookie, 10 headers, ~200 B JSON body; JSON, a header and a Set-Cookie back)`, orders],
  ['Azure, GET /hello', 'Azure HTTP GET /api/hello?name=Ada (JSON answer)', hello],
  ['Azure, Storage queue message', 'Azure Storage queue message', queue],
];
for (const [label, title, [base, onefn]] of comparisons) {
  const rows = await compare(base, [onefn], PLAN);
  out.push(ratioTable(title, rows, PLAN, target));
  verdicts.ratios(label, rows, target);
}

const sizes = { [NATIVE]: kb(gzipBytes(nativeOrders.code)), [ONEFN]: kb(gzipBytes(onefnOrders?.code ?? '')) };
const coldRows = await coldStarts(orders, RUNS);
out.push(coldTable(`Cold start on @azure/functions: import of the bundle, then the first invocation (the realistic request), ${RUNS} fresh processes per case`, coldRows, sizes, { [ONEFN]: 2 }, '@azure/functions'));
verdicts.firstInvocation('Azure', coldRows, ONEFN, 2, '@azure/functions');

// onefn's share: its app entry over the same function written directly against @azure/functions,
// both with @azure/functions bundled in as the deploy helper does.
const share = gzipBytes(onefnHello?.code ?? '') - gzipBytes(nativeHello.code);
out.push(sizeTable('Bundle weight on Azure (dist/index.mjs with @azure/functions bundled in, minified, gzip -9)', [
  { name: 'hello function, onefn (bench/hello.ts, built by @onefn/azure/deploy buildFunctionApp)', code: onefnHello?.code, target: `onefn's share ${kb(share)} KB: ≤ 3 KB ${share <= 3 * 1024 ? 'met' : 'MISSED'}` },
  { name: 'hello function written directly against @azure/functions (bench/native/azure-hello.ts), bundled the same way', code: nativeHello.code },
]));
verdicts.add("Azure: onefn's share of the hello function ≤ 3 KB gzip over the same function on @azure/functions", `${kb(share)} KB`, share <= 3 * 1024);
process.stdout.write(out.join('\n') + verdicts.line());
