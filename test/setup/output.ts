// `npm test` is quiet when it passes. Everything a test writes (console, process.stdout/stderr) is
// captured per test: a failing test prints what it wrote, a passing one prints nothing. What a passing
// test may write is asserted: only structured log lines (the JSON that onefn's loggers write for the
// handler failures and refused events tests provoke on purpose). Anything else (a stray console.log, a
// stack, an SDK banner) fails the test that wrote it; a test that provokes such output on purpose
// captures it itself and asserts it.
import { format } from 'node:util';
import { afterEach, beforeEach } from 'vitest';

const written: string[] = [];
const realStderr = process.stderr.write.bind(process.stderr);

function capture(chunk: string | Uint8Array, encoding?: unknown, done?: unknown): boolean {
  written.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
  const callback = typeof encoding === 'function' ? encoding : done;
  if (typeof callback === 'function') queueMicrotask(() => (callback as () => void)());
  return true;
}

process.stdout.write = capture as typeof process.stdout.write;
process.stderr.write = capture as typeof process.stderr.write;
for (const method of ['log', 'info', 'warn', 'error', 'debug', 'trace'] as const) {
  console[method] = (...args: unknown[]) => void written.push(`${format(...args)}\n`);
}

/** A line one of onefn's loggers writes: a JSON object with a level (AWS, local) or a severity (Cloud Logging). */
function isStructuredLog(line: string): boolean {
  if (!line.startsWith('{')) return false;
  try {
    const entry = JSON.parse(line) as Record<string, unknown>;
    return typeof entry['message'] === 'string' && (typeof entry['level'] === 'string' || typeof entry['severity'] === 'string');
  } catch {
    return false;
  }
}

beforeEach(({ onTestFailed }) => {
  written.length = 0;
  onTestFailed(() => {
    if (written.length) realStderr(`\n--- what the failed test wrote ---\n${written.join('')}--- end ---\n`);
  });
});

afterEach(() => {
  const stray = written.join('').split('\n').filter((line) => line.trim() !== '' && !isStructuredLog(line));
  written.length = 0;
  if (stray.length) {
    throw new Error(`the test wrote ${stray.length} line(s) that are not structured logs; capture and assert them instead:\n${stray.slice(0, 8).join('\n')}`);
  }
});
