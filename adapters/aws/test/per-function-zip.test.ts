import { SourceMap } from 'node:module';
import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { unzipSync } from 'fflate';
import { loadModule } from 'onefn/build';
// Not public: the loader `loadModule` uses, to run a built bundle in this process.
import { importBundle } from '../../../src/build/bundle.js';
import { planFunctions, type FunctionPlan } from 'onefn/runtime';
import { buildFunction, type LambdaArtifact } from '@onefn/aws/deploy';
import { lambdaContext, scheduledEvent, sqsEvent } from '@onefn/aws/testing';

// A module of four definitions (two HTTP routes, which plan into one routed function, a queue and a
// schedule), each with its own zod schemas and one shared between the HTTP body and the queue.
const APP = fileURLToPath(new URL('./app/four.ts', import.meta.url));
const MARKERS = { createOrder: 'CREATE_ORDER_MARKER', listInvoices: 'LIST_INVOICES_MARKER', shipments: 'SHIPMENTS_MARKER', nightly: 'NIGHTLY_MARKER' } as const;
// A string only the queue's schema has, one only the invoices query has, and one only the shared Address has.
const SHIPMENTS_SCHEMA = '"fedex"';
const INVOICES_SCHEMA = '"GBP"';
const ADDRESS_SCHEMA = '[A-Z0-9 -]{3,10}';

let plans: FunctionPlan[];
const built = new Map<string, LambdaArtifact>();

beforeAll(async () => {
  plans = planFunctions(await loadModule(APP));
  for (const plan of plans) built.set(plan.name, await buildFunction({ entry: APP, plan }));
});

const gzip = (code: string): number => gzipSync(code, { level: 9 }).byteLength;
const present = (code: string, markers: readonly string[]): string[] => markers.filter((m) => code.includes(m));

describe('onefn build aws on a four-definition module', () => {
  it('plans three functions: the routed HTTP one, the queue and the schedule', () => {
    expect(plans.map((p) => p.name).sort()).toEqual(['http', 'nightly', 'shipments']);
  });

  it("gives each zip only the definitions its function serves, and only their schemas", () => {
    const all = Object.values(MARKERS);
    const http = built.get('http')!.code;
    expect(present(http, all)).toEqual([MARKERS.createOrder, MARKERS.listInvoices]);
    expect(http).toContain(ADDRESS_SCHEMA);
    expect(http).toContain(INVOICES_SCHEMA);
    expect(http).not.toContain(SHIPMENTS_SCHEMA);

    const shipments = built.get('shipments')!.code;
    expect(present(shipments, all)).toEqual([MARKERS.shipments]);
    expect(shipments).toContain(SHIPMENTS_SCHEMA);
    expect(shipments).toContain(ADDRESS_SCHEMA);
    expect(shipments).not.toContain(INVOICES_SCHEMA);

    const nightly = built.get('nightly')!.code;
    expect(present(nightly, all)).toEqual([MARKERS.nightly]);
    for (const schema of [SHIPMENTS_SCHEMA, INVOICES_SCHEMA, ADDRESS_SCHEMA]) expect(nightly).not.toContain(schema);
  });

  it('leaves zod out of the function that has no schema: 9.3 KB gzip (10 KB zip), against 102 KB when every definition came along', () => {
    const nightly = built.get('nightly')!;
    // zod's own classes; a function with no schema carries none of them.
    expect(nightly.code).not.toContain('$ZodObject');
    expect(gzip(nightly.code)).toBeLessThanOrEqual(10 * 1024);
    expect(nightly.zip.byteLength).toBeLessThanOrEqual(11 * 1024);
    // The functions with schemas carry zod itself (its classic API is one namespace, ~95 KB gzip), but
    // not the other functions' code.
    for (const name of ['http', 'shipments']) expect(built.get(name)!.code).toContain('$ZodObject');
  });

  it('gives the same bytes for the same input', async () => {
    const plan = plans.find((p) => p.name === 'shipments')!;
    const again = await buildFunction({ entry: APP, plan });
    expect(again.codeSha256).toBe(built.get('shipments')!.codeSha256);
    expect(Object.keys(unzipSync(again.zip))).toEqual(['index.mjs']);
  });

  it('still runs: the shared schema is made before the definition that uses it, and bad messages fail alone', async () => {
    const mod = await importBundle(built.get('shipments')!.code, dirname(APP));
    const handler = mod['handler'] as (event: unknown, context: unknown) => Promise<{ batchItemFailures: { itemIdentifier: string }[] }>;
    const good = { orderId: '0b0e7f5c-5a8e-4c1e-9a7e-3f1f0c9d2a11', carrier: 'dhl', to: { street: 'Main St 1', city: 'Leeds', postcode: 'LS1 4AP' }, weightGrams: 1200 };
    const event = sqsEvent([
      { id: 'ok', body: good },
      { id: 'bad-postcode', body: { ...good, to: { ...good.to, postcode: 'x' } } },
      { id: 'too-heavy', body: { ...good, carrier: 'fedex', weightGrams: 90_000 } },
    ], { queue: 'shipments' });
    const result = await handler(event, lambdaContext({ functionName: 'shipments' }));
    expect(result.batchItemFailures.map((f) => f.itemIdentifier).sort()).toEqual(['bad-postcode', 'too-heavy']);
  });

  it('runs the schedule built without zod', async () => {
    const mod = await importBundle(built.get('nightly')!.code, dirname(APP));
    const handler = mod['handler'] as (event: unknown, context: unknown) => Promise<unknown>;
    await expect(handler(scheduledEvent({ rule: 'nightly' }), lambdaContext({ functionName: 'nightly' }))).resolves.toBeUndefined();
  });

  it('with sourcemap, maps the zip\'s code back to the lines of the module, through the definitions left out', async () => {
    const plan = plans.find((p) => p.name === 'nightly')!;
    const artifact = await buildFunction({ entry: APP, plan, sourcemap: true });
    expect(Object.keys(unzipSync(artifact.zip)).sort()).toEqual(['index.mjs', 'index.mjs.map']);
    const map = new SourceMap(JSON.parse(artifact.map!) as ConstructorParameters<typeof SourceMap>[0]);
    const at = artifact.code.indexOf('NIGHTLY_MARKER');
    const before = artifact.code.slice(0, at).split('\n');
    const entry = map.findEntry(before.length - 1, before.at(-1)!.length) as { originalSource?: string; originalLine?: number };
    const line = readFileSync(APP, 'utf8').split('\n').findIndex((l) => l.includes('NIGHTLY_MARKER'));
    expect(entry.originalSource).toBe('four.ts');
    expect(entry.originalLine).toBe(line);
  });
});
