import type { LogEntry } from '../onefn/logger.js';
import type { CheckAnswer } from './check-run.js';

const SNIPPET = 60;

/** A value for a one-line message: JSON-quoted, cut short, CR/LF and control characters escaped. */
export function shown(value: string): string {
  return JSON.stringify(value.length > SNIPPET ? `${value.slice(0, SNIPPET)}...` : value);
}

// An ISO 8601 instant (what `new Date().toISOString()` and JSON dates print): the runners answer one
// after another, so a body that reports the time (an SSE clock, a created-at field) differs by it alone.
const INSTANT = /\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?(?:Z|[+-]\d{2}:\d{2})/g;

/** A body as compared: every instant in it stands for any instant (see INSTANT). */
function comparable(body: string): string {
  return body.replace(INSTANT, '<instant>');
}

/** The two texts from their first difference on, so that a long body shows where it parts. */
function fromFirstDifference(a: string, b: string): [string, string] {
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i++;
  const start = Math.max(0, i - 10);
  const cut = (s: string): string => (start > 0 ? `...${s.slice(start)}` : s);
  return [cut(a), cut(b)];
}

/** A short summary of an answer, for the table's reference column. */
export function summary(answer: CheckAnswer): string {
  switch (answer.kind) {
    case 'http':
      return String(answer.status);
    case 'event':
      return answer.outcomes.join(',');
    case 'error':
      return 'error';
  }
}

/**
 * How `other` (a provider's answer) differs from `reference` (the portable pipeline's), one line per
 * difference; empty when they are the same answer.
 */
export function differences(reference: CheckAnswer, other: CheckAnswer): string[] {
  if (other.kind === 'error') return [`the adapter failed: ${other.error}`];
  if (reference.kind === 'error') return [`the portable pipeline failed (${reference.error}), the adapter answered`];
  if (reference.kind !== other.kind) return [`answered ${other.kind}, expected ${reference.kind}`];
  if (reference.kind === 'event' && other.kind === 'event') {
    const out: string[] = [];
    const n = Math.max(reference.outcomes.length, other.outcomes.length);
    for (let i = 0; i < n; i++) {
      const want = reference.outcomes[i] ?? 'missing';
      const got = other.outcomes[i] ?? 'missing';
      if (want !== got) out.push(`item ${i + 1}: ${got}, expected ${want}`);
    }
    return out;
  }
  if (reference.kind !== 'http' || other.kind !== 'http') return [];
  const out: string[] = [];
  if (reference.status !== other.status) out.push(`status ${other.status}, expected ${reference.status}`);
  const names = [...new Set([...Object.keys(reference.headers), ...Object.keys(other.headers)])].sort();
  for (const name of names) {
    const want = reference.headers[name];
    const got = other.headers[name];
    if (want === got) continue;
    if (got === undefined) out.push(`header ${name} missing, expected ${shown(want as string)}`);
    else if (want === undefined) out.push(`header ${name} ${shown(got)} added`);
    else out.push(`header ${name} ${shown(got)}, expected ${shown(want)}`);
  }
  if (reference.cookies.join('\n') !== other.cookies.join('\n')) out.push(`cookies ${shown(other.cookies.join('; '))}, expected ${shown(reference.cookies.join('; '))}`);
  if (comparable(reference.body) !== comparable(other.body) || reference.bodyEncoding !== other.bodyEncoding) {
    const [want, got] = fromFirstDifference(reference.body, other.body);
    out.push(`body ${shown(got)}, expected ${shown(want)}`);
  }
  return out;
}

/**
 * How an adapter's log entries for one input differ from the portable pipeline's: the same levels and
 * messages in the same order, or the first place they part. Fields are not compared: each adapter
 * adds its own (a request id, the provider's trace).
 */
export function logDifferences(reference: readonly LogEntry[], other: readonly LogEntry[]): string[] {
  const line = (e: LogEntry | undefined): string => (e ? `${e.level} ${e.message}` : 'nothing');
  const n = Math.max(reference.length, other.length);
  for (let i = 0; i < n; i++) {
    if (line(reference[i]) !== line(other[i])) return [`log entry ${i + 1}: ${shown(line(other[i]))}, expected ${shown(line(reference[i]))}`];
  }
  return [];
}
