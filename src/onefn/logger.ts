/** Log levels, lowest first. */
export const LOG_LEVELS = ['debug', 'info', 'warn', 'error'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export type LogFields = Readonly<Record<string, unknown>>;

/** One structured log entry, handed to the adapter's sink. */
export interface LogEntry {
  readonly level: LogLevel;
  readonly message: string;
  /** Milliseconds since the epoch. */
  readonly time: number;
  /** Fields of the logger's parents first, then the call's own; errors already serialized. */
  readonly fields: LogFields;
}

/** Where entries go. Each adapter provides one in its provider's format. */
export type LogSink = (entry: LogEntry) => void;

/**
 * A structured logger with levels, fields and child loggers.
 *
 * @example
 * ctx.log.info('order placed', { orderId: 42 })
 * const log = ctx.log.child({ tenant: 'acme' }); log.warn('slow', { ms: 900 })
 */
export interface Logger {
  debug(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
  /** A logger that adds `fields` to every entry. */
  child(fields: LogFields): Logger;
}

const RANK: Record<LogLevel, number> = { debug: 0, info: 1, warn: 2, error: 3 };

export function isLogLevel(value: unknown): value is LogLevel {
  return typeof value === 'string' && (LOG_LEVELS as readonly string[]).includes(value);
}

/** Errors are not JSON-serializable; turn them into plain data (stack included: logs are private). */
export function serializeError(error: unknown): unknown {
  if (!(error instanceof Error)) return error;
  const out: Record<string, unknown> = { name: error.name, message: error.message };
  const code = (error as { code?: unknown }).code;
  if (code !== undefined) out['code'] = code;
  if (error.stack) out['stack'] = error.stack;
  if (error.cause !== undefined) out['cause'] = serializeError(error.cause);
  return out;
}

function serializeFields(fields: LogFields): LogFields {
  let out: Record<string, unknown> | undefined;
  for (const key in fields) {
    const value = fields[key];
    if (value instanceof Error) {
      out ??= { ...fields };
      out[key] = serializeError(value);
    }
  }
  return out ?? fields;
}

class SinkLogger implements Logger {
  constructor(
    private readonly sink: LogSink,
    private readonly minRank: number,
    private readonly base: LogFields | undefined,
  ) {}

  private write(level: LogLevel, message: string, fields: LogFields | undefined): void {
    if (RANK[level] < this.minRank) return;
    const own = fields ? serializeFields(fields) : undefined;
    const merged = this.base ? (own ? { ...this.base, ...own } : this.base) : (own ?? {});
    this.sink({ level, message, time: Date.now(), fields: merged });
  }
  debug(message: string, fields?: LogFields): void {
    this.write('debug', message, fields);
  }
  info(message: string, fields?: LogFields): void {
    this.write('info', message, fields);
  }
  warn(message: string, fields?: LogFields): void {
    this.write('warn', message, fields);
  }
  error(message: string, fields?: LogFields): void {
    this.write('error', message, fields);
  }
  child(fields: LogFields): Logger {
    const own = serializeFields(fields);
    return new SinkLogger(this.sink, this.minRank, this.base ? { ...this.base, ...own } : own);
  }
}

/**
 * A logger writing to `sink`, dropping entries below `level` (default: `LOG_LEVEL` from the
 * environment, else `info`).
 *
 * @example
 * const log = createLogger((e) => console.log(JSON.stringify(e)), { level: 'debug' })
 */
export function createLogger(sink: LogSink, options: { level?: LogLevel; fields?: LogFields } = {}): Logger {
  return new SinkLogger(sink, RANK[options.level ?? 'info'], options.fields);
}

/** The level named by the environment's `LOG_LEVEL` (case-insensitive), or `info`. */
export function levelFromEnv(env: Readonly<Record<string, string | undefined>>): LogLevel {
  const value = env['LOG_LEVEL']?.toLowerCase();
  return isLogLevel(value) ? value : 'info';
}

/** A sink writing one JSON line per entry to stdout (errors and warnings to stderr). */
export const jsonLineSink: LogSink = (entry) => {
  const line = JSON.stringify({ time: new Date(entry.time).toISOString(), level: entry.level, message: entry.message, ...entry.fields });
  if (entry.level === 'error' || entry.level === 'warn') process.stderr.write(line + '\n');
  else process.stdout.write(line + '\n');
};
