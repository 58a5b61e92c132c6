import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import { parsePortableInput } from '../cli/portable-input.js';
import { createContext } from '../context.js';
import { MalformedEventError } from '../errors.js';
import { createRequest } from '../http.js';
import { jsonSyntaxDetail } from '../json-syntax.js';
import type { LogEntry } from '../logger.js';
import type { FunctionPlan } from '../plan.js';
import { problem } from '../problem.js';
import type { ResponseData } from '../response.js';
import { runEvents } from '../run-events.js';
import { functionFor, serve, type Served } from './functions.js';
import { openModule } from './loader.js';
import { MODULE_TOP_LEVEL, StrayErrors } from './stray-errors.js';
import { readBody, refuseMalformed, resetHeaders, send, splitTarget } from './wire.js';

/** Where event definitions are triggered locally: POST a portable event (see `parsePortableInput`). */
export const EVENT_PATH_PREFIX = '/_onefn/events/';

export interface DevServerOptions {
  /** The module whose definitions are served. */
  entry: string;
  /** Default 3000; 0 picks a free port. */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  /** Reload when the entry or a file it imports changes. Default true. */
  watch?: boolean;
  /** Where the server's own lines go (routes, reloads, errors). Default stderr. */
  print?: (line: string) => void;
  /** Where handlers' log entries go. Default: one readable line each on stderr. */
  logSink?: (entry: LogEntry) => void;
}

export interface DevServer {
  readonly url: string;
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

/**
 * Serves a module's definitions on Node's own http server, through the same pipeline as the
 * adapters: every HTTP definition routed by method and path, every event definition at
 * `POST /_onefn/events/<function name>`. Until closed, it listens for the process's
 * `uncaughtException` and `unhandledRejection`: a handler's stray error is logged, not fatal.
 *
 * @example
 * const dev = await startDevServer({ entry: 'examples/hello/index.ts', port: 0 })
 * await fetch(`${dev.url}/hello?name=Ada`)
 * await dev.close()
 */
export async function startDevServer(options: DevServerOptions): Promise<DevServer> {
  const entry = resolve(options.entry);
  const print = options.print ?? ((line: string) => process.stderr.write(line + '\n'));
  const logSink = options.logSink ?? readableSink;
  const stray = new StrayErrors(logSink);
  let url = '';
  let current: Served | undefined;
  const module = await openModule(entry, options.watch ?? true, {
    loaded(mod) {
      const next = serve(mod, entry);
      if (current) {
        print(`reloaded ${options.entry}`);
        for (const line of describePlans(next.plans, url)) print(line);
      }
      current = next;
    },
    failed: (error) => print(`reload failed, still serving the previous version: ${(error as Error)?.message ?? String(error)}`),
    importing: (load) => stray.origins.run(MODULE_TOP_LEVEL, load),
  }).catch((error: unknown) => {
    stray.close();
    throw error;
  });

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
    const { path, query } = splitTarget(req.url ?? '/');
    const body = await readBody(req, served.maxBody);
    if (body === 'gone') return void res.destroy();
    if (body === 'too-large') {
      // The rest of the body is never read, so the connection cannot carry another request.
      send(res, problem(413, `The body is larger than ${served.maxBody} bytes`, {}, { connection: 'close' }), false);
      res.on('finish', () => req.destroy());
      return;
    }
    const abort = new AbortController();
    res.on('close', () => {
      if (!res.writableFinished) abort.abort(new Error('client closed the connection'));
    });
    if (path.startsWith(EVENT_PATH_PREFIX)) return triggerEvent(served, req, res, path.slice(EVENT_PATH_PREFIX.length), body, abort.signal);
    const request = createRequest({
      method: req.method ?? 'GET',
      path,
      query,
      headers: req.headersDistinct,
      headersLowerCased: true,
      body: body.byteLength ? { data: body } : undefined,
      ip: req.socket.remoteAddress,
      native: { provider: 'local', event: req, context: undefined },
    });
    const fn = functionFor(served, request);
    const ctx = createContext({ functionName: fn.name, provider: 'local', timeoutMs: fn.timeoutMs, logSink, signal: abort.signal });
    const data = await stray.origins.run({ function: fn.name, requestId: ctx.requestId }, () => served.router.handle(request, ctx));
    answer(res, data, req.method === 'HEAD', fn.name);
  }

  async function triggerEvent(served: Served, req: IncomingMessage, res: ServerResponse, encoded: string, body: Uint8Array, signal: AbortSignal): Promise<void> {
    let name: string;
    try {
      name = decodeURIComponent(encoded);
    } catch {
      return send(res, problem(400, `The event function name ${JSON.stringify(encoded)} is not valid percent-encoding`), false);
    }
    const found = served.events.get(name);
    if (!found) return send(res, problem(404, `No event function named ${JSON.stringify(name)}; known: ${[...served.events.keys()].join(', ') || 'none'}`), false);
    if (req.method !== 'POST') return send(res, problem(405, 'Trigger event functions with POST', {}, { allow: 'POST' }), false);
    let input;
    try {
      input = parsePortableInput(JSON.parse(Buffer.from(body).toString('utf8')));
    } catch (error) {
      const detail = error instanceof MalformedEventError ? error.message : error instanceof SyntaxError ? `Malformed JSON body: ${jsonSyntaxDetail(error)}` : 'Malformed event';
      return send(res, problem(400, detail), false);
    }
    const { definition, fn } = found;
    if (input.kind !== definition.kind) return send(res, problem(400, `"${name}" takes ${definition.kind} events, got ${input.kind}`), false);
    const ctx = createContext({ functionName: fn.name, provider: 'local', timeoutMs: fn.timeoutMs, logSink, signal });
    const items = input.items;
    const result = await stray.origins.run({ function: fn.name, requestId: ctx.requestId }, () => runEvents(definition, items, ctx));
    const outcomes = result.outcomes.map((o) => (o.status === 'failed' ? { id: o.id, status: o.status, error: (o.error as Error)?.message ?? String(o.error) } : o));
    const status = result.failed.length ? 500 : 200;
    send(res, { status, headers: { 'content-type': 'application/json' }, cookies: [], body: JSON.stringify({ outcomes, failed: result.failed }) }, false);
  }

  try {
    await new Promise<void>((ok, fail) => {
      server.once('error', fail);
      server.listen(options.port ?? 3000, options.host ?? '127.0.0.1', () => ok());
    });
  } catch (error) {
    stray.close();
    await module.close();
    throw error;
  }
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  url = `http://${host}:${address.port}`;
  print(`onefn dev: serving ${options.entry} on ${url}`);
  for (const line of describePlans((current as Served).plans, url)) print(line);

  return {
    url,
    server,
    reload: module.reload,
    close: async () => {
      await module.close();
      await new Promise<void>((ok) => {
        server.closeAllConnections();
        server.close(() => ok());
      });
      stray.close();
    },
  };
}
