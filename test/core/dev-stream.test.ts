// `onefn dev` streams as the providers do: the streaming example over real HTTP.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDevServer, type DevServer } from 'onefn/cli';
import { expectedCsv } from '../../examples/stream/index.js';
import { get } from '../conformance/stream-client.js';

const repo = new URL('../../', import.meta.url).pathname;

describe('onefn dev streams the streaming example', () => {
  let dev: DevServer;
  beforeAll(async () => {
    dev = await startDevServer({ entry: join(repo, 'examples/stream/index.ts'), port: 0, watch: false, print: () => {}, logSink: () => {} });
  });
  afterAll(() => dev.close());

  it('sends the SSE clock chunked, each event as it comes', async () => {
    const { res } = await get(`${dev.url}/clock?count=3&interval=30`);
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('text/event-stream; charset=utf-8');
    expect(res.headers['transfer-encoding']).toBe('chunked');
    const reads: string[] = [];
    for await (const chunk of res) reads.push(String(chunk));
    const body = reads.join('');
    expect([...body.matchAll(/^id: (\d+)$/gm)].map((m) => m[1])).toEqual(['0', '1', '2']);
    // 30 ms apart, the events cannot have come in one read.
    expect(reads.filter((r) => r.includes('event: tick')).length).toBeGreaterThan(1);
  });

  it('sends the CSV export whole', async () => {
    const res = await fetch(`${dev.url}/export.csv?rows=5000`);
    expect(res.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(await res.text()).toBe(expectedCsv(5000));
  });

  it('answers a HEAD with the headers and no body', async () => {
    const res = await fetch(`${dev.url}/export.csv?rows=5`, { method: 'HEAD' });
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('');
  });
});
