/**
 * `logs` on Google Cloud: a 2nd gen function logs as its Cloud Run service, so its lines are the
 * Cloud Logging entries of resource type `cloud_run_revision` with that service's name
 * (https://cloud.google.com/run/docs/logging#viewing-logs-cloud-logging), read newest first through
 * the Logging client's entries.list and handed back oldest first as the shared LogLine.
 */
import type { LogLine } from 'onefn/cli';
import { DeployOptionError } from 'onefn/build';
import { apiError, importSdk, resolveAuth, restClientOptions, validateLifecycle, type LifecycleOptions } from './lifecycle.js';

export interface LogsOptions extends LifecycleOptions {
  /** Lines from this long ago on, in milliseconds. Default one hour. */
  sinceMs?: number;
  /** The most lines, the newest ones. Default 100, at most 10000. */
  limit?: number;
  /** The clock, for tests. Default Date.now. */
  now?: () => number;
}

export interface LogsResult {
  readonly function: string;
  /** The Cloud Logging filter that was sent. */
  readonly filter: string;
  /** Oldest first. */
  readonly lines: readonly LogLine[];
}

// LogSeverity (https://cloud.google.com/logging/docs/reference/v2/rest/v2/LogEntry#logseverity), by
// name as the REST transport gives it, or by number.
const LEVELS: Record<string, string | null> = {
  DEFAULT: null, DEBUG: 'debug', INFO: 'info', NOTICE: 'info', WARNING: 'warn', ERROR: 'error', CRITICAL: 'error', ALERT: 'error', EMERGENCY: 'error',
  0: null, 100: 'debug', 200: 'info', 300: 'info', 400: 'warn', 500: 'error', 600: 'error', 700: 'error', 800: 'error',
};

/** A google.protobuf.Value as plain JSON. */
type ProtoValue = { nullValue?: unknown; numberValue?: number | null; stringValue?: string | null; boolValue?: boolean | null; structValue?: ProtoStruct | null; listValue?: { values?: ProtoValue[] | null } | null; kind?: string };
type ProtoStruct = { fields?: Record<string, ProtoValue> | null };

function plain(value: ProtoValue | undefined): unknown {
  if (!value) return null;
  if (value.stringValue !== undefined && value.stringValue !== null) return value.stringValue;
  if (value.numberValue !== undefined && value.numberValue !== null) return value.numberValue;
  if (value.boolValue !== undefined && value.boolValue !== null) return value.boolValue;
  if (value.structValue) return structToObject(value.structValue);
  if (value.listValue) return (value.listValue.values ?? []).map(plain);
  return null;
}

function structToObject(struct: ProtoStruct): Record<string, unknown> {
  const out: Record<string, unknown> = Object.create(null) as Record<string, unknown>;
  for (const [k, v] of Object.entries(struct.fields ?? {})) out[k] = plain(v);
  return out;
}

/** A LogEntry as the generated client returns it (only what is read here). */
export interface RawEntry {
  timestamp?: { seconds?: number | string | null; nanos?: number | null } | null;
  severity?: string | number | null;
  textPayload?: string | null;
  jsonPayload?: ProtoStruct | null;
  protoPayload?: unknown;
  httpRequest?: { requestMethod?: string | null; requestUrl?: string | null; status?: number | null; latency?: { seconds?: number | string | null; nanos?: number | null } | null } | null;
  labels?: Record<string, string> | null;
  trace?: string | null;
}

function timeOf(entry: RawEntry): string {
  const t = entry.timestamp;
  const ms = t ? Number(t.seconds ?? 0) * 1000 + Math.floor(Number(t.nanos ?? 0) / 1e6) : 0;
  return Number.isFinite(ms) ? new Date(ms).toISOString() : new Date(0).toISOString();
}

function messageOf(entry: RawEntry): string {
  if (typeof entry.textPayload === 'string') return entry.textPayload;
  if (entry.jsonPayload) {
    const json = structToObject(entry.jsonPayload);
    const m = json['message'];
    if (typeof m === 'string') return m;
    return JSON.stringify(json);
  }
  const h = entry.httpRequest;
  if (h) {
    const latency = h.latency ? `${Math.round(Number(h.latency.seconds ?? 0) * 1000 + Number(h.latency.nanos ?? 0) / 1e6)}ms` : '';
    return [h.requestMethod, h.requestUrl, h.status, latency].filter((x) => x !== undefined && x !== null && x !== '').join(' ');
  }
  return '';
}

/**
 * One entry as the shared LogLine: the severity as a level, the message (a structured line's
 * `message`, else the text, else the request line Cloud Run writes), and the request id: the
 * `execution_id` label when there is one, else the trace id.
 */
export function logLineOf(entry: RawEntry): LogLine {
  const execution = entry.labels?.['execution_id'];
  const trace = entry.trace ? entry.trace.slice(entry.trace.lastIndexOf('/') + 1) : '';
  const severity = String(entry.severity ?? 'DEFAULT');
  const level = Object.hasOwn(LEVELS, severity) ? LEVELS[severity] : null;
  return { time: timeOf(entry), level: level ?? null, message: messageOf(entry), requestId: execution || trace || null };
}

/** A value quoted for the Logging query language. */
const quoted = (value: string): string => `"${value.replace(/["\\]/g, '\\$&')}"`;

/**
 * Reads a function's recent log lines: Cloud Run's entries for its service since `sinceMs` ago, the
 * newest `limit` of them (newest pages first), handed back oldest first.
 *
 * @example
 * const { lines } = await logs({ project: 'my-project', region: 'europe-west1', function: 'api', sinceMs: 15 * 60_000, limit: 50 })
 */
export async function logs(options: LogsOptions): Promise<LogsResult> {
  validateLifecycle(options, ['sinceMs', 'limit', 'now']);
  const limit = options.limit ?? 100;
  if (!Number.isInteger(limit) || limit < 1 || limit > 10_000) throw new DeployOptionError('limit', `must be a whole number from 1 to 10000, got ${JSON.stringify(options.limit)}`);
  const sinceMs = options.sinceMs ?? 3_600_000;
  // Cloud Logging keeps _Default logs for 30 days; older asks find nothing.
  if (!Number.isInteger(sinceMs) || sinceMs < 1000 || sinceMs > 400 * 86_400_000) throw new DeployOptionError('sinceMs', `must be from 1 s to 400 days in milliseconds, got ${JSON.stringify(options.sinceMs)}`);
  if (options.now !== undefined && typeof options.now !== 'function') throw new DeployOptionError('now', 'must be a function');
  const now = (options.now ?? Date.now)();
  // Cloud Run lower-cases the service name of a function.
  const filter = [
    'resource.type = "cloud_run_revision"',
    `resource.labels.service_name = ${quoted(options.function.toLowerCase())}`,
    `resource.labels.location = ${quoted(options.region)}`,
    `timestamp >= ${quoted(new Date(now - sinceMs).toISOString())}`,
  ].join(' AND ');
  const { v2 } = await importSdk('@google-cloud/logging', () => import('@google-cloud/logging'));
  const auth = await resolveAuth(options);
  const client = new v2.LoggingServiceV2Client(restClientOptions(options, 'logging', auth) as ConstructorParameters<typeof v2.LoggingServiceV2Client>[0]);
  const entries: RawEntry[] = [];
  try {
    let pageToken = '';
    do {
      const [page, next] = await client.listLogEntries(
        { resourceNames: [`projects/${options.project}`], filter, orderBy: 'timestamp desc', pageSize: Math.min(1000, limit - entries.length), ...(pageToken ? { pageToken } : {}) },
        { autoPaginate: false },
      );
      entries.push(...(page as RawEntry[]));
      pageToken = (next as { pageToken?: string } | null)?.pageToken ?? '';
    } while (pageToken && entries.length < limit);
  } catch (error) {
    throw apiError(`reading the logs of ${options.function}`, error);
  } finally {
    await client.close().catch(() => {});
  }
  return { function: options.function, filter, lines: entries.slice(0, limit).map(logLineOf).reverse() };
}

/** `onefn logs --since`: one parser on every provider (onefn/cli). */
export { parseDuration } from 'onefn/cli';
