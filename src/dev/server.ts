import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parsePortableInput } from '../cli/portable-input.js';
import type { EventDefinition } from '../onefn/definition.js';
import { MalformedEventError, OnefnError } from '../onefn/errors.js';
import { jsonSyntaxDetail } from '../onefn/json-syntax.js';
import type { LogEntry } from '../onefn/logger.js';
import type { FunctionPlan } from '../runtime/plan.js';
import { problem } from '../onefn/problem.js';
import type { ResponseData } from '../onefn/response.js';
import { API_PATH, DASHBOARD_PATH, handleDashboard, type ApiState } from './api.js';
import { dashboardAsset } from './asset.js';
import { BRIDGE_PROVIDERS, BridgeUnavailableError, loadBridge, type BridgeProvider, type DevBridge } from './bridge.js';
import { layeredEnv, readEnvFiles } from './env-files.js';
import { Feed } from './feed.js';
import { serve, type DevFunction, type Served } from './functions.js';
import { LocalResources, portableInput } from './local-resources.js';
import { Invoker, type Through } from './invoke.js';
import { openModule } from './loader.js';
import { PresetStore } from './presets.js';
import { MODULE_TOP_LEVEL, StrayErrors } from './stray-errors.js';
import { readBody, refuseMalformed, resetHeaders, send, splitTarget } from './wire.js';

/** Where event definitions are triggered locally: POST a portable event (see `parsePortableInput`). */
export const EVENT_PATH_PREFIX = '/_onefn/events/';

export interface DevServerOptions {
  /** The module whose definitions are served. */
  entry: string;
  /** Default 3000; 0 picks a free port. */
  port?: number;
  /** Default 127.0.0.1. Any other address makes the dashboard and its API require a token. */
  host?: string;
  /** Reload when the entry or a file it imports changes. Default true. */
  watch?: boolean;
  /** Where the server's own lines go (routes, access lines, reloads, errors). Default stderr. */
  print?: (line: string) => void;
  /** Where handlers' log entries go. Default: one readable line each on stderr. */
  logSink?: (entry: LogEntry) => void;
  /**
   * Send every request through this provider's adapter as its native event (`@onefn/<provider>/dev`
   * must be installed). Default: the portable pipeline.
   */
  provider?: BridgeProvider;
  /** Where `.env` and `.env.local` are read, and `.onefn/` (presets) kept. Default: the process's cwd. */
  dir?: string;
  /** The environment variables the shell gave. Default `process.env`. */
  env?: Readonly<Record<string, string | undefined>>;
  /**
   * Require this token for the dashboard and its API. Default: none on loopback; on any other host, a
   * random one, printed at start in the dashboard's URL.
   */
  token?: string;
}

export interface DevServer {
  readonly url: string;
  /** The dashboard's address, with the token when one is needed. */
  readonly dashboardUrl: string;
  readonly server: Server;
  /** Loads the module again; keeps serving the previous version when it fails. */
  reload(): Promise<void>;
  close(): Promise<void>;
}

function describePlans(plans: readonly FunctionPlan[], url: string): string[] {
  const lines: string[] = [];
  for (const plan of plans) {
    if (plan.kind === 'http') {
      for (const [i, def] of plan.definitions.entries()) {
        const methods = def.trigger.methods === 'ANY' ? 'ANY' : def.trigger.methods.join(',');
        lines.push(`  ${methods.padEnd(12)} ${url}${def.trigger.route?.pattern ?? '/*'}  (${plan.exportNames[i] ?? plan.name})`);
      }
    } else {
      lines.push(`  POST         ${url}${EVENT_PATH_PREFIX}${plan.name}  (${plan.kind} event)`);
    }
  }
  return lines;
}

const readableSink = (entry: LogEntry): void => {
  const fields = Object.keys(entry.fields).length ? ' ' + JSON.stringify(entry.fields) : '';
  process.stderr.write(`${new Date(entry.time).toISOString()} ${entry.level.toUpperCase().padEnd(5)} ${entry.message}${fields}\n`);
};

/** 127.0.0.0/8, ::1 and localhost reach only this machine; anything else may be reached from outside. */
export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || host === '[::1]' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}

/** The port is taken: says which, and how to choose another. */
export class PortInUseError extends OnefnError {
  constructor(host: string, port: number) {
    super('PORT_IN_USE', `port ${port} on ${host} is already in use; choose another with --port <number> (or PORT=<number>), or --port 0 for any free port`);
  }
}

/**
 * Serves a module's definitions on Node's own http server, through the same pipeline as the
 * adapters: every HTTP definition routed by method and path, every event definition at
 * `POST /_onefn/events/<function name>`, and the dashboard at `/_onefn` with its JSON API at
 * `/_onefn/api/v1`. Prints an access line per invocation. Until closed, it listens for the process's
 * `uncaughtException` and `unhandledRejection`: a handler's stray error is logged, not fatal.
 *
 * @example
 * const dev = await startDevServer({ entry: 'examples/hello/index.ts', port: 0 })
 * await fetch(`${dev.url}/hello?name=Ada`)
 * await dev.close()
 */
export async function startDevServer(options: DevServerOptions): Promise<DevServer> {
  const entry = resolve(options.entry);
  const dir = resolve(options.dir ?? process.cwd());
  const host = options.host ?? '127.0.0.1';
  const print = options.print ?? ((line: string) => process.stderr.write(line + '\n'));
  const baseSink = options.logSink ?? readableSink;
  const shell = options.env ?? process.env;
  let files = readEnvFiles(dir);
  const feed = new Feed();
  // An invocation's entries travel in its record; a stray error, logged after any invocation ended,
  // reaches the feed on its own.
  const stray = new StrayErrors((entry) => {
    baseSink(entry);
    feed.publish('log', entry);
  });
  const token = options.token ?? (isLoopback(host) ? undefined : randomBytes(24).toString('base64url'));
  const reloadState = { generation: 0, at: new Date().toISOString(), error: undefined as string | undefined };
  const bridges = new Map<BridgeProvider, Promise<DevBridge>>();
  const bridgeFor = (provider: BridgeProvider): Promise<DevBridge> => {
    let found = bridges.get(provider);
    if (!found) {
      found = loadBridge(provider);
      found.catch(() => bridges.delete(provider));
      bridges.set(provider, found);
    }
    return found;
  };
  const resources = new LocalResources(resolve(dir, '.onefn', 'resources'), print);
  await resources.load();
  const invoker = new Invoker({ stray, logSink: baseSink, feed, print, envFor: (fn) => layeredEnv(fn.env, files.values, shell), bridge: bridgeFor, resources: resources.source });
  const through: Through = options.provider ?? 'local';
  if (options.provider !== undefined && !(BRIDGE_PROVIDERS as readonly string[]).includes(options.provider)) {
    stray.close();
    throw new OnefnError('BAD_PROVIDER', `--provider must be one of ${BRIDGE_PROVIDERS.join(', ')}`);
  }
  if (options.provider) {
    // Fails now, before listening, when the adapter is missing: better than a 501 on every request.
    await bridgeFor(options.provider).catch((error: unknown) => {
      stray.close();
      throw error;
    });
  }

  let url = '';
  let current: Served | undefined;
  const module = await openModule(entry, options.watch ?? true, {
    loaded(mod) {
      const next = serve(mod, entry);
      if (current) {
        files = readEnvFiles(dir);
        print(`reloaded ${options.entry}`);
        for (const line of describePlans(next.plans, url)) print(line);
      }
      current = next;
      reloadState.generation++;
      reloadState.at = new Date().toISOString();
      reloadState.error = undefined;
      feed.publish('reload', { ok: true, generation: reloadState.generation, at: reloadState.at });
    },
    failed: (error) => {
      const message = (error as Error)?.message ?? String(error);
      reloadState.error = message;
      feed.publish('reload', { ok: false, generation: reloadState.generation, at: new Date().toISOString(), error: message });
      print(`reload failed, still serving the previous version: ${message}`);
    },
    importing: (load) => stray.origins.run(MODULE_TOP_LEVEL, load),
  }).catch((error: unknown) => {
    stray.close();
    throw error;
  });

  const presets = new PresetStore(resolve(dir, '.onefn'));
  const api: ApiState = {
    entry: options.entry,
    served: () => current as Served,
    reload: reloadState,
    feed,
    presets,
    invoker,
    resources,
    token,
    defaultProvider: through,
    asset: (name) => dashboardAsset(name, token),
  };

  const server = createServer((req, res) => {
    void handle(req, res).catch((error: unknown) => {
      // The pipeline answers every request itself; this is the dev server's own failure.
      print(`dev server error: ${(error as Error)?.message ?? String(error)}`);
      if (res.headersSent) return void res.destroy();
      resetHeaders(res);
      send(res, problem(500, 'The dev server failed; see its output'), false);
    });
  });
  server.on('clientError', refuseMalformed);

  /** Sends a function's answer; one Node refuses (a CR in a header value, say) is the function's fault, told apart. */
  function answer(res: ServerResponse, data: ResponseData, head: boolean, fn: string): void {
    try {
      send(res, data, head);
    } catch (error) {
      if (res.headersSent) throw error;
      print(`${fn}: its response cannot be sent: ${(error as Error).message}`);
      resetHeaders(res);
      send(res, problem(500, 'The function answered with a response that is not valid HTTP; see the dev server output'), false);
    }
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const served = current as Served;
    const started = performance.now();
    const { path, query } = splitTarget(req.url ?? '/');
    const method = req.method ?? 'GET';
    const body = await readBody(req, served.maxBody);
    if (body === 'gone') return void res.destroy();
    if (body === 'too-large') {
      // The rest of the body is never read, so the connection cannot carry another request.
      send(res, problem(413, `The body is larger than ${served.maxBody} bytes`, {}, { connection: 'close' }), false);
      res.on('finish', () => req.destroy());
      invoker.refused(method, path, 413, '-', started);
      return;
    }
    const abort = new AbortController();
    res.on('close', () => {
      if (!res.writableFinished) abort.abort(new Error('client closed the connection'));
    });
    if (path.startsWith(EVENT_PATH_PREFIX)) return triggerEvent(served, req, res, path.slice(EVENT_PATH_PREFIX.length), body, abort.signal, started);
    if (path === DASHBOARD_PATH || path.startsWith(`${DASHBOARD_PATH}/`)) return handleDashboard(api, req, res, path, query, body, abort.signal);
    let result;
    try {
      result = await invoker.http(served, { method, path, rawQuery: query, headers: req.headersDistinct as Record<string, string[]>, body, ip: req.socket.remoteAddress, native: req }, through, 'http', abort.signal);
    } catch (error) {
      if (!(error instanceof BridgeUnavailableError)) throw error;
      return send(res, problem(501, error.message), false);
    }
    answer(res, result.response, method === 'HEAD', result.record.function);
  }

  async function triggerEvent(served: Served, req: IncomingMessage, res: ServerResponse, encoded: string, body: Uint8Array, signal: AbortSignal, started: number): Promise<void> {
    const method = req.method ?? 'GET';
    const refuse = (data: ResponseData, fn = '-'): void => {
      send(res, data, false);
      invoker.refused(method, EVENT_PATH_PREFIX + encoded, data.status, fn, started);
    };
    let name: string;
    try {
      name = decodeURIComponent(encoded);
    } catch {
      return refuse(problem(400, `The event function name ${JSON.stringify(encoded)} is not valid percent-encoding`));
    }
    const found = served.events.get(name);
    if (!found) return refuse(problem(404, `No event function named ${JSON.stringify(name)}; known: ${[...served.events.keys()].join(', ') || 'none'}`));
    if (method !== 'POST') return refuse(problem(405, 'Trigger event functions with POST', {}, { allow: 'POST' }), name);
    let input;
    try {
      input = parsePortableInput(JSON.parse(Buffer.from(body).toString('utf8')));
    } catch (error) {
      const detail = error instanceof MalformedEventError ? error.message : error instanceof SyntaxError ? `Malformed JSON body: ${jsonSyntaxDetail(error)}` : 'Malformed event';
      return refuse(problem(400, detail), name);
    }
    const { definition } = found;
    if (input.kind === 'http' || input.kind !== definition.kind) return refuse(problem(400, `"${name}" takes ${definition.kind} events, got ${input.kind}`), name);
    let record;
    try {
      record = await invoker.events(found, input, through, 'event-endpoint', signal);
    } catch (error) {
      if (!(error instanceof BridgeUnavailableError)) throw error;
      return send(res, problem(501, error.message), false);
    }
    const outcomes = record.outcomes ?? [];
    const failed = record.failed ?? [];
    send(res, { status: failed.length ? 500 : 200, headers: { 'content-type': 'application/json' }, cookies: [], body: JSON.stringify({ outcomes, failed }) }, false);
  }

  try {
    await new Promise<void>((ok, fail) => {
      server.once('error', fail);
      server.listen(options.port ?? 3000, host, () => ok());
    });
  } catch (error) {
    stray.close();
    await module.close();
    if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE') throw new PortInUseError(host, options.port ?? 3000);
    throw error;
  }
  const address = server.address() as AddressInfo;
  const shown = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  url = `http://${shown}:${address.port}`;
  const dashboardUrl = `${url}${DASHBOARD_PATH}${token === undefined ? '' : `?token=${token}`}`;
  print(`onefn dev: serving ${options.entry} on ${url}${through === 'local' ? '' : ` (each request as ${through} would deliver it)`}`);
  for (const line of describePlans((current as Served).plans, url)) print(line);
  print(`  dashboard: ${dashboardUrl}   API: ${url}${API_PATH}`);
  // Consumers run through the portable pipeline, whatever --provider says: a provider's adapter is a
  // way in for requests, while local queues, topics and buckets are the portable model's own.
  resources.start(() => current, (served, consumer, input, signal) => {
    const found = served.events.get(consumer.name) as { definition: EventDefinition; fn: DevFunction };
    return invoker.events(found, portableInput(found.definition.kind, input), 'local', 'resource', signal);
  }, `${url}${API_PATH}/resources/buckets`);
  if (files.found.length) print(`  env: ${files.found.join(', ')} (${Object.keys(files.values).length} variables; never bundled)`);

  return {
    url,
    dashboardUrl,
    server,
    reload: module.reload,
    close: async () => {
      await module.close();
      await resources.close();
      feed.close();
      await new Promise<void>((ok) => {
        server.closeAllConnections();
        server.close(() => ok());
      });
      stray.close();
    },
  };
}
