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
