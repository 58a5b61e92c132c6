// Streamed answers, per provider, on loopback (`node bench/run.mjs stream` runs only this suite):
//  - time to first byte of an answer whose 5 chunks come 50 ms apart, streamed (stream: true) against
//    the same answer buffered (the handler collects the chunks and returns the whole body), read by
//    a client in the server's process;
//  - memory while a 25 MB, then a 100 MB body streams to a client that reads as fast as it can: the
//    server process's RSS, sampled every 20 ms during each body. On GCP and Azure that client is a
//    `node` process of its own (this file run with `--client`), which GETs the URL, drops the bytes
//    and reports how many it read, so the server's RSS holds no client garbage (an in-process
//    client's socket reads left up to ~36 MB of 64 KB read buffers at a peak, and how much of them
//    the GC before a body handed back to the system moved the level before it by 5-25 MB between
//    identical runs). On AWS there is no socket: the streaming handler writes to a stand-in response
//    stream that this process reads. Flat means the 100 MB body does not follow the body's size; it
//    is judged two ways with the same limit, and both are printed: the 100 MB body's peak growth over
//    the level just before it, and its peak above the 25 MB body's peak.
// Each provider runs in a process of its own (Azure's HTTP streams are a process-wide setting):
// AWS through the streaming handler writing to a stand-in response stream read by the bench, GCP
// through functions-framework's server, Azure through @azure/functions' HTTP proxy under the
// stand-in host (its `proxied`, which runs the invocation and leaves the request to the client).
import { execFile, execFileSync } from 'node:child_process';
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
 * Flat: during a 100 MB body, the RSS peak grows at most this much over the level just before it,
 * and (after a 25 MB body has streamed, so the process has grown what streaming needs) rises at
 * most this much above the 25 MB body's peak. A body held whole would add about 100 MB.
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

/**
 * The out-of-process client: this file run with `--client <url> <headers as JSON>`. GETs the URL
 * (trying a refused connection again for a while: Azure's proxy may still be binding its port),
 * drops the bytes as they come and prints `{ ttfb, bytes }`.
 */
async function client(url: string, headers: Record<string, string>): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    try {
      const reading = await new Promise<Reading>((resolve, reject) => {
        const started = performance.now();
        let ttfb = -1;
        let bytes = 0;
        const req = request(url, { headers, agent: false }, (res) => {
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
      process.stdout.write(`${JSON.stringify(reading)}\n`);
      return;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ECONNREFUSED' || attempt >= 50) throw error;
      await sleep(20);
    }
  }
}

/** Reads `url` in a `node` process of its own (see `client`), without blocking this one's event loop. */
function readElsewhere(url: string, headers: Record<string, string> = {}): Promise<Reading> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [process.argv[1] as string, '--client', url, JSON.stringify(headers)], { encoding: 'utf8', timeout: 120_000 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`the client failed: ${error.message} ${stderr}`));
      else resolve(JSON.parse(stdout.trim().split('\n').pop() ?? '{}') as Reading);
    });
  });
}

/** `send` reads in this process; `read` is the client that reads the big bodies (another process on GCP and Azure). */
interface Provider {
  send: Send;
  read: Send;
  close(): Promise<void>;
}

async function awsSend(): Promise<Provider> {
  const { functionUrlEvent, lambdaContext } = await import('@onefn/aws/testing');
  const { lambdaHttpStreamHandler, lambdaHttpV2Handler } = await import('@onefn/aws/entry');
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
  return { send, read: send, close: async () => {} };
}

async function gcpSend(): Promise<Provider> {
  const { serve } = await import('@onefn/gcp');
  const { startServer } = await import('@onefn/gcp/testing');
  const [plan] = serve(Object.fromEntries(definitions.map((d, i) => [`d${i}`, d])), { routedName: 'bench', write: () => {} });
  const server = await startServer(plan!.name);
  const port = Number(new URL(server.url).port);
  return { send: (path) => httpGet(port, path), read: (path) => readElsewhere(`http://127.0.0.1:${port}${path}`), close: () => server.close() };
}

async function azureSend(): Promise<Provider> {
  const { azureHost, rpcHttp } = await import('@onefn/azure/testing');
  const { serve } = await import('@onefn/azure');
  const host = azureHost();
  const [spec] = serve(Object.fromEntries(definitions.map((d, i) => [`d${i}`, d])), { routedName: 'bench' });
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
  const read: Send = async (path) => {
    const { url, headers, done } = await host.proxied(spec!.name, rpcHttp({ url: `/api${path}` }));
    const [reading, result] = await Promise.all([readElsewhere(url, headers), done]);
    if (result.status !== 'success') throw new Error('the invocation failed');
    return reading;
  };
  return { send, read, close: async () => {} };
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;

/** One provider, in this process: prints one JSON line with its figures. */
async function child(provider: string): Promise<void> {
  const { send, read, close } = provider === 'aws' ? await awsSend() : provider === 'gcp' ? await gcpSend() : await azureSend();
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
    const warm = await peakGrowth(async () => (await read('/warm')).bytes);
    const memory = await peakGrowth(async () => (await read('/big')).bytes);
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
    verdicts.add(`${provider}: memory flat: a 100 MB streamed body grows the RSS peak ≤ ${FLAT_LIMIT_MB} MB over the level before it`, `+${r.growthMb.toFixed(1)} MB (25 MB body: +${r.warmMb.toFixed(1)} MB)`, r.growthMb <= FLAT_LIMIT_MB);
    verdicts.add(`${provider}: memory flat: a 100 MB streamed body raises the RSS peak ≤ ${FLAT_LIMIT_MB} MB above a 25 MB one's`, `${signed(added)} (peaks ${r.warmPeakMb.toFixed(1)} and ${r.peakMb.toFixed(1)} MB)`, added <= FLAT_LIMIT_MB);
  }
  process.stdout.write(
    [
      `Streamed answers on loopback: ${CHUNKS} chunks ${GAP_MS} ms apart (median of ${RUNS}), then a 25 MB and a 100 MB body in ${PIECE / 1024} KB chunks read at full speed`,
      '(the server process\'s RSS peak during each body, and its growth over the level before it; the body\'s client is a process of its own on GCP and Azure, the bench reading the stand-in response stream on AWS).',
      '',
      '| provider | first byte, streamed | first byte, buffered | 25 MB body: RSS peak (over the level before) | then 100 MB body: RSS peak (over the level before) | 100 MB peak above the 25 MB peak |',
      '|---|---|---|---|---|---|',
      ...rows,
      '',
    ].join('\n'),
  );
  process.stdout.write(verdicts.line());
}

if (process.argv[2] === '--client') await client(process.argv[3] as string, JSON.parse(process.argv[4] ?? '{}') as Record<string, string>);
else if (process.argv[2] === '--child') {
  await child(process.argv[3] as string);
  // @azure/functions' HTTP proxy server has no close: it would keep this process alive.
  process.exit(0);
}
else await main();
