import { describe, expectTypeOf, it } from 'vitest';
import { defineHttp, sse, stream, type HttpResult, type SseEvent, type StreamBody } from 'onefn';

describe('streamed bodies are typed', () => {
  it('takes strings, bytes or a ReadableStream, and nothing else', () => {
    expectTypeOf(stream((async function* () { yield 'a'; yield new Uint8Array(1); })())).toEqualTypeOf<HttpResult>();
    expectTypeOf(stream(new ReadableStream<string>())).toEqualTypeOf<HttpResult>();
    // @ts-expect-error numbers are not chunks
    stream((async function* () { yield 1; })());
    // @ts-expect-error a sync iterable is not a stream (a string is one)
    stream(['a', 'b']);
    expectTypeOf<AsyncIterable<string>>().toExtend<StreamBody>();
  });

  it('types SSE events, and a handler may return sse() or stream()', () => {
    const events = (async function* (): AsyncGenerator<SseEvent<{ n: number }>> { yield { event: 'tick', id: '1', data: { n: 1 } }; })();
    defineHttp({ stream: true, handler: () => sse(events, { retry: 1000, keepAlive: 0 }) });
    defineHttp({ stream: true, handler: async () => stream((async function* () { yield 'x'; })()) });
    // @ts-expect-error an SSE source must be async iterable
    sse([{ data: 1 }]);
    // @ts-expect-error an event needs data
    sse((async function* () { yield { event: 'tick' }; })());
    // @ts-expect-error stream is a boolean
    defineHttp({ stream: 'yes', handler: () => ({}) });
  });
});
