import { createServer, request, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { BodyStream } from 'onefn/runtime';
import { followConnection, takeProxied, watchProxy } from '../src/proxy.js';

// The follower of @azure/functions' proxy connections, on a plain Node server standing in for the
// library's (the conformance suite runs it through the library itself: azure-stream.test.ts).
let server: Server | undefined;
afterEach(async () => {
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  server = undefined;
});

function serve(onRequest: (res: ServerResponse) => void): Promise<number> {
  watchProxy();
  server = createServer((_req, res) => onRequest(res));
  return new Promise((resolve) => server!.listen(0, '127.0.0.1', () => resolve((server!.address() as AddressInfo).port)));
}

/** A GET whose body is read only when `body()` is called (a client that does not read holds the socket full). */
function send(port: number, headers: Record<string, string>): Promise<{ destroy(): void; body(): Promise<string> }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, headers, agent: false });
    req.on('error', reject);
    req.once('response', (res) => {
      // After the answer, a client that leaves errors its own request: expected here.
      req.off('error', reject);
      req.on('error', () => {});
      res.on('error', () => {});
      const body = async (): Promise<string> => {
        let text = '';
        for await (const chunk of res) text += String(chunk);
        return text;
      };
      resolve({ destroy: () => req.destroy(), body });
    });
    req.end();
  });
}

function fakeStream(): BodyStream & { cancelled: number } {
  const self = {
    cancelled: 0,
    read: async () => new Uint8Array([1]),
    cancel: () => void self.cancelled++,
    [Symbol.asyncIterator]: () => ({ next: async () => ({ done: true as const, value: undefined }) }),
  };
  return self;
}

describe('the proxy connection follower', () => {
  it('hands an invocation its response once, by the invocation id header, and forgets it', async () => {
    let seen: ServerResponse | undefined;
    const port = await serve((res) => {
      seen = takeProxied('inv-1');
      expect(takeProxied('inv-1')).toBeUndefined();
      res.end('ok');
    });
    const { body } = await send(port, { 'x-ms-invocation-id': 'inv-1' });
    expect(await body()).toBe('ok');
    expect(seen).toBeDefined();
  });

  it('forgets a response no invocation took once it closes (no entry left per request)', async () => {
    const port = await serve((res) => res.end('ok'));
    const { body } = await send(port, { 'x-ms-invocation-id': 'never-taken' });
    await body();
    await expect.poll(() => takeProxied('never-taken')).toBeUndefined();
  });

  it('ignores requests without the header, and an id like __proto__ is a plain key', async () => {
    const port = await serve((res) => {
      expect(takeProxied('__proto__')).toBeDefined();
      res.end('ok');
    });
    expect(await (await send(port, { 'x-ms-invocation-id': '__proto__' })).body()).toBe('ok');
    expect(takeProxied('__proto__')).toBeUndefined();
    server!.removeAllListeners('request');
    server!.on('request', (_req, res: ServerResponse) => res.end('plain'));
    expect(await (await send(port, {})).body()).toBe('plain');
  });

  it('cancels the stream when the connection closes before the body ends, not after it ended', async () => {
    const streams: Array<BodyStream & { cancelled: number }> = [];
    let opened: () => void = () => {};
    const open = new Promise<void>((resolve) => (opened = resolve));
    const port = await serve((res) => {
      const out = takeProxied('inv-gone')!;
      expect(out).toBe(res);
      const stream = fakeStream();
      streams.push(stream);
      followConnection(stream, out);
      res.write('first');
      opened();
    });
    const client = await send(port, { 'x-ms-invocation-id': 'inv-gone' });
    await open;
    client.destroy();
    await expect.poll(() => streams[0]?.cancelled).toBe(1);
  });

  it('reads the next chunk only once the response drained what was written', async () => {
    const big = new Uint8Array(8 * 1024 * 1024);
    let reads = 0;
    let followed: BodyStream | undefined;
    const port = await serve((res) => {
      const out = takeProxied('inv-slow')!;
      followed = followConnection({ ...fakeStream(), read: async () => (reads++, big) }, out);
      // The library writes without looking at write()'s answer; the socket cannot take 8 MB at once.
      out.write(big);
    });
    const client = await send(port, { 'x-ms-invocation-id': 'inv-slow' });
    await expect.poll(() => followed).toBeDefined();
    // The client reads nothing yet: the read waits for 'drain'.
    const pending = followed!.read();
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(reads).toBe(0);
    client.destroy();
    // The connection closing ends the wait (and cancels): the read goes on to the stream.
    await pending;
    expect(reads).toBe(1);
  });
});
