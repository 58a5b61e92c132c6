// Two streamed answers, written once, streamed by all three clouds: a Server-Sent Events clock and a
// large CSV export produced row by row. Both stop as soon as the client goes away (ctx.signal).
import { setTimeout as sleep } from 'node:timers/promises';
import { defineHttp, HttpError, sse, stream, type SseEvent } from 'onefn';

function intParam(value: string | readonly string[] | undefined, name: string, fallback: number, min: number, max: number): number {
  if (value === undefined) return fallback;
  const n = typeof value === 'string' && /^\d{1,9}$/.test(value) ? Number(value) : NaN;
  if (!(n >= min && n <= max)) throw new HttpError(400, `${name} must be an integer from ${min} to ${max}`, { code: 'INVALID_QUERY' });
  return n;
}

/** One `tick` event per interval, numbered from `from`; stops early when `signal` aborts. */
async function* ticks(from: number, count: number, interval: number, signal: AbortSignal): AsyncGenerator<SseEvent<{ n: number; at: string }>> {
  for (let n = from; n < count; n++) {
    if (n > from) {
      try {
        await sleep(interval, undefined, { signal });
      } catch {
        return; // aborted: the client left, or the deadline is near
      }
    }
    yield { event: 'tick', id: String(n), data: { n, at: new Date().toISOString() } };
  }
}

/**
 * GET /clock?count=5&interval=1000: `count` tick events, `interval` ms apart, as Server-Sent Events.
 * A browser that reconnects sends Last-Event-ID and resumes after it.
 */
export const clock = defineHttp({
  method: 'GET',
  route: '/clock',
  stream: true,
  handler: (req, ctx) => {
    const count = intParam(req.query['count'], 'count', 5, 1, 3600);
    const interval = intParam(req.query['interval'], 'interval', 1000, 10, 60_000);
    const last = req.headers.get('last-event-id');
    const from = last !== undefined && /^\d{1,9}$/.test(last) ? Number(last) + 1 : 0;
    return sse(ticks(from, count, interval, ctx.signal), { retry: interval });
  },
});

const ROWS_PER_CHUNK = 1000;

/** The CSV, a thousand rows per chunk: memory stays that of one chunk, whatever the row count. */
async function* csv(rows: number, signal: AbortSignal): AsyncGenerator<string> {
  yield 'id,name,amount\n';
  for (let start = 0; start < rows; start += ROWS_PER_CHUNK) {
    if (signal.aborted) return;
    let lines = '';
    for (let id = start; id < Math.min(rows, start + ROWS_PER_CHUNK); id++) lines += `${id},item-${id},${(id * 7) % 1000}.${String(id % 100).padStart(2, '0')}\n`;
    yield lines;
    // Let the event loop breathe between chunks (and a cancel in).
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
}

/** GET /export.csv?rows=100000: a CSV export, streamed as it is produced. */
export const exportCsv = defineHttp({
  method: 'GET',
  route: '/export.csv',
  stream: true,
  handler: (req, ctx) => {
    const rows = intParam(req.query['rows'], 'rows', 1000, 0, 10_000_000);
    return stream(csv(rows, ctx.signal), { headers: { 'content-type': 'text/csv; charset=utf-8', 'content-disposition': 'attachment; filename="export.csv"' } });
  },
});

/** The expected CSV for `rows` rows, for tests. */
export function expectedCsv(rows: number): string {
  let out = 'id,name,amount\n';
  for (let id = 0; id < rows; id++) out += `${id},item-${id},${(id * 7) % 1000}.${String(id % 100).padStart(2, '0')}\n`;
  return out;
}
