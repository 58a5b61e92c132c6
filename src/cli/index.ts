/**
 * `onefn/cli`: the `onefn` command as a function, for tests and for tools that embed it.
 *
 * One shell serves every provider: it parses each command's flags strictly (node:util parseArgs),
 * prints `--help` from the command's own flag list, applies the project config, and reports every
 * failure as one line, `onefn: <message>`, with exit code 1 (2 when the command line itself is wrong).
 *
 * @example
 * const code = await runCli(['invoke', 'local', 'src/api.ts', '--event', 'get.json'])
 */
import { dirname, resolve } from 'node:path';
import { PROVIDERS } from '../onefn/context.js';
import { BRIDGE_PROVIDERS, type BridgeProvider } from '../dev/bridge.js';
import { startDevServer } from '../dev/server.js';
import { closest, flagOption, parseCommandLine, stringOption, UsageError } from './args.js';
import { checkCommand } from './check.js';
import { checkStage, configOptions, loadConfig } from './config.js';
import type { OnefnConfig } from '../config/index.js';
import { invokeLocalCommand } from './invoke-local.js';
import { explainMissingPackage } from './missing-packages.js';
import type { CliArgs, CliIO, CommandSpec, FlagSpec, ProviderCli } from './types.js';

export { closest, durationOption, flagOption, intOption, MAX_SINCE_MS, parseCommandLine, parseDuration, stringOption, UsageError } from './args.js';
export { CONFIG_FILES, ConfigError, loadConfig, type LoadedConfig } from './config.js';
export {
  base64ToHex, commandReport, destroyReport, formatLogLine, LIFECYCLE_REPORT_KEYS, logsReport, REPORT_FUNCTION_KEYS, REPORT_KEYS, rollbackReport,
  type CommandReport, type DestroyedResource, type DestroyReport, type LogLine, type LogsReport, type ReportArtifact, type ReportFunction, type RollbackReport,
} from './report.js';
export { parsePortableInput, type PortableInput } from './portable-input.js';
export { readEventFile, selectDefinitions } from './invoke-local.js';
export { CheckError, checkCommand, renderCheck, runCheck, type CheckReport, type CheckRow } from './check.js';
export { CHECK_PROVIDERS, portabilityFindings, type CheckProvider, type PortabilityFinding } from './check-portability.js';
export { startDevServer, EVENT_PATH_PREFIX, PortInUseError, type DevServer, type DevServerOptions } from '../dev/server.js';
export {
  BRIDGE_PROVIDERS, type BridgeDelivery, type BridgeEventAnswer, type BridgeEventItems, type BridgeHttpAnswer, type BridgeHttpRequest,
  type BridgeHttpResponse, type BridgeOptions, type BridgeProvider, type DevBridge,
} from '../dev/bridge.js';
export type { CliArgs, CliIO, CommandSpec, FlagSpec, ProviderCli } from './types.js';
export { MissingPackageError, type OptionalPackage } from '../runtime/optional-package.js';

declare const __ONEFN_VERSION__: string;
/** The installed onefn's version, printed by `onefn --version`. */
export const VERSION: string = __ONEFN_VERSION__;

/** Exit codes, the same for every command and provider. */
export const EXIT = { ok: 0, failed: 1, usage: 2 } as const;

const CLOUD_PROVIDERS = PROVIDERS.filter((p) => p !== 'local');
const PROVIDER_COMMANDS = ['invoke', 'build', 'deploy', 'rollback', 'destroy', 'logs'] as const;
const COMMANDS = ['dev', 'check', ...PROVIDER_COMMANDS, 'help'] as const;

const HELP: FlagSpec = { type: 'boolean', description: 'Show this help.' };
const CONFIG: FlagSpec = { type: 'string', placeholder: 'file', description: 'The project config (default: onefn.config.ts, else package.json "onefn").' };
const STAGE: FlagSpec = { type: 'string', placeholder: 'name', description: 'A stage of the config: its settings apply, and its name goes into every resource name.' };
const JSON_FLAG: FlagSpec = { type: 'boolean', description: 'Print the result as JSON on stdout (progress stays on stderr).' };
const SOURCEMAP: FlagSpec = { type: 'boolean', description: "Ship a source map with the code and run the function with Node's source-map support (NODE_OPTIONS=--enable-source-maps)." };
const DRY_RUN: FlagSpec = { type: 'boolean', description: 'Show what would be created or changed; call nothing (no credentials needed).' };

/** The flags the shell adds to every provider command. */
function sharedFlags(command: string): Record<string, FlagSpec> {
  const flags: Record<string, FlagSpec> = { config: CONFIG };
  if (command !== 'invoke') Object.assign(flags, { stage: STAGE, json: JSON_FLAG });
  if (command === 'deploy' || command === 'rollback' || command === 'destroy') flags['dry-run'] = DRY_RUN;
  if (command === 'build' || command === 'deploy') flags['sourcemap'] = SOURCEMAP;
  return { ...flags, help: HELP };
}

const defaultIO: CliIO = {
  stdout: (text) => void process.stdout.write(text),
  stderr: (text) => void process.stderr.write(text),
  cwd: process.cwd(),
  env: process.env,
  color: process.stderr.isTTY === true && !process.env['NO_COLOR'] && process.env['TERM'] !== 'dumb',
};

const paint = (io: CliIO, code: number, text: string): string => (io.color ? `\x1b[${code}m${text}\x1b[0m` : text);

const devCommand: CommandSpec = {
  summary: "Serve a module's definitions locally: HTTP routes, events at POST /_onefn/events/<name>, and a dashboard at /_onefn.",
  usage: '<entry>',
  maxPositionals: 1,
  flags: {
    port: { type: 'string', placeholder: 'port', description: 'The port (default $PORT, else 3000; 0 picks a free one).' },
    host: { type: 'string', placeholder: 'host', description: 'The address to listen on (default 127.0.0.1).' },
    'no-watch': { type: 'boolean', description: 'Do not reload when a source file changes.' },
    provider: { type: 'string', placeholder: 'aws|gcp|azure', description: "Send each local request through that adapter as its provider's native event." },
    config: CONFIG,
    help: HELP,
  },
  async run(args, io) {
    const entry = args.positionals[0];
    if (!entry) throw new UsageError('onefn dev needs an entry module (or "entry" in the config)');
    const portText = stringOption(args, 'port') ?? io.env['PORT'] ?? '3000';
    const port = Number(portText);
    if (!/^\d{1,5}$/.test(portText) || port > 65535) throw new UsageError(`bad port ${JSON.stringify(portText.slice(0, 20))}`);
    const provider = stringOption(args, 'provider');
    if (provider !== undefined && !(BRIDGE_PROVIDERS as readonly string[]).includes(provider)) {
      const near = closest(provider, BRIDGE_PROVIDERS);
      throw new UsageError(`--provider must be one of ${BRIDGE_PROVIDERS.join(', ')}${near ? `; did you mean ${near}?` : ''}`);
    }
    const server = await startDevServer({
      entry: resolve(io.cwd, entry),
      port,
      host: stringOption(args, 'host') ?? '127.0.0.1',
      watch: !flagOption(args, 'no-watch'),
      print: (line) => io.stderr(line + '\n'),
      provider: provider as BridgeProvider | undefined,
      dir: io.cwd,
      env: io.env,
    });
    await new Promise<void>((done) => {
      const stop = (): void => void server.close().then(done);
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    });
    return EXIT.ok;
  },
};

const TOP_USAGE = `Usage: onefn <command> [<provider>] [<entry>] [flags]

Commands:
  dev <entry>                             Serve a module's definitions locally, with a dashboard at /_onefn.
  check <entry>                           Run the definitions through every adapter; report differences and blockers.
  invoke <local|aws|gcp|azure> <entry>    Run a definition on an event from a file; print the result as JSON.
  build <aws|gcp|azure> <entry>           Bundle a module into the provider's artifact.
  deploy <aws|gcp|azure> <entry>          Create or update the functions and wire their triggers (--dry-run: plan only).
  rollback <aws|gcp|azure> <function>     Serve the previous version again (--to picks one; --dry-run: plan only).
  destroy <aws|gcp|azure> <function>      Remove what onefn created for a function, and nothing else (--dry-run: plan only).
  logs <aws|gcp|azure> <function>         Print the function's recent log lines.

  onefn <command> <provider> --help lists a command's flags; onefn --version prints the version.
  <entry> may be left out when the config (onefn.config.ts, or "onefn" in package.json) names it.
  Exit codes: 0 done, 1 failed, 2 bad command line.

Provider commands come from the adapter packages (@onefn/aws, @onefn/gcp, @onefn/azure).`;

/** Kept for tools that printed it; the same text as `onefn --help`. */
export const USAGE = TOP_USAGE;

/** `--help` text for one command, from its own flag list. */
export function commandHelp(where: string, spec: CommandSpec, flags: Readonly<Record<string, FlagSpec>> = spec.flags, io?: CliIO): string {
  const rows = Object.entries(flags).map(([name, flag]) => [`${name === 'help' ? '-h, ' : ''}--${name}${flag.type === 'string' ? ` <${flag.placeholder ?? 'value'}>` : ''}`, flag.description] as const);
  const width = Math.max(...rows.map(([left]) => left.length)) + 2;
  const bold = (text: string): string => (io ? paint(io, 1, text) : text);
  return `${bold('Usage:')} ${where}${spec.usage ? ` ${spec.usage}` : ''} [flags]\n\n${spec.summary}\n\n${bold('Flags:')}\n${rows.map(([left, text]) => `  ${left.padEnd(width)}${text}`).join('\n')}\n`;
}

async function providerCli(provider: string): Promise<ProviderCli> {
  if (!(CLOUD_PROVIDERS as readonly string[]).includes(provider)) {
    const near = closest(provider, CLOUD_PROVIDERS);
    throw new UsageError(`unknown provider "${provider.slice(0, 40)}"${near ? `; did you mean ${near}?` : ''}; use one of ${CLOUD_PROVIDERS.join(', ')}`);
  }
  const name = `@onefn/${provider}/cli`;
  let mod: { cli?: ProviderCli };
  try {
    mod = (await import(name)) as { cli?: ProviderCli };
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') throw new UsageError(`"${provider}" commands need the adapter: npm install @onefn/${provider}`);
    throw error;
  }
  if (!mod.cli) throw new UsageError(`${name} exports no cli; reinstall @onefn/${provider}`);
  return mod.cli;
}

/** Every flag name of the provider's commands, for checking config settings. */
function providerFlagNames(cli: ProviderCli): string[] {
  return [...new Set(Object.values(cli.commands).flatMap((c) => Object.keys(c.flags)))];
}

/** Runs one command: parse strictly, answer --help, apply the config, run. */
async function runCommand(where: string, spec: CommandSpec, argv: readonly string[], io: CliIO, provider?: { name: string; cli: ProviderCli | undefined }): Promise<number> {
  const flags = provider ? { ...spec.flags, ...sharedFlags(where.split(' ')[1] as string) } : spec.flags;
  const parsed = parseCommandLine(argv, flags, where, spec.maxPositionals);
  if (parsed.options['help'] === true) {
    io.stdout(commandHelp(where, spec, flags, io));
    return EXIT.ok;
  }
  if (!('config' in flags)) return spec.run(parsed, io);
  const { config, source } = await loadConfig(io.cwd, stringOption(parsed, 'config'));
  const stage = stringOption(parsed, 'stage');
  if (stage !== undefined) checkStage(stage, config);
  let positionals = parsed.positionals;
  if (positionals.length === 0 && spec.usage.startsWith('<entry>') && config.entry) {
    const base = source ? dirname(source.replace(/ "onefn"$/, '')) : io.cwd;
    positionals = [resolve(base, config.entry)];
  }
  const fromConfig = provider?.cli ? configOptions(config, provider.name, stage, flags, providerFlagNames(provider.cli)) : checkOptions(config, stage, flags);
  const args: CliArgs = { positionals, options: { ...fromConfig, ...parsed.options } };
  return spec.run(args, io);
}

/** What `onefn check` reads from the config: how Azure carries queues (the stage's setting wins). */
function checkOptions(config: OnefnConfig, stage: string | undefined, flags: Readonly<Record<string, FlagSpec>>): Record<string, string> {
  if (!('azure-messaging' in flags)) return {};
  const staged = stage ? config.stages?.[stage]?.azure?.messaging : undefined;
  const messaging = staged ?? config.azure?.messaging;
  return messaging ? { 'azure-messaging': messaging } : {};
}

async function dispatch(argv: readonly string[], io: CliIO): Promise<number> {
  const [command, ...rest] = argv;
  if (command === '--version' || command === '-v' || command === 'version') {
    io.stdout(`onefn ${VERSION}\n`);
    return EXIT.ok;
  }
  if (command === undefined || command === 'help' || command === '--help' || command === '-h') {
    (command === undefined ? io.stderr : io.stdout)(TOP_USAGE + '\n');
    return command === undefined ? EXIT.usage : EXIT.ok;
  }
  if (command === 'dev') return runCommand('onefn dev', devCommand, rest, io);
  if (command === 'check') return runCommand('onefn check', checkCommand, rest, io);
  if ((PROVIDER_COMMANDS as readonly string[]).includes(command)) {
    const [provider, ...tail] = rest;
    const choices = `${command === 'invoke' ? 'local, ' : ''}${CLOUD_PROVIDERS.join(', ')}`;
    if (provider === '--help' || provider === '-h') {
      io.stdout(`Usage: onefn ${command} <${choices.replace(/, /g, '|')}> ...\n\nonefn ${command} <provider> --help lists that provider's flags.\n`);
      return EXIT.ok;
    }
    if (!provider || provider.startsWith('-')) throw new UsageError(`onefn ${command} needs a provider: ${choices}`);
    if (command === 'invoke' && provider === 'local') return runCommand('onefn invoke local', invokeLocalCommand, tail, io, { name: 'local', cli: undefined });
    const cli = await providerCli(provider);
    const spec = cli.commands[command];
    if (!spec) throw new UsageError(`@onefn/${provider} has no "${command}" command; it has ${Object.keys(cli.commands).join(', ')}`);
    try {
      return await runCommand(`onefn ${command} ${provider}`, spec, tail, io, { name: provider, cli });
    } catch (error) {
      throw explainMissingPackage(error, provider, command, cli.packages ?? []) ?? error;
    }
  }
  const near = closest(command, COMMANDS);
  throw new UsageError(`unknown command "${command.slice(0, 40)}"${near ? `; did you mean ${near}?` : ''} (onefn --help lists the commands)`);
}

/**
 * Runs the `onefn` command; resolves to the exit code: 0 done, 1 failed, 2 bad command line. A failure
 * is printed as one line on stderr, `onefn: <message>`; nothing is thrown.
 */
export async function runCli(argv: readonly string[], io: CliIO = defaultIO): Promise<number> {
  try {
    return await dispatch(argv, io);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    io.stderr(`${paint(io, 31, 'onefn:')} ${message.split('\n')[0]}\n`);
    return error instanceof UsageError ? EXIT.usage : EXIT.failed;
  }
}
