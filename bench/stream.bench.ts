// Streamed answers, per provider, on loopback (`node bench/run.mjs stream` runs only this suite):
//  - time to first byte of an answer whose 5 chunks come 50 ms apart, streamed (stream: true) against
//    the same answer buffered (the handler collects the chunks and returns the whole body);
//  - memory while a 25 MB, then a 100 MB body streams to a client that reads as fast as it can: the
//    process's RSS peak during each. Flat means the 100 MB body raises the peak little above the
//    25 MB body's, instead of following the body's size. Judged peak against peak, not against the
//    level just before each body: the client shares the process, and its socket reads leave a
//    64 KB buffer of garbage per read (up to ~36 MB of ArrayBuffers at a peak, 0.1 MB with the
//    client in another process); whether the full GC before a body hands that memory back to the
//    system (glibc) or keeps it varies from run to run, which moved the level before, and so the
//    growth over it, by 5-25 MB between identical runs, while the peak itself stayed put.
// Each provider runs in a process of its own (Azure's HTTP streams are a process-wide setting):
// AWS through the streaming handler writing to a stand-in response stream read by the bench, GCP
// through functions-framework's server, Azure through @azure/functions' HTTP proxy under the
// stand-in host.
import { execFileSync } from 'node:child_process';
import { request } from 'node:http';
import { PassThrough } from 'node:stream';
import { defineHttp, stream, type HttpDefinition } from 'onefn';
import { Verdicts } from './verdicts.js';

const CHUNKS = 5;
const GAP_MS = 50;
const RUNS = 5;
const BIG = 100 * 1024 * 1024;
const WARM = 25 * 1024 * 1024;
const PIECE = 64 * 1024;
/**
 * Flat: after a 25 MB body has streamed (the process has grown what streaming needs), a 100 MB body
 * raises the RSS peak at most this much above the 25 MB body's peak. A body held whole would add
 * about 100 MB.
 */
const FLAT_LIMIT_MB = 16;
/** Streamed, the first byte must come within this of the handler's first chunk (buffered waits for all). */
const TTFB_LIMIT_MS = 25;

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

async function* paced(): AsyncGenerator<string> {
  for (let i = 0; i < CHUNKS; i++) {
    if (i) await sleep(GAP_MS);
    yield `chunk ${i}\n`;
  }
}

const piece = new Uint8Array(PIECE).fill(120);
async function* big(size: number): AsyncGenerator<Uint8Array> {
  for (let sent = 0; sent < size; sent += PIECE) yield piece;
}

const definitions: HttpDefinition[] = [
  defineHttp({ method: 'GET', route: '/streamed', stream: true, handler: () => stream(paced()) }),
  defineHttp({
    method: 'GET',
    route: '/buffered',
    handler: async () => {
      let body = '';
      for await (const chunk of paced()) body += chunk;
      return { body };
    },
  }),
  defineHttp({ method: 'GET', route: '/big', stream: true, handler: () => stream(big(BIG)) }),
  defineHttp({ method: 'GET', route: '/warm', stream: true, handler: () => stream(big(WARM)) }),
];

interface Reading {
  /** ms from the request to the first body byte. */
  ttfb: number;
  bytes: number;
}

/** Samples RSS every 20 ms while `run` goes, returning the peak growth over the level before, in MB. */
async function peakGrowth(run: () => Promise<number>): Promise<{ growthMb: number; peakMb: number; bytes: number }> {
  (globalThis as { gc?: () => void }).gc?.();
  const before = process.memoryUsage().rss;
  let peak = before;
  const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 20);
  try {
    const bytes = await run();
    peak = Math.max(peak, process.memoryUsage().rss);
    return { growthMb: (peak - before) / 1024 / 1024, peakMb: peak / 1024 / 1024, bytes };
  } finally {
    clearInterval(timer);
  }
}

/** GET over loopback HTTP: the first byte's time and the body's size (read and dropped). */
function httpGet(port: number, path: string, headers: Record<string, string> = {}): Promise<Reading> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    let ttfb = -1;
    let bytes = 0;
    const req = request({ host: '127.0.0.1', port, path, headers, agent: false }, (res) => {
      res.on('data', (chunk: Buffer) => {
        if (ttfb < 0) ttfb = performance.now() - started;
        bytes += chunk.byteLength;
      });
      res.on('end', () => resolve({ ttfb, bytes }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

type Send = (path: string) => Promise<Reading>;

async function awsSend(): Promise<{ send: Send; close(): Promise<void> }> {
  const { functionUrlEvent, lambdaContext } = await import('@onefn/aws/testing');
  const { lambdaHttpStreamHandler, lambdaHttpV2Handler } = await import('@onefn/aws');
  const streaming = lambdaHttpStreamHandler(definitions);
  const buffered = lambdaHttpV2Handler(definitions);
  const send: Send = async (path) => {
    const started = performance.now();
    if (path === '/buffered') {
      const result = await buffered(functionUrlEvent({ path }), lambdaContext());
      return { ttfb: performance.now() - started, bytes: result.body.length };
    }
    const out = Object.assign(new PassThrough(), { setContentType: () => {} });
    const running = streaming(functionUrlEvent({ path }), out, lambdaContext());
    let ttfb = -1;
    let bytes = 0;
    let preludeDone = false;
    for await (const chunk of out as AsyncIterable<Buffer>) {
      let body = chunk;
      if (!preludeDone) {
        const nul = chunk.indexOf(0);
        if (nul === -1) continue;
        preludeDone = true;
        body = chunk.subarray(nul + 8);
      }
      if (body.byteLength && ttfb < 0) ttfb = performance.now() - started;
      bytes += body.byteLength;
    }
    await running;
    return { ttfb, bytes };
  };
  return { send, close: async () => {} };
}

async function gcpSend(): Promise<{ send: Send; close(): Promise<void> }> {
  const { register } = await import('@onefn/gcp');
  const { startServer } = await import('@onefn/gcp/testing');
  const [plan] = register(Object.fromEntries(definitions.map((d, i) => [`d${i}`, d])), { routedName: 'bench', write: () => {} });
  const server = await startServer(plan!.name);
  const port = Number(new URL(server.url).port);
  return { send: (path) => httpGet(port, path), close: () => server.close() };
}

async function azureSend(): Promise<{ send: Send; close(): Promise<void> }> {
  const { azureHost, rpcHttp } = await import('@onefn/azure/testing');
  const { register } = await import('@onefn/azure');
  const host = azureHost();
  const [spec] = register(Object.fromEntries(definitions.map((d, i) => [`d${i}`, d])), { routedName: 'bench' });
  const send: Send = async (path) => {
    const started = performance.now();
    const { response, done } = host.stream(spec!.name, rpcHttp({ url: `/api${path}` }));
    const res = await response;
    let ttfb = -1;
    let bytes = 0;
    for await (const chunk of res as AsyncIterable<Buffer>) {
      if (ttfb < 0) ttfb = performance.now() - started;
      bytes += chunk.byteLength;
    }
    const result = await done;
    if (result.status !== 'success') throw new Error('the invocation failed');
    return { ttfb, bytes };
  };
  return { send, close: async () => {} };
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;

/** One provider, in this process: prints one JSON line with its figures. */
async function child(provider: string): Promise<void> {
  const { send, close } = provider === 'aws' ? await awsSend() : provider === 'gcp' ? await gcpSend() : await azureSend();
  // Quiet: the pipeline logs nothing on these paths, but a provider's own logging must not reach the table.
  try {
    const expected = Array.from({ length: CHUNKS }, (_, i) => `chunk ${i}\n`).join('').length;
    await send('/streamed');
    await send('/buffered');
    const streamed: number[] = [];
    const buffered: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      const s = await send('/streamed');
      const b = await send('/buffered');
      if (s.bytes !== expected || b.bytes !== expected) throw new Error(`wrong body size: ${s.bytes}, ${b.bytes} (expected ${expected})`);
      streamed.push(s.ttfb);
      buffered.push(b.ttfb);
    }
    const warm = await peakGrowth(async () => (await send('/warm')).bytes);
    const memory = await peakGrowth(async () => (await send('/big')).bytes);
    if (warm.bytes !== WARM || memory.bytes !== BIG) throw new Error(`the bodies arrived as ${warm.bytes} and ${memory.bytes} bytes`);
    process.stdout.write(`${JSON.stringify({ provider, streamed: median(streamed), buffered: median(buffered), warmMb: warm.growthMb, growthMb: memory.growthMb, warmPeakMb: warm.peakMb, peakMb: memory.peakMb })}\n`);
  } finally {
    await close();
  }
}

async function main(): Promise<void> {
  const verdicts = new Verdicts();
  const rows: string[] = [];
  for (const provider of ['aws', 'gcp', 'azure']) {
    let line: string;
    try {
      line = execFileSync(process.execPath, ['--expose-gc', process.argv[1] as string, '--child', provider], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
    } catch (error) {
      rows.push(`| ${provider} | failed: ${(error as Error).message.split('\n')[0]} | | | | |`);
      verdicts.add(`${provider}: streamed first byte ≤ ${TTFB_LIMIT_MS} ms`, 'failed', false);
      continue;
    }
    const last = line.trim().split('\n').pop() ?? '{}';
    const r = JSON.parse(last) as { streamed: number; buffered: number; warmMb: number; growthMb: number; warmPeakMb: number; peakMb: number };
    const added = r.peakMb - r.warmPeakMb;
    const signed = (mb: number): string => `${mb < 0 ? '' : '+'}${mb.toFixed(1)} MB`;
    rows.push(`| ${provider} | ${r.streamed.toFixed(1)} ms | ${r.buffered.toFixed(1)} ms | ${r.warmPeakMb.toFixed(1)} MB (+${r.warmMb.toFixed(1)} MB) | ${r.peakMb.toFixed(1)} MB (+${r.growthMb.toFixed(1)} MB) | ${signed(added)} |`);
    verdicts.add(`${provider}: streamed first byte ≤ ${TTFB_LIMIT_MS} ms (chunks ${GAP_MS} ms apart; buffered waits ~${(CHUNKS - 1) * GAP_MS} ms)`, `${r.streamed.toFixed(1)} ms (buffered ${r.buffered.toFixed(1)} ms)`, r.streamed <= TTFB_LIMIT_MS);
    verdicts.add(`${provider}: memory flat: a 100 MB streamed body raises the RSS peak ≤ ${FLAT_LIMIT_MB} MB above a 25 MB one's`, `${signed(added)} (peaks ${r.warmPeakMb.toFixed(1)} and ${r.peakMb.toFixed(1)} MB; over the level before each: +${r.warmMb.toFixed(1)} and +${r.growthMb.toFixed(1)} MB)`, added <= FLAT_LIMIT_MB);
  }
  process.stdout.write(
    [
      `Streamed answers on loopback: ${CHUNKS} chunks ${GAP_MS} ms apart (median of ${RUNS}), then a 25 MB and a 100 MB body in ${PIECE / 1024} KB chunks read at full speed`,
      '(the process\'s RSS peak during each body, and its growth over the level before it; server and client share the process).',
      '',
      '| provider | first byte, streamed | first byte, buffered | 25 MB body: RSS peak (over the level before) | then 100 MB body: RSS peak (over the level before) | 100 MB peak above the 25 MB peak |',
      '|---|---|---|---|---|---|',
      ...rows,
      '',
    ].join('\n'),
  );
  process.stdout.write(verdicts.line());
}

if (process.argv[2] === '--child') {
  await child(process.argv[3] as string);
  // @azure/functions' HTTP proxy server has no close: it would keep this process alive.
  process.exit(0);
}
else await main();
