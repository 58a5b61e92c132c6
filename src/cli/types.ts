import type { OptionalPackage } from '../runtime/optional-package.js';

/** Where a command writes, and what it runs in. Tests pass their own. */
export interface CliIO {
  /** Data: what a command produces (JSON with `--json`). */
  stdout(text: string): void;
  /** Progress, logs and errors. */
  stderr(text: string): void;
  readonly cwd: string;
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Colour escapes are written only when true: stderr is a TTY and NO_COLOR is unset. Default false. */
  readonly color?: boolean;
}

/** One flag a command takes: `--name <value>` (string) or `--name` (boolean). */
export interface FlagSpec {
  readonly type: 'string' | 'boolean';
  /** One line for `--help`. */
  readonly description: string;
  /** The value's placeholder in `--help`, e.g. `region`. */
  readonly placeholder?: string;
}

/** Parsed arguments: positionals in order, `--name value` / `--flag` options. */
export interface CliArgs {
  readonly positionals: readonly string[];
  readonly options: Readonly<Record<string, string | boolean>>;
}

/**
 * A command: its flags (the shell parses them strictly, so a flag not listed here is an error), its
 * `--help` text, and its body. `run` throws on failure (a `UsageError` for bad usage); the shell prints
 * the one-line error and picks the exit code.
 */
export interface CommandSpec {
  /** One line for `--help`. */
  readonly summary: string;
  /** The positionals after `onefn <command> <provider>`, e.g. `<entry>`. */
  readonly usage: string;
  /** The most positionals the command takes. */
  readonly maxPositionals: number;
  readonly flags: Readonly<Record<string, FlagSpec>>;
  run(args: CliArgs, io: CliIO): Promise<number>;
}

/**
 * What an adapter's `cli` subpath exports (`@onefn/aws/cli` and the like): `onefn <command> <provider>`
 * finds it by package name, so the core never imports an adapter.
 *
 * @example
 * export const cli: ProviderCli = { provider: 'aws', commands: { invoke, build, deploy, rollback } }
 */
export interface ProviderCli {
  readonly provider: string;
  readonly commands: Readonly<Record<string, CommandSpec>>;
  /**
   * The adapter's optional packages (its deploy SDKs and output SDKs, optional peers): when a command
   * fails because one is not installed, the shell prints one line naming it and the `npm i -D` command.
   */
  readonly packages?: readonly OptionalPackage[];
}
