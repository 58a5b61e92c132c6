// Reads a streamed HTTP answer as a client does, for the harnesses that serve over real HTTP.
import { request, type IncomingMessage } from 'node:http';
import type { StreamAnswer } from './stream-suite.js';

/** Sends a GET (or `method`) to 127.0.0.1 and resolves with the response as soon as its headers arrive. */
export function get(url: string, headers: Readonly<Record<string, string>> = {}, method = 'GET'): Promise<{ res: IncomingMessage; close(): void }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { headers, method });
    // After the answer, a body cut short also errors the request (socket hang up): that is read from the response.
    req.on('error', reject);
    req.once('response', (res) => resolve({ res, close: () => req.destroy() }));
    req.end();
  });
}

/** The answer over a response: chunks as they arrive; `aborted` when the body ended without its end. */
export function streamAnswer(res: IncomingMessage, close: () => void, logs: () => string[], end?: Promise<{ how: 'complete' | 'aborted'; errorType?: string }>): StreamAnswer {
  const ended = new Promise<{ how: 'complete' | 'aborted' }>((resolve) => {
    res.once('end', () => resolve({ how: res.complete ? 'complete' : 'aborted' }));
    res.once('close', () => resolve({ how: res.complete ? 'complete' : 'aborted' }));
    // A chunked body cut short errors the response (ECONNRESET, "aborted"); reading it surfaces that.
    res.on('error', () => resolve({ how: 'aborted' }));
  });
  const iterator = res[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
  const chunks: AsyncIterator<Uint8Array> = {
    next: async () => {
      const step = await iterator.next();
      return step.done ? { done: true, value: undefined } : { done: false, value: new Uint8Array(step.value) };
    },
  };
  const header = (name: string): string | undefined => {
    const value = res.headers[name.toLowerCase()];
    return Array.isArray(value) ? value.join(', ') : value;
  };
  return { status: res.statusCode ?? 0, header, cookies: [...(res.headers['set-cookie'] ?? [])], chunks, close, end: end ?? ended, logs };
}
