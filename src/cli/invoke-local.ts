import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { loadModule } from '../build/bundle.js';
import { createContext } from '../onefn/context.js';
import type { Definition, HttpDefinition } from '../onefn/definition.js';
import { MalformedEventError } from '../onefn/errors.js';
import { createRouter } from '../runtime/router.js';
import { runEvents } from '../runtime/run-events.js';
import { collectDefinitions } from '../runtime/plan.js';
import { bytesBase64 } from '../onefn/bytes.js';
import { layeredEnv } from '../dev/env-files.js';
import { functionFor, serve } from '../dev/functions.js';
import type { LogEntry } from '../onefn/logger.js';
import { stringOption, UsageError } from './args.js';
import { parsePortableInput } from './portable-input.js';
import type { CliArgs, CliIO, CommandSpec } from './types.js';

/** Reads and parses the `--event` file; a missing or malformed file is a one-line error. */
export async function readEventFile(args: CliArgs, io: CliIO): Promise<unknown> {
  const file = stringOption(args, 'event');
  if (!file) throw new UsageError('--event <file.json> is required');
  let text: string;
  try {
    text = await readFile(resolve(io.cwd, file), 'utf8');
  } catch (error) {
    throw new UsageError(`cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new MalformedEventError(`${file} is not JSON: ${(error as Error).message}`);
  }
}

/** The module's definitions, or the one `--function` names. */
export async function selectDefinitions(args: CliArgs, io: CliIO): Promise<{ all: Definition[]; named: Definition | undefined; module: Record<string, unknown> }> {
  const entry = args.positionals[0];
  if (!entry) throw new UsageError('an entry module is required');
  const module = await loadModule(resolve(io.cwd, entry));
  const found = collectDefinitions(module);
  if (!found.length) throw new UsageError(`${entry} exports no onefn definition`);
  const name = stringOption(args, 'function');
  if (name === undefined) return { all: found.map((f) => f.definition), named: undefined, module };
  const match = found.find((f) => f.exportName === name || f.definition.settings.name === name);
  if (!match) throw new UsageError(`no definition named "${name}" in ${entry}; exports: ${found.map((f) => f.exportName).join(', ')}`);
  return { all: found.map((f) => f.definition), named: match.definition, module };
}

/**
 * The environment an invocation sees: the definition's `env` (for routed HTTP definitions, that of
 * the function the request is routed to, as deployed), under the shell's own variables.
 */
function envFor(definitionEnv: Readonly<Record<string, string>> | undefined, io: CliIO): Record<string, string | undefined> {
  return layeredEnv(definitionEnv, {}, io.env);
}

/**
 * `onefn invoke local <entry> --event <file.json> [--function <name>]`: runs a definition on a
 * portable input (see `parsePortableInput` for the file's form) and prints the portable result.
 */
export const invokeLocalCommand: CommandSpec = {
  summary: 'Run a definition on a portable input from a file, through the whole pipeline, and print the result as JSON.',
  usage: '<entry>',
  maxPositionals: 1,
  flags: {
    event: { type: 'string', placeholder: 'file.json', description: 'The portable input: an HTTP request, or an event (kind message, storage, schedule, cloudevent), or an array of events.' },
    function: { type: 'string', placeholder: 'name', description: 'The export (or function name) to run; default: route HTTP among every HTTP definition.' },
  },
  run: invokeLocal,
};

async function invokeLocal(args: CliArgs, io: CliIO): Promise<number> {
  const { all, named, module } = await selectDefinitions(args, io);
  const input = parsePortableInput(await readEventFile(args, io));
  const logSink = (e: LogEntry): void => io.stderr(JSON.stringify({ level: e.level, message: e.message, ...e.fields }) + '\n');
  if (input.kind === 'http') {
    const defs = named ? [named] : all.filter((d): d is HttpDefinition => d.kind === 'http');
    if (!defs.length || defs.some((d) => d.kind !== 'http')) throw new UsageError(`the input is an HTTP request, but ${named ? 'that definition' : 'the module'} serves no HTTP`);
    const env = named ? named.settings.env : functionFor(serve(module, 'the module'), input.request).env;
    const ctx = createContext({ provider: 'local', functionName: 'local', logSink, env: envFor(env, io) });
    const response = await createRouter(defs as HttpDefinition[]).handle(input.request, ctx);
    const body = typeof response.body === 'string' ? { body: response.body } : { bodyBase64: bytesBase64(response.body) };
    io.stdout(JSON.stringify({ status: response.status, headers: response.headers, cookies: response.cookies, ...body }, null, 2) + '\n');
    return 0;
  }
  const candidates = named ? [named] : all.filter((d) => d.kind === input.kind);
  if (candidates.length !== 1 || candidates[0]?.kind !== input.kind) {
    throw new UsageError(
      candidates.length > 1 ? `several definitions take ${input.kind} events; choose one with --function` : `no definition takes ${input.kind} events`,
    );
  }
  const definition = candidates[0] as Exclude<Definition, HttpDefinition>;
  const ctx = createContext({ provider: 'local', functionName: 'local', logSink, env: envFor(definition.settings.env, io) });
  const result = await runEvents(definition, input.items, ctx);
  const outcomes = result.outcomes.map((o) => (o.status === 'failed' ? { id: o.id, status: o.status, error: o.error instanceof Error ? o.error.message : String(o.error) } : o));
  io.stdout(JSON.stringify({ outcomes, failed: result.failed }, null, 2) + '\n');
  return 0;
}
