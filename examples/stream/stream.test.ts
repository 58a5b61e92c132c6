// How a test reads a streamed answer with onefn/testing: chunk by chunk, as a client would.
import { describe, expect, it } from 'vitest';
import { httpRequest, invoke } from 'onefn/testing';
import { clock, expectedCsv, exportCsv } from './index.js';

describe('the streaming example', () => {
  it('ticks: one SSE event per chunk, as they come', async () => {
    const res = await invoke(clock, httpRequest({ path: '/clock?count=3&interval=10' }));
    expect(res.header('content-type')).toBe('text/event-stream; charset=utf-8');
    const frames: string[] = [];
    for await (const chunk of res.chunks()) frames.push(new TextDecoder().decode(chunk));
    expect(frames[0]).toBe('retry: 10\n\n');
    expect(frames.slice(1).map((f) => /^id: (\d+)$/m.exec(f)?.[1])).toEqual(['0', '1', '2']);
  });

  it('stops the clock when the client leaves', async () => {
    const res = await invoke(clock, httpRequest({ path: '/clock?count=3600&interval=10' }));
    let seen = 0;
    for await (const chunk of res.chunks()) {
      void chunk;
      if (++seen === 3) break; // the generator's ctx.signal aborts, and its sleep ends
    }
    expect(seen).toBe(3);
    // Cancelled: nothing more comes, though 3,597 ticks were left.
    expect(await res.stream!.read()).toBeUndefined();
  });

  it('exports the CSV whole', async () => {
    const res = await invoke(exportCsv, httpRequest({ path: '/export.csv?rows=2500' }));
    expect(await res.readText()).toBe(expectedCsv(2500));
  });

  it('refuses a bad row count before streaming anything', async () => {
    const res = await invoke(exportCsv, httpRequest({ path: '/export.csv?rows=abc' }));
    expect(res.status).toBe(400);
    expect(res.json()).toMatchObject({ code: 'INVALID_QUERY' });
  });
});
