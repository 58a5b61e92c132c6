import type { LogLine } from 'onefn/cli';

/**
 * CloudWatch Logs events from a Lambda function -> the shared LogLine. Lambda writes two formats
 * (https://docs.aws.amazon.com/lambda/latest/dg/monitoring-cloudwatchlogs-advanced.html):
 * - text: the runtime's own `START RequestId: <id> Version: <v>`, `END RequestId: <id>` and
 *   `REPORT RequestId: <id>\tDuration: ...` lines, and each console line as
 *   `<time>\t<requestId>\t<LEVEL>\t<message>`;
 * - JSON: `{"timestamp","level","requestId","message"}` per console line, and platform records
 *   `{"time","type":"platform.start"|"platform.report"|...,"record":{"requestId",...}}`.
 * onefn's own logger writes the JSON shape in both (from-context.ts), with its fields after the four.
 */

/** A CloudWatch Logs event as FilterLogEvents answers it. */
export interface LogEventInput {
  readonly timestamp?: number | undefined;
  readonly message?: string | undefined;
}

const LEVELS: Readonly<Record<string, string>> = { TRACE: 'debug', DEBUG: 'debug', INFO: 'info', WARN: 'warn', ERROR: 'error', FATAL: 'error' };
const JSON_KEYS = new Set(['timestamp', 'time', 'level', 'requestId', 'message', 'type', 'record']);
// 2024-03-01T12:00:00.123Z\t<request id or "undefined">\tINFO\tmessage
const TEXT_LINE = /^(\d{4}-\d{2}-\d{2}T[\d:.]+Z)\t([^\t]*)\t([A-Z]+)\t([\s\S]*)$/;
const PLATFORM_LINE = /^(START|END|REPORT|INIT_START|INIT_REPORT|RESTORE_START|RESTORE_REPORT)\b[ \t]*([\s\S]*)$/;
const REQUEST_ID = /RequestId: ([A-Za-z0-9-]+)/;

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);
const text = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);
const levelOf = (value: unknown): string | null => LEVELS[String(value).toUpperCase()] ?? null;
const requestIdOf = (value: unknown): string | null => (typeof value === 'string' && value && value !== 'undefined' ? value : null);

function isoTime(timestamp: number | undefined): string {
  const date = new Date(typeof timestamp === 'number' && Number.isFinite(timestamp) ? timestamp : 0);
  return Number.isNaN(date.getTime()) ? new Date(0).toISOString() : date.toISOString();
}

/** A platform record in words: `START version $LATEST`, `REPORT duration 2.5 ms, billed 3 ms, ...`. */
function platformMessage(type: string, record: Record<string, unknown>): string {
  const name = type.replace(/^platform\./, '');
  const metrics = isRecord(record['metrics']) ? record['metrics'] : {};
  const parts = Object.entries(metrics).map(([k, v]) => `${k} ${typeof v === 'number' || typeof v === 'string' ? v : JSON.stringify(v)}`);
  if (typeof record['version'] === 'string') parts.unshift(`version ${record['version']}`);
  if (typeof record['status'] === 'string') parts.push(`status ${record['status']}`);
  return `${name}${parts.length ? ` ${parts.join(', ')}` : ''}`;
}

function fromJson(doc: Record<string, unknown>, time: string): LogLine | undefined {
  const type = text(doc['type']);
  if (type?.startsWith('platform.') && isRecord(doc['record'])) {
    return { time, level: null, message: platformMessage(type, doc['record']), requestId: requestIdOf(doc['record']['requestId']) };
  }
  if (!('message' in doc) && !('level' in doc)) return undefined;
  const raw = doc['message'];
  let message = typeof raw === 'string' ? raw : JSON.stringify(raw ?? null);
  // onefn's logger (and any structured logger) puts its fields after the four: keep them in the line.
  const extra = Object.fromEntries(Object.entries(doc).filter(([k]) => !JSON_KEYS.has(k)));
  if (Object.keys(extra).length) message += ` ${JSON.stringify(extra)}`;
  return { time, level: levelOf(doc['level']), message, requestId: requestIdOf(doc['requestId']) };
}

/**
 * One CloudWatch Logs event as a LogLine. The time is CloudWatch's (when the line was written); the
 * message keeps its own characters (a terminal printer must neutralise them, see `terminalSafe`).
 *
 * @example
 * parseLambdaLog({ timestamp: 0, message: '2024-01-01T00:00:00.000Z\tabc\tINFO\thello\n' })
 * // { time: '1970-01-01T00:00:00.000Z', level: 'info', message: 'hello', requestId: 'abc' }
 */
export function parseLambdaLog(event: LogEventInput): LogLine {
  const time = isoTime(event.timestamp);
  const message = (event.message ?? '').replace(/\r?\n$/, '');
  if (message.startsWith('{')) {
    try {
      const doc: unknown = JSON.parse(message);
      const line = isRecord(doc) ? fromJson(doc, time) : undefined;
      if (line) return line;
    } catch {
      // Not JSON after all: a text line that starts with a brace.
    }
  }
  const console = TEXT_LINE.exec(message);
  if (console) return { time, level: levelOf(console[3]), message: console[4] ?? '', requestId: requestIdOf(console[2]) };
  const platform = PLATFORM_LINE.exec(message);
  if (platform) return { time, level: null, message: message.replace(/\t+/g, ' ').trim(), requestId: REQUEST_ID.exec(platform[2] ?? '')?.[1] ?? null };
  return { time, level: null, message, requestId: null };
}

/**
 * A message made safe for a terminal: escape sequences and other control characters are written out
 * (`\x1b`), so a logged message can neither recolour the screen nor move the cursor to forge a line.
 * CR and LF stay for `formatLogLine`, which folds them into spaces.
 */
export function terminalSafe(message: string): string {
  // C0 controls but tab, CR and LF; DEL; the C1 controls (U+0080-U+009F, CSI among them); and the
  // Unicode line and paragraph separators, which some terminals break lines on.
  return message.replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\u2028\u2029]/g, (c) => {
    const code = c.charCodeAt(0);
    return code > 0xff ? `\\u${code.toString(16).padStart(4, '0')}` : `\\x${code.toString(16).padStart(2, '0')}`;
  });
}
