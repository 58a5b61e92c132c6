/** Where a command writes, and what it runs in. Tests pass their own. */
export interface CliIO {
  stdout(text: string): void;
  stderr(text: string): void;
  readonly cwd: string;
  readonly env: Readonly<Record<string, string | undefined>>;
}

/** Parsed arguments: positionals in order, `--name value` / `--flag` options. */
export interface CliArgs {
  readonly positionals: readonly string[];
  readonly options: Readonly<Record<string, string | boolean>>;
}

/** A command; resolves to the process exit code (0 success, 1 failure). */
export type ProviderCommand = (args: CliArgs, io: CliIO) => Promise<number>;

/**
 * What an adapter's `cli` subpath exports (`@onefn/aws/cli` and the like): `onefn <command> <provider>`
 * finds it by package name, so the core never imports an adapter.
 *
 * @example
 * export const cli: ProviderCli = { provider: 'aws', commands: { invoke, build, deploy, rollback } }
 */
export interface ProviderCli {
  readonly provider: string;
  readonly commands: Readonly<Record<string, ProviderCommand>>;
}
