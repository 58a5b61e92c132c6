import { watch, type FSWatcher } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, resolve } from 'node:path';
import { loadModule } from '../build/bundle.js';
import { parsePortableInput } from '../cli/portable-input.js';
import { createContext } from '../context.js';
import type { EventDefinition, HttpDefinition } from '../definition.js';
import { MalformedEventError, OnefnError } from '../errors.js';
import { createRequest } from '../http.js';
import { jsonSyntaxDetail } from '../json-syntax.js';
import type { ResponseData } from '../response.js';
import type { LogEntry } from '../logger.js';
import { createRouter, type Router } from '../router.js';
import { runEvents } from '../run-events.js';
import { planFunctions, type FunctionPlan } from '../plan.js';
import { problem } from '../problem.js';

/** Where event definitions are triggered locally: POST a portable event (see `parsePortableInput`). */
export const EVENT_PATH_PREFIX = '/_onefn/events/';

export interface DevServerOptions {
  /** The module whose definitions are served. */
  entry: string;
  /** Default 3000; 0 picks a free port. */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  /** Reload when files beside the entry change. Default true. */
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

interface Loaded {
  router: Router;
  events: Map<string, EventDefinition>;
  maxBody: number;
  plans: FunctionPlan[];
}

function describePlans(plans: FunctionPlan[], url: string): string[] {
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

async function load(entry: string): Promise<Loaded> {
  const mod = await loadModule(entry);
  const plans = planFunctions(mod);
  const http: HttpDefinition[] = [];
  const events = new Map<string, EventDefinition>();
  for (const plan of plans) {
    if (plan.kind === 'http') http.push(...plan.definitions);
    else events.set(plan.name, plan.definition);
  }
  if (!http.length && !events.size) throw new OnefnError('NO_DEFINITIONS', `${entry} exports no onefn definition`);
  return { router: createRouter(http), events, maxBody: Math.max(1024 * 1024, ...http.map((d) => d.trigger.bodyLimit)), plans };
}

function readBody(req: IncomingMessage, limit: number): Promise<Uint8Array | 'too-large'> {
  return new Promise((resolveBody, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        req.pause();
        resolveBody('too-large');
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolveBody(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function send(res: ServerResponse, data: ResponseData, head: boolean): void {
  const headers: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(data.headers)) headers[name] = typeof value === 'string' ? value : [...value];
  if (data.cookies.length) headers['set-cookie'] = [...data.cookies];
  res.writeHead(data.status, headers);
  res.end(head ? undefined : data.body);
}

const readableSink = (entry: LogEntry): void => {
  const fields = Object.keys(entry.fields).length ? ' ' + JSON.stringify(entry.fields) : '';
  process.stderr.write(`${new Date(entry.time).toISOString()} ${entry.level.toUpperCase().padEnd(5)} ${entry.message}${fields}\n`);
};

/**
 * Serves a module's definitions on Node's own http server, through the same pipeline as the
 * adapters: every HTTP definition routed by method and path, every event definition at
 * `POST /_onefn/events/<function name>`.
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
  let current = await load(entry);

  const server = createServer((req, res) => {
    void handle(req, res).catch((error: unknown) => {
      // The pipeline answers every request itself; this is the dev server's own failure.
      print(`dev server error: ${(error as Error).message}`);
      if (!res.headersSent) send(res, problem(500, 'The dev server failed; see its output'), false);
      else res.destroy();
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const { router, events, maxBody } = current;
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    const path = q === -1 ? url : url.slice(0, q);
    const body = await readBody(req, maxBody);
    if (body === 'too-large') {
      // The rest of the body is never read, so the connection cannot carry another request.
      send(res, problem(413, `The body is larger than ${maxBody} bytes`, {}, { connection: 'close' }), false);
      res.on('finish', () => req.destroy());
      return;
    }
    const abort = new AbortController();
    res.on('close', () => {
      if (!res.writableFinished) abort.abort(new Error('client closed the connection'));
    });
    if (path.startsWith(EVENT_PATH_PREFIX)) {
      const name = decodeURIComponent(path.slice(EVENT_PATH_PREFIX.length));
      const def = events.get(name);
      if (!def) return send(res, problem(404, `No event function named "${name}"; known: ${[...events.keys()].join(', ') || 'none'}`), false);
      if (req.method !== 'POST') return send(res, problem(405, 'Trigger event functions with POST', {}, { allow: 'POST' }), false);
      let input;
      try {
        input = parsePortableInput(JSON.parse(Buffer.from(body).toString('utf8')));
      } catch (error) {
        const detail = error instanceof MalformedEventError ? error.message : `Malformed JSON body: ${jsonSyntaxDetail(error)}`;
        return send(res, problem(400, detail), false);
      }
      if (input.kind !== def.kind) return send(res, problem(400, `"${name}" takes ${def.kind} events, got ${input.kind}`), false);
      const ctx = createContext({ functionName: name, provider: 'local', timeoutMs: (def.settings.timeout ?? 60) * 1000, logSink, signal: abort.signal });
      const result = await runEvents(def, input.items, ctx);
      const outcomes = result.outcomes.map((o) => (o.status === 'failed' ? { id: o.id, status: o.status, error: (o.error as Error)?.message ?? String(o.error) } : o));
      const status = result.failed.length ? 500 : 200;
      return send(res, { status, headers: { 'content-type': 'application/json' }, cookies: [], body: JSON.stringify({ outcomes, failed: result.failed }) }, false);
    }
    const request = createRequest({
      method: req.method ?? 'GET',
      path,
      query: q === -1 ? '' : url.slice(q + 1),
      headers: req.headersDistinct,
      headersLowerCased: true,
      body: body.byteLength ? { data: body } : undefined,
      ip: req.socket.remoteAddress,
      native: { provider: 'local', event: req, context: undefined },
    });
    const ctx = createContext({ functionName: 'dev', provider: 'local', timeoutMs: 60_000, logSink, signal: abort.signal });
    send(res, await router.handle(request, ctx), req.method === 'HEAD');
  }

  await new Promise<void>((ok, fail) => {
    server.once('error', fail);
    server.listen(options.port ?? 3000, options.host ?? '127.0.0.1', () => ok());
  });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  const url = `http://${host}:${address.port}`;
  print(`onefn dev: serving ${options.entry} on ${url}`);
  for (const line of describePlans(current.plans, url)) print(line);

  async function reload(): Promise<void> {
    try {
      current = await load(entry);
      print(`reloaded ${options.entry}`);
      for (const line of describePlans(current.plans, url)) print(line);
    } catch (error) {
      print(`reload failed, still serving the previous version: ${(error as Error).message}`);
    }
  }

  let watcher: FSWatcher | undefined;
  if (options.watch ?? true) {
    let timer: ReturnType<typeof setTimeout> | undefined;
    watcher = watch(dirname(entry), { recursive: true }, (_event, file) => {
      if (file && /(^|\/)(node_modules|dist|\.git)(\/|$)/.test(String(file))) return;
      clearTimeout(timer);
      timer = setTimeout(() => void reload(), 150);
    });
  }

  return {
    url,
    server,
    reload,
    close: () =>
      new Promise<void>((ok) => {
        watcher?.close();
        server.closeAllConnections();
        server.close(() => ok());
      }),
  };
}
