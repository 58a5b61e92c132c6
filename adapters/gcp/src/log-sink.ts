import type { LogEntry, LogSink } from 'onefn';

// Cloud Logging reads one JSON object per line from stdout/stderr and lifts these special fields:
// https://cloud.google.com/logging/docs/structured-logging#special-payload-fields
const SEVERITY = { debug: 'DEBUG', info: 'INFO', warn: 'WARNING', error: 'ERROR' } as const;
const TRACE_KEY = 'logging.googleapis.com/trace';
const SPAN_KEY = 'logging.googleapis.com/spanId';
const SAMPLED_KEY = 'logging.googleapis.com/trace_sampled';

/** A trace read off the request: Google's own header, or W3C trace context. */
export interface TraceContext {
  readonly traceId: string;
  readonly spanId: string | undefined;
  readonly sampled: boolean | undefined;
}

// X-Cloud-Trace-Context: TRACE_ID/SPAN_ID;o=OPTIONS (span id decimal, o=1 sampled).
// https://cloud.google.com/trace/docs/trace-context#legacy-http-header
const CLOUD_TRACE = /^([0-9a-fA-F]{32})(?:\/(\d+))?(?:;o=([01]))?$/;
// traceparent: VERSION-TRACEID-PARENTID-FLAGS (https://www.w3.org/TR/trace-context/#traceparent-header).
const TRACEPARENT = /^[0-9a-f]{2}-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;

/** Reads the trace from `X-Cloud-Trace-Context` or `traceparent`; undefined when neither parses. */
export function parseTrace(cloudTrace: string | undefined, traceparent: string | undefined): TraceContext | undefined {
  if (cloudTrace) {
    const m = CLOUD_TRACE.exec(cloudTrace.trim());
    if (m) return { traceId: (m[1] as string).toLowerCase(), spanId: m[2], sampled: m[3] === undefined ? undefined : m[3] === '1' };
  }
  if (traceparent) {
    const m = TRACEPARENT.exec(traceparent.trim());
    if (m && !/^0+$/.test(m[1] as string)) return { traceId: m[1] as string, spanId: m[2], sampled: (parseInt(m[4] as string, 16) & 1) === 1 };
  }
  return undefined;
}

/** Where lines go; tests swap it to capture them. */
export type LineWriter = (line: string, level: LogEntry['level']) => void;

const stdWriter: LineWriter = (line, level) => {
  if (level === 'error' || level === 'warn') process.stderr.write(line + '\n');
  else process.stdout.write(line + '\n');
};

/**
 * A sink writing Cloud Logging structured JSON lines: `severity`, `message`, `time`, the entry's
 * fields, and the trace of the request when one arrived and the project is known (the trace field
 * must name the project: `projects/ID/traces/TRACE_ID`).
 *
 * @example
 * const sink = cloudLoggingSink({ project: 'my-project', trace: () => parseTrace(header, undefined) })
 */
export function cloudLoggingSink(options: { project?: string | undefined; trace?: () => TraceContext | undefined; write?: LineWriter } = {}): LogSink {
  const write = options.write ?? stdWriter;
  const { project } = options;
  return (entry) => {
    const line: Record<string, unknown> = { severity: SEVERITY[entry.level], message: entry.message, time: new Date(entry.time).toISOString(), ...entry.fields };
    const trace = options.trace?.();
    if (trace && project) {
      line[TRACE_KEY] = `projects/${project}/traces/${trace.traceId}`;
      if (trace.spanId) line[SPAN_KEY] = trace.spanId;
      if (trace.sampled !== undefined) line[SAMPLED_KEY] = trace.sampled;
    }
    let text: string;
    try {
      text = JSON.stringify(line);
    } catch {
      // A field that cannot be serialized (a cycle, a BigInt) must not lose the entry.
      text = JSON.stringify({ severity: line['severity'], message: entry.message, time: line['time'], note: 'fields could not be serialized' });
    }
    write(text, entry.level);
  };
}
