/**
 * `@onefn/gcp/cli`: the `gcp` commands of `onefn` (`invoke`, `build`, `deploy`).
 *
 * @example
 * onefn invoke gcp src/api.ts --event request.json
 * onefn build gcp src/api.ts --out dist/gcp
 * onefn deploy gcp src/api.ts --project my-project --region europe-west1
 */
import { mkdir, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { join, resolve } from 'node:path';
import { readEventFile, UsageError, type CliArgs, type CliIO, type ProviderCli } from 'onefn/cli';
import { loadModule } from 'onefn/build';
import { register } from './register.js';
import { buildArchive } from './deploy/archive.js';
import { deployCommand } from './deploy/command.js';

export function option(args: CliArgs, name: string): string | undefined {
  const value = args.options[name];
  if (value === undefined) return undefined;
  if (value === true) throw new UsageError(`--${name} needs a value`);
  return String(value);
}

function entryOf(args: CliArgs, io: CliIO): string {
  const entry = args.positionals[0];
  if (!entry) throw new UsageError('an entry module is required, e.g. onefn invoke gcp src/api.ts --event event.json');
  return resolve(io.cwd, entry);
}

/** Runs a command body, turning any failure into one line on stderr and exit code 1. */
export function guarded(run: (args: CliArgs, io: CliIO) => Promise<number>): (args: CliArgs, io: CliIO) => Promise<number> {
  return async (args, io) => {
    try {
      return await run(args, io);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      io.stderr(`onefn gcp: ${message.split('\n')[0]}\n`);
      return 1;
    }
  };
}

interface Request {
  method: string;
  path: string;
  headers: Record<string, string>;
  body: string | undefined;
  isEvent: boolean;
}

/**
 * The `--event` file as a request: a structured CloudEvent (it has `specversion`) is posted as
 * `application/cloudevents+json`; `{method, path, headers, body}` is an HTTP request (a non-string
 * body is sent as JSON); any other JSON object (a push envelope, a legacy event) is posted as JSON.
 */
function requestOf(value: unknown, file: string): Request {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new UsageError(`${file} must hold a JSON object`);
  const o = value as Record<string, unknown>;
  if ('specversion' in o) return { method: 'POST', path: '/', headers: { 'content-type': 'application/cloudevents+json' }, body: JSON.stringify(o), isEvent: true };
  if (!('method' in o) && !('path' in o)) return { method: 'POST', path: '/', headers: { 'content-type': 'application/json' }, body: JSON.stringify(o), isEvent: true };
  const path = o['path'] ?? '/';
  if (typeof path !== 'string' || !path.startsWith('/')) throw new UsageError(`"path" in ${file} must be a string starting with "/"`);
  const method = o['method'] ?? 'GET';
  if (typeof method !== 'string') throw new UsageError(`"method" in ${file} must be a string`);
  const headers: Record<string, string> = {};
  if (o['headers'] !== undefined) {
    if (typeof o['headers'] !== 'object' || o['headers'] === null) throw new UsageError(`"headers" in ${file} must be an object of strings`);
    for (const [k, v] of Object.entries(o['headers'] as Record<string, unknown>)) {
      if (typeof v !== 'string') throw new UsageError(`header "${k}" in ${file} must be a string`);
      headers[k.toLowerCase()] = v;
    }
  }
  let body: string | undefined;
  if (typeof o['body'] === 'string') body = o['body'];
  else if (o['body'] !== undefined && o['body'] !== null) {
    body = JSON.stringify(o['body']);
    headers['content-type'] ??= 'application/json';
  }
  return { method: method.toUpperCase(), path, headers, body, isEvent: false };
}

const TEXTUAL = /^(text\/|application\/([\w.+-]*\+)?(json|xml|javascript|x-www-form-urlencoded))/i;

/**
 * `onefn invoke gcp <entry> --event <file.json> [--function <name>]`: registers the module's functions
 * with functions-framework, serves the chosen one on a loopback port with the framework's own server,
 * sends the request and prints `{status, headers, body}`. Logs (Cloud Logging lines) go to stderr.
 * Exit 0 when the function answered (any status for HTTP, 2xx for an event); 1 on bad input or when
 * an event was refused or failed.
 */
async function invoke(args: CliArgs, io: CliIO): Promise<number> {
  const entry = entryOf(args, io);
  const parsed = await readEventFile(args, io);
  const file = String(args.options['event']);
  const request = requestOf(parsed, file);
  const plans = register(await loadModule(entry), { env: io.env, write: (line) => io.stderr(line + '\n'), routedName: option(args, 'routed-name') ?? 'http' });
  const wanted = option(args, 'function');
  const candidates = wanted ? plans.filter((p) => p.name === wanted || p.exportNames.includes(wanted)) : plans.filter((p) => (p.kind === 'http') !== request.isEvent);
  if (candidates.length !== 1) {
    const names = plans.map((p) => p.name).join(', ');
    throw new UsageError(
      wanted ? `no function "${wanted}" in ${args.positionals[0]}; it has ${names}` : candidates.length ? `several functions could take this input (${candidates.map((p) => p.name).join(', ')}); choose one with --function` : `no function in ${args.positionals[0]} takes ${request.isEvent ? 'events' : 'HTTP requests'}; it has ${names}`,
    );
  }
  const { getTestServer } = await import('@google-cloud/functions-framework/testing');
  const server = getTestServer((candidates[0] as { name: string }).name) as Server;
  await new Promise<void>((ok, fail) => {
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => ok());
  });
  try {
    const port = (server.address() as AddressInfo).port;
    const res = await fetch(`http://127.0.0.1:${port}${request.path}`, { method: request.method, headers: request.headers, body: request.method === 'GET' || request.method === 'HEAD' ? undefined : request.body });
    const headers: Record<string, string> = {};
    res.headers.forEach((v, k) => {
      if (!['date', 'connection', 'keep-alive'].includes(k)) headers[k] = v;
    });
    const bytes = Buffer.from(await res.arrayBuffer());
    const type = res.headers.get('content-type') ?? '';
    const out: Record<string, unknown> = { status: res.status, headers };
    if (res.headers.getSetCookie().length) out['cookies'] = res.headers.getSetCookie();
    if (!bytes.length) out['body'] = '';
    else if (TEXTUAL.test(type)) out['body'] = bytes.toString('utf8');
    else out['bodyBase64'] = bytes.toString('base64');
    io.stdout(JSON.stringify(out, null, 2) + '\n');
    // As for `invoke aws`: a handler's failure (500, which Pub/Sub would redeliver) is a result, exit 0;
    // an event the adapter could not read (400) or does not serve (422) is the caller's error, exit 1.
    if (request.isEvent && (res.status === 400 || res.status === 422)) {
      io.stderr(`onefn gcp: the event was refused (status ${res.status})\n`);
      return 1;
    }
    return 0;
  } finally {
    server.closeAllConnections?.();
    await new Promise<void>((done) => server.close(() => done()));
  }
}

/** `onefn build gcp <entry> --out <dir> [--json]`: writes `function.zip`, the source archive. */
async function build(args: CliArgs, io: CliIO): Promise<number> {
  const entry = entryOf(args, io);
  const out = resolve(io.cwd, option(args, 'out') ?? 'dist/gcp');
  const built = await buildArchive({ entry, routedName: option(args, 'routed-name') });
  await mkdir(out, { recursive: true });
  const zipPath = join(out, 'function.zip');
  await writeFile(zipPath, built.zip);
  const summary = { archive: zipPath, bytes: built.zip.byteLength, sha256: built.sha256, functions: built.plans.map((p) => ({ name: p.name, kind: p.kind, entryPoint: p.name })) };
  if (args.options['json'] === true) io.stdout(JSON.stringify(summary, null, 2) + '\n');
  else {
    io.stdout(`wrote ${zipPath} (${summary.bytes} bytes, sha256 ${summary.sha256})\n`);
    for (const f of summary.functions) io.stdout(`  ${f.name} (${f.kind}), entry point ${f.entryPoint}\n`);
  }
  return 0;
}

/** The `gcp` provider's commands, found by `onefn` as `@onefn/gcp/cli`. */
export const cli: ProviderCli = {
  provider: 'gcp',
  commands: { invoke: guarded(invoke), build: guarded(build), deploy: guarded(deployCommand) },
};
