import { gzipSync } from 'node:zlib';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { bundle } from 'onefn/build';
import { buildFunctionApp } from '@onefn/azure/deploy';

// The bundle weight on Azure, checked on every test run: sizes are deterministic (the same esbuild,
// the same sources), unlike timings, which only `npm run bench` measures. The app bundles
// @azure/functions itself, so onefn's share is the difference from the same function written
// directly against @azure/functions and bundled the same way.
const HELLO = fileURLToPath(new URL('../../../bench/hello.ts', import.meta.url));
const NATIVE = fileURLToPath(new URL('../../../bench/native/azure-hello.ts', import.meta.url));
const gzip = (code: string): number => gzipSync(code, { level: 9 }).byteLength;

describe('the deployed hello function on Azure', () => {
  it('carries no event converter, planner or deploy code, and adds at most 9.8 KB gzip to @azure/functions', async () => {
    const app = await buildFunctionApp({ entry: HELLO });
    const code = app.files['dist/index.mjs'] as string;
    const { code: native } = await bundle({ entry: NATIVE, format: 'esm', target: 'node20', external: ['@azure/functions-core'] });
    // The target is 3 KB (unmet: bench/RESULTS.md); this keeps the share from growing back.
    expect(gzip(code) - gzip(native)).toBeLessThanOrEqual(9.8 * 1024);
    // Messages only the queue, Event Grid, blob and timer converters and the planner carry.
    for (const absent of ['the trigger delivered no message', 'without an id in its trigger metadata', 'an empty Event Grid batch', 'exports no onefn definitions', 'unknown @onefn/azure option', 'esbuild', '@azure/arm']) {
      expect(code).not.toContain(absent);
    }
    for (const present of ['application/problem+json', 'hello']) expect(code).toContain(present);
  });
});
