/**
 * The one `--json` shape of `build`, `deploy --dry-run` and `deploy` on every provider: the same
 * top-level keys and the same keys per function; what only one provider has sits in `detail`.
 */

/** What a command did to one function. */
export interface ReportFunction {
  /** The function's name as the provider knows it (the stage suffix included). */
  readonly name: string;
  /** The portable kind: `http`, `message`, `storage`, `schedule`, `cloudevent`. */
  readonly kind: string;
  readonly action: 'built' | 'planned' | 'created' | 'updated' | 'unchanged';
  /** The trigger, in words (`null` from `build`, which wires none). */
  readonly trigger: string | null;
  /** Where it answers HTTP, once deployed; otherwise `null`. */
  readonly url: string | null;
  /** The provider's own facts about the function (version, alias, entry point...). */
  readonly detail: Readonly<Record<string, unknown>>;
}

/** A deployable archive the command built. */
export interface ReportArtifact {
  /** Where it was written (`null` when only uploaded). */
  readonly path: string | null;
  readonly bytes: number;
  /** SHA-256 of the archive, lower-case hex. */
  readonly sha256: string;
  /** The functions it carries. */
  readonly functions: readonly string[];
}

/** `onefn build|deploy <provider> ... --json` prints exactly this object. */
export interface CommandReport {
  /** The shape's version; it changes only when a key changes meaning or goes away. */
  readonly schema: 1;
  readonly command: 'build' | 'deploy';
  readonly provider: string;
  readonly stage: string | null;
  /** True for `build` (nothing deployed) and `deploy --dry-run`. */
  readonly dryRun: boolean;
  readonly functions: readonly ReportFunction[];
  readonly artifacts: readonly ReportArtifact[];
  /** The provider's own facts about the whole command (region, project, app...). */
  readonly detail: Readonly<Record<string, unknown>>;
}

/** The top-level keys, in order; every provider's report has exactly these. */
export const REPORT_KEYS = ['schema', 'command', 'provider', 'stage', 'dryRun', 'functions', 'artifacts', 'detail'] as const;
/** The keys of each function, in order. */
export const REPORT_FUNCTION_KEYS = ['name', 'kind', 'action', 'trigger', 'url', 'detail'] as const;

/** Builds a report with its keys in the documented order. */
export function commandReport(fields: Omit<CommandReport, 'schema'>): CommandReport {
  return {
    schema: 1,
    command: fields.command,
    provider: fields.provider,
    stage: fields.stage,
    dryRun: fields.dryRun,
    functions: fields.functions.map((f) => ({ name: f.name, kind: f.kind, action: f.action, trigger: f.trigger, url: f.url, detail: f.detail })),
    artifacts: fields.artifacts,
    detail: fields.detail,
  };
}

/** `base64` (Lambda's CodeSha256) as lower-case hex. */
export function base64ToHex(base64: string): string {
  return Buffer.from(base64, 'base64').toString('hex');
}

/** `onefn rollback <provider> --json` prints exactly this object, on every provider. */
export interface RollbackReport {
  readonly schema: 1;
  readonly command: 'rollback';
  readonly provider: string;
  readonly stage: string | null;
  /** True for `rollback --dry-run`: nothing moved. */
  readonly dryRun: boolean;
  /** The function's name as the provider knows it (the stage suffix included). */
  readonly function: string;
  /** The version (AWS), revision (GCP) or package (Azure) serving before, and the one serving after. */
  readonly from: string;
  readonly to: string;
  /** The provider's own facts (alias, traffic split, slot...). */
  readonly detail: Readonly<Record<string, unknown>>;
}

/** One thing `onefn destroy` removes (or would remove). */
export interface DestroyedResource {
  /** What it is, in the provider's words (`function`, `role`, `event source mapping`, `subscription`...). */
  readonly kind: string;
  /** Its name, ARN or resource id. */
  readonly id: string;
  /** `planned` with --dry-run; `deleted`; `absent` when it was already gone. */
  readonly action: 'planned' | 'deleted' | 'absent';
}

/** `onefn destroy <provider> --json` prints exactly this object, on every provider. */
export interface DestroyReport {
  readonly schema: 1;
  readonly command: 'destroy';
  readonly provider: string;
  readonly stage: string | null;
  readonly dryRun: boolean;
  /** The function's name as the provider knows it (the stage suffix included). */
  readonly function: string;
  /** In the order they are (or would be) removed. Only what onefn created: user resources stay. */
  readonly resources: readonly DestroyedResource[];
  readonly detail: Readonly<Record<string, unknown>>;
}

/** One log line, the same shape from CloudWatch Logs, Cloud Logging and Application Insights. */
export interface LogLine {
  /** ISO 8601 instant. */
  readonly time: string;
  /** `debug`, `info`, `warn`, `error`, or `null` when the line carries none. */
  readonly level: string | null;
  readonly message: string;
  /** The invocation's request id when the provider records one, else `null`. */
  readonly requestId: string | null;
}

/** `onefn logs <provider> <function> --json` prints exactly this object, on every provider. */
export interface LogsReport {
  readonly schema: 1;
  readonly command: 'logs';
  readonly provider: string;
  readonly stage: string | null;
  readonly function: string;
  /** Oldest first. */
  readonly lines: readonly LogLine[];
  readonly detail: Readonly<Record<string, unknown>>;
}

/** The top-level keys of each lifecycle report, in order; every provider's has exactly these. */
export const LIFECYCLE_REPORT_KEYS = {
  rollback: ['schema', 'command', 'provider', 'stage', 'dryRun', 'function', 'from', 'to', 'detail'],
  destroy: ['schema', 'command', 'provider', 'stage', 'dryRun', 'function', 'resources', 'detail'],
  logs: ['schema', 'command', 'provider', 'stage', 'function', 'lines', 'detail'],
} as const;

/** Builds a rollback report with its keys in the documented order. */
export function rollbackReport(f: Omit<RollbackReport, 'schema' | 'command'>): RollbackReport {
  return { schema: 1, command: 'rollback', provider: f.provider, stage: f.stage, dryRun: f.dryRun, function: f.function, from: f.from, to: f.to, detail: f.detail };
}

/** Builds a destroy report with its keys in the documented order. */
export function destroyReport(f: Omit<DestroyReport, 'schema' | 'command'>): DestroyReport {
  return {
    schema: 1, command: 'destroy', provider: f.provider, stage: f.stage, dryRun: f.dryRun, function: f.function,
    resources: f.resources.map((r) => ({ kind: r.kind, id: r.id, action: r.action })), detail: f.detail,
  };
}

/** Builds a logs report with its keys in the documented order. */
export function logsReport(f: Omit<LogsReport, 'schema' | 'command'>): LogsReport {
  return {
    schema: 1, command: 'logs', provider: f.provider, stage: f.stage, function: f.function,
    lines: f.lines.map((l) => ({ time: l.time, level: l.level, message: l.message, requestId: l.requestId })), detail: f.detail,
  };
}

// C0 controls but tab, CR and LF; DEL; the C1 controls (CSI among them); the Unicode line and
// paragraph separators, which some terminals break lines on.
const CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\u2028\u2029]/g;

/** A logged text as the terminal may print it: control characters written out (`\x1b`), CR/LF folded to a space. */
function printable(text: string): string {
  return text.replace(CONTROL, (c) => {
    const code = c.charCodeAt(0);
    return code > 0xff ? `\\u${code.toString(16).padStart(4, '0')}` : `\\x${code.toString(16).padStart(2, '0')}`;
  }).replace(/[\r\n]+/g, ' ');
}

/**
 * The one-line text form of a log line, the same on every provider: `<time> <LEVEL> [<request id>]
 * <message>`. What a log line carries cannot forge another line or drive the terminal: control
 * characters are written out as text and CR/LF fold into a space (`--json` keeps them as they are).
 */
export function formatLogLine(line: LogLine): string {
  return `${printable(line.time)} ${printable((line.level ?? '-').toUpperCase()).padEnd(5)} ${line.requestId ? `[${printable(line.requestId)}] ` : ''}${printable(line.message)}`;
}
