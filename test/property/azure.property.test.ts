// Azure: random requests and mutated trigger payloads through @azure/functions' own invocation
// pipeline (getArguments, invokeFunction, getResponse) under the stand-in host.
import { validateHeaderName, validateHeaderValue } from 'node:http';
import fc from 'fast-check';
import { beforeEach, describe, expect, it } from 'vitest';
import { OnefnError } from 'onefn';
import { serve } from '@onefn/azure';
import { azureHost, httpResult, rpcEventGrid, rpcFromHostPayload, rpcHttp, rpcQueueMessage, rpcTimer, type HostInvocation } from '@onefn/azure/testing';
import { act, cookieHeader, cookiePairs, encodeQuery, fixtures, headerPairs, headerSafeText, mutated, queryPairs, runs, SECRET, timeoutFor } from './arbitraries.js';
import {
  cloudEventDefinition, expectCleanCookies, expectCleanHeaders, expectNoLeak, expectNoPollution, httpDefinitions, queueDefinition, scheduleDefinition, seen,
  storageDefinition,
} from './invariants.js';

const host = azureHost();

function sendableByHost(payload: unknown): boolean {
  const req = (payload as { Data?: { req?: { Method?: unknown; Headers?: unknown } } } | null)?.Data?.req;
  if (typeof req !== 'object' || req === null) return true;
  if (req.Method !== undefined && !(typeof req.Method === 'string' && /^[A-Za-z]+$/.test(req.Method))) return false;
  if (typeof req.Headers !== 'object' || req.Headers === null) return true;
  try {
    for (const [name, value] of Object.entries(req.Headers)) {
      validateHeaderName(name);
      for (const v of Array.isArray(value) ? value : [value]) validateHeaderValue(name, String(v));
    }
    return true;
  } catch {
    return false;
  }
}
function setup(module: Record<string, unknown>): void {
  host.reset();
  serve(module, { routedName: 'api' });
}
beforeEach(() => seen.reset());

/** A failed invocation must carry a typed error that names no handler message. */
function expectTypedFailure(result: HostInvocation): void {
  if (result.status !== 'failure') return;
  expect(result.error, String(result.error)).toBeInstanceOf(OnefnError);
  expect(String((result.error as Error).message)).not.toContain(SECRET);
}

const path = fc.constantFrom('/echo/1', '/echo/__proto__', '/valid/3', '/valid/x', '/throw', '/late', '/http-error', '/reflect', '/nope');

describe('property: Azure HTTP', () => {
  it('answers every request cleanly and without leaks', async () => {
    setup(Object.fromEntries(httpDefinitions.map((d, i) => [`d${i}`, d])));
    await fc.assert(
      fc.asyncProperty(fc.constantFrom('GET', 'POST'), path, queryPairs, cookiePairs, headerPairs, fc.option(headerSafeText, { nil: undefined }), async (method, p, q, cookies, headers, text) => {
        const query = encodeQuery(q);
        const invocation = await host.invoke('api', rpcHttp({ method, url: `/api${p}${query ? `?${query}` : ''}`, headers: { ...Object.fromEntries(headers), cookie: cookieHeader(cookies) }, ...(text === undefined ? {} : { body: text }) }));
        expect(invocation.status, invocation.status === 'failure' ? String(invocation.error) : '').toBe('success');
        const res = httpResult(invocation);
        expectCleanHeaders(res.headers);
        expectCleanCookies(res.cookies.map((c) => `${c.name ?? ''}=${c.value ?? ''}; Path=${c.path?.value ?? ''}; Domain=${c.domain?.value ?? ''}`));
        expectNoLeak(res.text());
        expectNoPollution();
      }),
      runs(150),
    );
  }, timeoutFor(30_000));
});

describe('property: Azure queue messages', () => {
  it('succeeds exactly when the handler did, and fails with a typed error otherwise', async () => {
    setup({ orders: queueDefinition });
    await fc.assert(
      fc.asyncProperty(act, fc.nat(), async (a, n) => {
        seen.reset();
        const id = `q${n}`;
        const result = await host.invoke('orders', rpcQueueMessage({ id, body: { act: a } }));
        expect(result.status === 'success').toBe(seen.ok.has(id));
        expectTypedFailure(result);
      }),
      runs(100),
    );
  }, timeoutFor(30_000));
});

describe('property: mutated Azure fixtures', () => {
  const modules = {
    orders: queueDefinition,
    store: storageDefinition,
    nightly: scheduleDefinition,
    events: cloudEventDefinition,
  };
  const all = fixtures('azure');
  it.each(all.map((f) => [f.name, f.text] as const))('%s: every function succeeds only for what it handled', async (name, text) => {
    setup(modules);
    await fc.assert(
      fc.asyncProperty(mutated(JSON.parse(text)), fc.constantFrom(...(Object.keys(modules) as Array<keyof typeof modules>)), async (payload, fn) => {
        seen.reset();
        let trigger;
        if (name.startsWith('functions/') && !name.includes('timer')) {
          // The host is an HTTP server: it only ever sends a method that is a token and headers HTTP
          // allows. @azure/functions' own Request refuses anything else before any function code runs.
          if (!sendableByHost(payload)) return;
          try {
            trigger = rpcFromHostPayload(payload);
          } catch {
            return; // not a host payload any more: the host would never send it
          }
        } else trigger = name.includes('timer') ? rpcTimer(payload) : rpcEventGrid(payload);
        const result = await host.invoke(fn, trigger);
        expectTypedFailure(result);
        expectNoPollution();
        const validation = result.status === 'success' && (result.response.returnValue?.json ?? '').includes('validationResponse');
        if (result.status === 'success' && !validation) expect(seen.ok.size, 'succeeded without running the handler').toBeGreaterThan(0);
      }),
      runs(15),
    );
  }, timeoutFor(30_000));
});
