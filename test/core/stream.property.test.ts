// Property: whatever chunks a handler streams, and wherever it fails, the client gets either the
// exact bytes, a problem document (a failure before the first chunk), or the bytes up to the failure
// followed by a generic StreamError; never the handler's message, never an unhandled rejection.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { defineHttp, formatEvent, stream, StreamError } from 'onefn';
import { createContext, createRequest, createRouter } from 'onefn/runtime';

const SECRET = 'hunter2-secret';
const chunk = fc.oneof(fc.string({ unit: 'grapheme', maxLength: 20 }), fc.uint8Array({ maxLength: 20 }), fc.constant(''));
const runs = { numRuns: 200 * Number(process.env['ONEFN_FUZZ_FACTOR'] ?? 1), seed: Number(process.env['ONEFN_FUZZ_SEED'] ?? 14) };

const bytesOf = (c: string | Uint8Array): Uint8Array => (typeof c === 'string' ? new TextEncoder().encode(c) : c);
const concat = (parts: Uint8Array[]): string => Buffer.concat(parts).toString('latin1');

function readable(it: AsyncIterator<string | Uint8Array>): ReadableStream<string | Uint8Array> {
  return new ReadableStream({
    async pull(controller) {
      try {
        const step = await it.next();
        if (step.done) controller.close();
        else controller.enqueue(step.value);
      } catch (error) {
        controller.error(error);
      }
    },
  });
}

describe('property: streamed bodies', () => {
  it('deliver the exact bytes, a problem, or a prefix and a generic StreamError', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(chunk, { maxLength: 12 }), fc.option(fc.nat({ max: 12 })), fc.boolean(), async (chunks, failAt, asReadable) => {
        const source = async function* (): AsyncGenerator<string | Uint8Array> {
          for (let i = 0; i < chunks.length; i++) {
            if (i === failAt) throw new Error(SECRET);
            yield chunks[i] as string | Uint8Array;
          }
          if (failAt === chunks.length) throw new Error(SECRET);
        };
        const body = asReadable ? readable(source()) : source();
        const router = createRouter([defineHttp({ stream: true, handler: () => stream(body) })]);
        const res = await router.handle(createRequest({ method: 'GET', path: '/' }), createContext({ logSink: () => {} }));
        const failing = failAt !== null && failAt <= chunks.length;
        const upTo = failing ? chunks.slice(0, failAt) : chunks;
        const expected = concat(upTo.map(bytesOf));
        const failsBeforeFirst = failing && expected.length === 0;
        if (failsBeforeFirst) {
          expect(res.status).toBe(500);
          expect(String(res.body)).not.toContain(SECRET);
          return;
        }
        const got: Uint8Array[] = [];
        let error: unknown;
        if (res.stream) {
          try {
            for (let c = await res.stream.read(); c !== undefined; c = await res.stream.read()) got.push(c);
          } catch (e) {
            error = e;
          }
        } else if (res.body.length) got.push(bytesOf(res.body));
        expect(concat(got)).toBe(expected);
        if (failing) {
          expect(error).toBeInstanceOf(StreamError);
          expect(String((error as Error).message)).not.toContain(SECRET);
        } else expect(error).toBeUndefined();
        expect(got.every((c) => c.byteLength > 0)).toBe(true);
      }),
      runs,
    );
  });

  it('frames any event data so that a client reads it back whole', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme' }), fc.option(fc.string().filter((s) => !/[\r\n\0]/.test(s))), (data, id) => {
        const frame = formatEvent({ data, ...(id === null ? {} : { id }) });
        // The client's parser: split on line ends, join data lines with \n.
        const lines = frame.split(/\r\n|\r|\n/);
        expect(lines.slice(-2)).toEqual(['', '']);
        const read = lines.filter((l) => l.startsWith('data: ')).map((l) => l.slice(6)).join('\n');
        expect(read).toBe(data.replace(/\r\n|\r/g, '\n'));
        if (id !== null) expect(lines.filter((l) => l.startsWith('id: '))).toEqual([`id: ${id}`]);
      }),
      runs,
    );
  });
});
