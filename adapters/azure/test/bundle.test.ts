import { gzipSync } from 'node:zlib';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { bundle } from 'onefn/build';
import { buildFunctionApp } from '@onefn/azure/deploy';

// The bundle weight on Azure, checked on every test run: sizes are deterministic (the same esbuild,
// the same sources), unlike timings, which only `npm run bench` measures. The app bundles
// @azure/functions itself, so onefn's share is the difference from the same function written
// directly against @azure/functions and bundled the same way.
const PUBLISHER = fileURLToPath(new URL('./fixtures/sb-publisher.ts', import.meta.url));
const HELLO = fileURLToPath(new URL('../../../bench/hello.ts', import.meta.url));
const NATIVE = fileURLToPath(new URL('../../../bench/native/azure-hello.ts', import.meta.url));
const gzip = (code: string): number => gzipSync(code, { level: 9 }).byteLength;

describe('the deployed hello function on Azure', () => {
  it('carries no event converter, planner, stream or deploy code, CORS or request validation, and adds at most 8.95 KB gzip to @azure/functions', async () => {
    const app = await buildFunctionApp({ entry: HELLO });
    const code = app.files['dist/index.mjs'] as string;
    const { code: native } = await bundle({ entry: NATIVE, format: 'esm', target: 'node20', external: ['@azure/functions-core'] });
    // The target is 3 KB, unmet: nearly all of the share is onefn's core (the GCP hello, which
    // carries the same core and no SDK, is 9.9 KB gzip whole). This keeps the share from growing back.
    expect(gzip(code) - gzip(native)).toBeLessThanOrEqual(8.95 * 1024);
    // Messages only the queue, Event Grid, blob and timer converters and the planner carry; the
    // streamed body's web stream (to-http.ts) and the HTTP-streams proxy's follower (proxy.ts); CORS
    // and request validation, which the hello function does not set.
    for (const absent of ['access-control-allow-origin', 'Expected a JSON or form body', 'the trigger delivered no message', 'without an id in its trigger metadata', 'an empty Event Grid batch', 'exports no onefn definitions', 'unknown @onefn/azure option', 'has no such option', 'esbuild', '@azure/arm', 'highWaterMark:0', 'http.server.request.start']) {
      expect(code).not.toContain(absent);
    }
    for (const present of ['application/problem+json', 'hello']) expect(code).toContain(present);
  });

  it('embeds only the options its handlers read at run time; the storage and Service Bus settings only with a use', async () => {
    // The minified entry's options literal ({routePrefix:"api",...}), read back as data.
    const options = (code: string): unknown => {
      const literal = /=(\{routePrefix:[^}]*\})/.exec(code)?.[1];
      return literal === undefined ? undefined : JSON.parse(literal.replace(/([{,])(\w+):/g, '$1"$2":'));
    };
    const hello = (await buildFunctionApp({ entry: HELLO, adapter: { routePrefix: 'v1', messaging: 'serviceBus', storageTrigger: 'blob' } })).files['dist/index.mjs'] as string;
    expect(options(hello)).toEqual({ routePrefix: 'v1', functionTimeout: 1800 });
    expect(hello).not.toMatch(/storageTrigger|routedName|serviceBusConnection|\.configure\(/);
    // A function that publishes: the resource driver is told, once at start-up, where queues go and
    // which settings name the connections; the handlers get the configured source.
    const publisher = (await buildFunctionApp({ entry: PUBLISHER, plan: 'consumption', adapter: { messaging: 'serviceBus', serviceBusConnection: 'Bus' } })).files['dist/index.mjs'] as string;
    expect(publisher).toMatch(/=\{routePrefix:"api",functionTimeout:300,resources:[\w$]+\.configure\(\{messaging:"serviceBus",storageConnection:"AzureWebJobsStorage",serviceBusConnection:"Bus"\}\)\}/);
  }, 60_000);
});
