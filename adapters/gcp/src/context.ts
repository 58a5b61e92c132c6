import type { Context, LogEntry, LogSink, Native } from 'onefn';
import { createContext } from 'onefn/runtime';
import type { GcpRequest } from './native.js';
import type { RuntimeConfig } from './options.js';

// Cloud Logging reads one JSON object per line from stdout/stderr and lifts these special fields:
// https://cloud.google.com/logging/docs/structured-logging#special-payload-fields
const SEVERITY = { debug: 'DEBUG', info: 'INFO', warn: 'WARNING', error: 'ERROR' } as const;
const TRACE_KEY = 'logging.googleapis.com/trace';
const SPAN_KEY = 'logging.googleapis.com/spanId';
const SAMPLED_KEY = 'logging.googleapis.com/trace_sampled';

/** A trace read off the request: Google's own header, or W3C trace context. */
export interface TraceContext {
  /** 32 lower-case hex digits. */
  readonly traceId: string;
  /** 16 lower-case hex digits, the form Cloud Logging's `spanId` field takes. */
  readonly spanId: string | undefined;
  readonly sampled: boolean | undefined;
}

// X-Cloud-Trace-Context: TRACE_ID/SPAN_ID;o=OPTIONS (span id decimal, o=1 sampled).
// https://cloud.google.com/trace/docs/trace-context#legacy-http-header
const CLOUD_TRACE = /^([0-9a-fA-F]{32})(?:\/(\d+))?(?:;o=([01]))?$/;
// traceparent: VERSION-TRACEID-PARENTID-FLAGS, lower-case hex only
// (https://www.w3.org/TR/trace-context/#traceparent-header). A later version may append fields after
// another "-"; version 00 has exactly these four, and version ff is invalid.
const TRACEPARENT = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(-.*)?$/;
const ZEROS = /^0+$/;

function parseTraceparent(header: string): TraceContext | undefined {
  const m = TRACEPARENT.exec(header);
  if (!m) return undefined;
  const [, version, traceId, spanId, flags, rest] = m as unknown as [string, string, string, string, string, string | undefined];
  if (version === 'ff' || (version === '00' && rest !== undefined)) return undefined;
  // An all-zero trace or parent id is invalid, and the header must then be ignored.
  if (ZEROS.test(traceId) || ZEROS.test(spanId)) return undefined;
  // Bit 0 of the flags is "sampled"; the other bits are reserved.
  return { traceId, spanId, sampled: (parseInt(flags, 16) & 1) === 1 };
}

const MAX_SPAN = 0xffffffffffffffffn;

// The legacy header's span id is decimal, but Cloud Logging wants the 16-hex-digit form Trace API v2
// uses (https://cloud.google.com/logging/docs/reference/v2/rest/v2/LogEntry#FIELDS.span_id); one that
// does not fit in 64 bits is no span id at all.
function hexSpan(decimal: string | undefined): string | undefined {
  if (decimal === undefined || decimal.length > 20) return undefined;
  const n = BigInt(decimal);
  return n > 0n && n <= MAX_SPAN ? n.toString(16).padStart(16, '0') : undefined;
}

/** Reads the trace from `X-Cloud-Trace-Context` or `traceparent`; undefined when neither parses. */
export function parseTrace(cloudTrace: string | undefined, traceparent: string | undefined): TraceContext | undefined {
  if (cloudTrace) {
    const m = CLOUD_TRACE.exec(cloudTrace.trim());
    if (m && !ZEROS.test(m[1] as string)) return { traceId: (m[1] as string).toLowerCase(), spanId: hexSpan(m[2]), sampled: m[3] === undefined ? undefined : m[3] === '1' };
  }
  return traceparent ? parseTraceparent(traceparent.trim()) : undefined;
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

function header(req: GcpRequest | undefined, name: string): string | undefined {
  const value = req?.headers[name];
  return typeof value === 'string' ? value : undefined;
}

/**
 * The context of one invocation. The trace is read from the headers only when something is logged;
 * a CloudEvent's `traceparent` extension (Eventarc sets it) counts as well as the HTTP header.
 */
export function invocationContext(config: RuntimeConfig, requestId: string, req: GcpRequest | undefined, native: Native, traceparent?: string): Context {
  const logSink =
    config.logSink ??
    cloudLoggingSink({
      project: config.project,
      write: config.write,
      trace: () => parseTrace(header(req, 'x-cloud-trace-context'), header(req, 'traceparent') ?? traceparent),
    });
  return createContext({
    requestId,
    functionName: config.functionName,
    provider: 'gcp',
    timeoutMs: config.timeoutMs,
    env: config.env,
    native,
    logSink,
    signal: req?.abortController?.signal,
    resources: config.resources,
  });
}

/** The HTTP request id: the execution id (header or the framework's), else the trace id. */
export function httpRequestId(req: GcpRequest): string {
  return header(req, 'function-execution-id') ?? req.executionId ?? parseTrace(header(req, 'x-cloud-trace-context'), header(req, 'traceparent'))?.traceId ?? `gcp-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
}
