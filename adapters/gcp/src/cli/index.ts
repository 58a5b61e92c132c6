/**
 * `@onefn/gcp/cli`: the `gcp` commands of `onefn` (`invoke`, `build`, `deploy`, `rollback`, `destroy`, `logs`).
 *
 * @example
 * onefn invoke gcp src/api.ts --event request.json
 * onefn build gcp src/api.ts --out dist/gcp
 * onefn deploy gcp src/api.ts --project my-project --region europe-west1
 * onefn rollback gcp api --project my-project --region europe-west1 [--to api-00002-xyz]
 * onefn destroy gcp api --project my-project --region europe-west1 --dry-run
 * onefn logs gcp api --project my-project --region europe-west1 --since 15m
 */
import { mkdir, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { join, resolve } from 'node:path';
import { base64ToHex, commandReport, flagOption, readEventFile, stringOption, UsageError, type CliArgs, type CliIO, type CommandSpec, type FlagSpec, type ProviderCli } from 'onefn/cli';
import { loadModule } from 'onefn/build';
import { OnefnError } from 'onefn';
import { serve } from '../index.js';
import { buildArchive } from '../deploy/archive.js';
import { deployCommand } from '../deploy/command.js';
import { destroyCommand, LIFECYCLE_FLAGS, logsCommand, rollbackCommand } from '../deploy/lifecycle-command.js';
import { optionalPackages } from '../packages.js';

export { deployReport } from '../deploy/command.js';

const option = stringOption;

function entryOf(args: CliArgs, io: CliIO, command: string): string {
  const entry = args.positionals[0];
  if (!entry) throw new UsageError(`onefn ${command} gcp needs an entry module (or "entry" in the config)`);
  return resolve(io.cwd, entry);
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
  const entry = entryOf(args, io, 'invoke');
  const parsed = await readEventFile(args, io);
  const file = String(args.options['event']);
  const request = requestOf(parsed, file);
  const plans = serve(await loadModule(entry), { env: io.env, write: (line) => io.stderr(line + '\n'), routedName: option(args, 'routed-name') ?? 'http' });
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
      // The answer is printed; the refusal is the command's failure.
      throw new OnefnError(res.status === 400 ? 'MALFORMED_EVENT' : 'UNSUPPORTED_EVENT', `the event was refused (status ${res.status})`);
    }
    return 0;
  } finally {
    server.closeAllConnections?.();
    await new Promise<void>((done) => server.close(() => done()));
  }
}

/** `onefn build gcp <entry> --out <dir> [--routed-name <name>] [--json]`: writes `function.zip`, the source archive. */
async function build(args: CliArgs, io: CliIO): Promise<number> {
  const entry = entryOf(args, io, 'build');
  const out = resolve(io.cwd, option(args, 'out') ?? 'dist/gcp');
  const sourcemap = flagOption(args, 'sourcemap');
  const built = await buildArchive({ entry, routedName: option(args, 'routed-name'), sourcemap });
  // With a map, the functions must run with Node's source-map support: `deploy --sourcemap` sets it.
  const nodeOptions = sourcemap ? (await import('onefn/build')).SOURCE_MAP_NODE_OPTIONS : null;
  await mkdir(out, { recursive: true });
  const zipPath = join(out, 'function.zip');
  await writeFile(zipPath, built.zip);
  if (flagOption(args, 'json')) {
    const report = commandReport({
      command: 'build',
      provider: 'gcp',
      stage: option(args, 'stage') ?? null,
      dryRun: true,
      functions: built.plans.map((p) => ({ name: p.name, kind: p.kind, action: 'built', trigger: null, url: null, detail: { entryPoint: p.name, sourcemap, nodeOptions } })),
      artifacts: [{ path: zipPath, bytes: built.zip.byteLength, sha256: base64ToHex(built.sha256), functions: built.plans.map((p) => p.name) }],
      detail: {},
    });
    io.stdout(JSON.stringify(report, null, 2) + '\n');
  } else {
    io.stdout(`wrote ${zipPath} (${built.zip.byteLength} bytes, sha256 ${built.sha256}${nodeOptions ? `; index.js.map inside, run with NODE_OPTIONS=${nodeOptions}` : ''})\n`);
    for (const p of built.plans) io.stdout(`  ${p.name} (${p.kind}), entry point ${p.name}\n`);
  }
  return 0;
}

const ROUTED: FlagSpec = { type: 'string', placeholder: 'name', description: 'The routed HTTP function\'s name (default http).' };

const commands: Record<string, CommandSpec> = {
  invoke: {
    summary: 'Serve the module with functions-framework on a loopback port, send it the request or CloudEvent from a file, and print {status, headers, body}.',
    usage: '<entry>',
    maxPositionals: 1,
    flags: {
      event: { type: 'string', placeholder: 'file.json', description: 'An HTTP request {method, path, headers, body}, a structured CloudEvent, or a push envelope.' },
      function: { type: 'string', placeholder: 'name', description: 'The function to run (default: the one that takes the input).' },
      'routed-name': ROUTED,
    },
    run: invoke,
  },
  build: {
    summary: 'Bundle the module into the source archive every function deploys from (function.zip).',
    usage: '<entry>',
    maxPositionals: 1,
    flags: { out: { type: 'string', placeholder: 'dir', description: 'Where function.zip goes (default dist/gcp).' }, 'routed-name': ROUTED },
    run: build,
  },
  deploy: {
    summary: 'Create or update each function (2nd gen), its invoker binding, Eventarc trigger and Cloud Scheduler job.',
    usage: '<entry>',
    maxPositionals: 1,
    flags: {
      project: { type: 'string', placeholder: 'id', description: 'The project (default: the config\'s, else GOOGLE_CLOUD_PROJECT).' },
      region: { type: 'string', placeholder: 'region', description: 'The region (default: the config\'s, else GOOGLE_CLOUD_REGION).' },
      runtime: { type: 'string', placeholder: 'runtime', description: 'nodejs20 or nodejs22 (default nodejs22).' },
      memory: { type: 'string', placeholder: 'MB', description: 'Memory for every function (default: the definition\'s, else 256).' },
      timeout: { type: 'string', placeholder: 'seconds', description: 'Timeout for every function (default: the definition\'s, else 60).' },
      'max-instances': { type: 'string', placeholder: 'n', description: 'The most instances of each function.' },
      'service-account': { type: 'string', placeholder: 'email', description: 'The runtime service account; schedules need one.' },
      env: { type: 'string', placeholder: 'K=V,...', description: 'Variables added to every function.' },
      'routed-name': ROUTED,
    },
    run: deployCommand,
  },
  rollback: {
    summary: 'Move all traffic of the function\'s Cloud Run service back to the previous ready revision (or --to); the next deploy serves its own revision again.',
    usage: '[<function>]',
    maxPositionals: 1,
    flags: LIFECYCLE_FLAGS.rollback,
    run: rollbackCommand,
  },
  destroy: {
    summary: 'Remove the function and what deploy made for it (its scheduler job, extra Eventarc triggers, IAM bindings for its uses), and nothing else; the plan is printed first.',
    usage: '[<function>]',
    maxPositionals: 1,
    flags: LIFECYCLE_FLAGS.destroy,
    run: destroyCommand,
  },
  logs: {
    summary: 'Print the function\'s recent Cloud Logging lines, oldest first.',
    usage: '[<function>]',
    maxPositionals: 1,
    flags: LIFECYCLE_FLAGS.logs,
    run: logsCommand,
  },
};

/** The `gcp` provider's commands, found by `onefn` as `@onefn/gcp/cli`. */
export const cli: ProviderCli = { provider: 'gcp', commands, packages: optionalPackages() };
