/**
 * `onefn/cli`: the `onefn` command as a function, for tests and for tools that embed it.
 *
 * @example
 * const code = await runCli(['invoke', 'local', 'src/api.ts', '--event', 'get.json'])
 */
import { resolve } from 'node:path';
import { PROVIDERS } from '../context.js';
import { BRIDGE_PROVIDERS, type BridgeProvider } from '../dev/bridge.js';
import { startDevServer } from '../dev/server.js';
import { OnefnError } from '../errors.js';
import { parseArgs, stringOption, UsageError } from './args.js';
import { invokeLocal } from './invoke-local.js';
import type { CliArgs, CliIO, ProviderCli } from './types.js';

export { parseArgs, UsageError } from './args.js';
export { parsePortableInput, type PortableInput } from './portable-input.js';
export { readEventFile, selectDefinitions } from './invoke-local.js';
export { startDevServer, EVENT_PATH_PREFIX, PortInUseError, type DevServer, type DevServerOptions } from '../dev/server.js';
export {
  BRIDGE_PROVIDERS, type BridgeDelivery, type BridgeEventAnswer, type BridgeEventItems, type BridgeHttpAnswer, type BridgeHttpRequest,
  type BridgeHttpResponse, type BridgeOptions, type BridgeProvider, type DevBridge,
} from '../dev/bridge.js';
export type { CliArgs, CliIO, ProviderCli, ProviderCommand } from './types.js';

export const USAGE = `Usage: onefn <command> ...

  onefn dev <entry> [--port 3000] [--host 127.0.0.1] [--no-watch] [--provider aws|gcp|azure]
      Serve a module's definitions locally: HTTP routes, events at POST /_onefn/events/<name>, and a
      dashboard at /_onefn. --provider sends each request through that adapter as its native event.
  onefn invoke <local|aws|gcp|azure> <entry> --event <file.json> [--function <name>]
      Run a definition on an event from a file and print the result as JSON.
  onefn build <aws|gcp|azure> <entry> --out <dir>
      Bundle a module into the provider's artifact.
  onefn deploy <aws|gcp|azure> <entry> [--dry-run] [--json] [provider options]
      Create or update the functions, wire their triggers, and print their URLs.
  onefn rollback aws <entry>
      Move the live alias back to the previous version.

Provider commands come from the adapter packages (@onefn/aws, @onefn/gcp, @onefn/azure).`;

const CLOUD_PROVIDERS = PROVIDERS.filter((p) => p !== 'local');

const defaultIO: CliIO = {
  stdout: (text) => void process.stdout.write(text),
  stderr: (text) => void process.stderr.write(text),
  cwd: process.cwd(),
  env: process.env,
};

async function providerCli(provider: string): Promise<ProviderCli> {
  if (!(CLOUD_PROVIDERS as readonly string[]).includes(provider)) {
    throw new UsageError(`unknown provider "${provider}"; use one of ${CLOUD_PROVIDERS.join(', ')}`);
  }
  const name = `@onefn/${provider}/cli`;
  try {
    const mod = (await import(name)) as { cli?: ProviderCli };
    if (!mod.cli) throw new Error(`${name} exports no cli`);
    return mod.cli;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') {
      throw new UsageError(`"${provider}" commands need the adapter: npm install @onefn/${provider}`);
    }
    throw error;
  }
}

async function dev(args: CliArgs, io: CliIO): Promise<number> {
  const entry = args.positionals[0];
  if (!entry) throw new UsageError('onefn dev needs an entry module');
  const portText = stringOption(args, 'port') ?? io.env['PORT'] ?? '3000';
  const port = Number(portText);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`bad port ${JSON.stringify(portText)}`);
  const provider = stringOption(args, 'provider');
  if (provider !== undefined && !(BRIDGE_PROVIDERS as readonly string[]).includes(provider)) throw new UsageError(`--provider must be one of ${BRIDGE_PROVIDERS.join(', ')}`);
  const server = await startDevServer({
    entry: resolve(io.cwd, entry),
    port,
    host: stringOption(args, 'host') ?? '127.0.0.1',
    watch: args.options['no-watch'] !== true,
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
  return 0;
}

/** Runs the `onefn` command; resolves to the exit code. Errors are printed in one line, never thrown. */
export async function runCli(argv: readonly string[], io: CliIO = defaultIO): Promise<number> {
  const [command, ...rest] = argv;
  try {
    if (!command || command === 'help' || command === '--help') {
      io.stdout(USAGE + '\n');
      return command ? 0 : 1;
    }
    if (command === 'dev') return await dev(parseArgs(rest), io);
    if (['invoke', 'build', 'deploy', 'rollback'].includes(command)) {
      const [provider, ...tail] = rest;
      if (!provider) throw new UsageError(`onefn ${command} needs a provider: ${command === 'invoke' ? 'local, ' : ''}${CLOUD_PROVIDERS.join(', ')}`);
      const args = parseArgs(tail);
      if (command === 'invoke' && provider === 'local') return await invokeLocal(args, io);
      const cli = await providerCli(provider);
      const run = cli.commands[command];
      if (!run) throw new UsageError(`@onefn/${provider} has no "${command}" command; it has ${Object.keys(cli.commands).join(', ')}`);
      return await run(args, io);
    }
    throw new UsageError(`unknown command "${command}"\n${USAGE}`);
  } catch (error) {
    const message = error instanceof UsageError || error instanceof OnefnError ? error.message : `unexpected error: ${(error as Error)?.message ?? String(error)}`;
    io.stderr(`onefn: ${message}\n`);
    return 1;
  }
}
