import { request as httpRequest, type IncomingMessage } from 'node:http';
import Module from 'node:module';
import { format } from 'node:util';
import { OnefnError } from 'onefn';

/** The RPC typed data the host sends and receives (the subset the Node library reads). */
export interface RpcTypedData {
  string?: string | null;
  json?: string | null;
  bytes?: Uint8Array | null;
  stream?: Uint8Array | null;
  http?: RpcHttpData | null;
  int?: number | null;
  double?: number | null;
}

export interface RpcHttpData {
  method?: string | null;
  url?: string | null;
  headers?: Record<string, string> | null;
  nullableHeaders?: Record<string, { value?: string | null }> | null;
  nullableQuery?: Record<string, { value?: string | null }> | null;
  nullableParams?: Record<string, { value?: string | null }> | null;
  body?: RpcTypedData | null;
  statusCode?: string | null;
  cookies?: RpcHttpCookie[] | null;
  enableContentNegotiation?: boolean | null;
}

export interface RpcHttpCookie {
  name?: string | null;
  value?: string | null;
  domain?: { value?: string | null } | null;
  path?: { value?: string | null } | null;
  expires?: { value?: { seconds?: number; nanos?: number } | null } | null;
  secure?: { value?: boolean | null } | null;
  httpOnly?: { value?: boolean | null } | null;
  sameSite?: string | null;
  maxAge?: { value?: number | null } | null;
}

export interface RpcBindingInfo {
  type?: string | null;
  direction?: 'in' | 'out' | 'inout' | null;
  [key: string]: unknown;
}

/** What `app.<trigger>` hands the host: the function's name and bindings (route, queueName, schedule...). */
export interface FunctionMetadata {
  name: string;
  bindings: Record<string, RpcBindingInfo>;
  retryOptions?: unknown;
}

export interface RpcInvocationRequest {
  invocationId?: string;
  functionId?: string;
  inputData?: Array<{ name?: string; data?: RpcTypedData | null }>;
  triggerMetadata?: Record<string, RpcTypedData>;
}

export interface RpcInvocationResponse {
  invocationId?: string;
  outputData?: Array<{ name?: string; data?: RpcTypedData | null }>;
  returnValue?: RpcTypedData | null;
}

type Callback = (...args: unknown[]) => unknown;

interface InvocationModel {
  getArguments(): Promise<{ context: unknown; inputs: unknown[] }>;
  invokeFunction(context: unknown, inputs: unknown[], handler: Callback): Promise<unknown>;
  getResponse(context: unknown, result: unknown): Promise<RpcInvocationResponse>;
}

interface ProgrammingModel {
  name: string;
  version: string;
  getInvocationModel(coreCtx: unknown): InvocationModel;
  getCapabilities(capabilities: Record<string, string>): Promise<Record<string, string>>;
}

/** One registered function, as the host holds it. */
export interface Registration {
  readonly metadata: FunctionMetadata;
  readonly callback: Callback;
  /** The trigger binding (the one whose type ends in "Trigger"). */
  readonly trigger: RpcBindingInfo & { name: string };
}

/** One log line the library sent to the host. */
export interface HostLog {
  readonly level: string;
  readonly category: string;
  readonly message: string;
  readonly invocationId: string | undefined;
}

/** How an invocation ended: the host's response, or the error the function failed with. */
export type HostInvocation =
  | { readonly status: 'success'; readonly response: RpcInvocationResponse; readonly logs: readonly HostLog[] }
  | { readonly status: 'failure'; readonly error: unknown; readonly logs: readonly HostLog[] };

/** A stand-in for the Functions host and its Node worker, for tests and `onefn invoke azure`. */
export interface AzureTestHost {
  /** Registrations by function name, in the order made. */
  readonly registrations: ReadonlyMap<string, Registration>;
  /** Every log line, system and user. */
  readonly logs: readonly HostLog[];
  /** Forgets registrations and logs (the library's programming model stays, as in a real worker). */
  reset(): void;
  /**
   * Runs a registered function as the worker does: getInvocationModel, getArguments,
   * invokeFunction, getResponse. The trigger's data goes in as `inputData` under its binding name.
   */
  invoke(name: string, trigger: { data: RpcTypedData; triggerMetadata?: Record<string, RpcTypedData>; invocationId?: string }): Promise<HostInvocation>;
  /**
   * With HTTP streams on (`app.setup({ enableHttpStream: true })`), runs an HTTP function as the host
   * does then: the request goes to the library's HTTP proxy as a real HTTP request, and `response` is
   * the proxy's answer, readable chunk by chunk while the function still writes. `done` settles when
   * the invocation ends; the host closes the connection of an invocation that failed.
   */
  stream(name: string, trigger: { data: RpcTypedData; triggerMetadata?: Record<string, RpcTypedData>; invocationId?: string }): { response: Promise<IncomingMessage>; done: Promise<HostInvocation> };
  /**
   * With HTTP streams on, starts an HTTP function whose request a client of your own sends (from
   * another process, say): `url` is the library's HTTP proxy address for the trigger's URL, and
   * `method` and `headers` what the host forwards (the trigger's headers, the invocation id, the
   * forwarded host and protocol). The function runs once that request arrives; `done` settles when
   * the invocation ends. The proxy may still be binding its port: retry a refused connection for a
   * while. Unlike `stream`, the host cannot cut that client's connection when the invocation fails.
   */
  proxied(name: string, trigger: { data: RpcTypedData; triggerMetadata?: Record<string, RpcTypedData>; invocationId?: string }): Promise<ProxiedInvocation>;
  /** True once the library announced an HTTP proxy (HTTP streams on). */
  readonly streaming: boolean;
}

/** An HTTP invocation waiting for its request at the library's HTTP proxy (`AzureTestHost.proxied`). */
export interface ProxiedInvocation {
  readonly url: string;
  readonly method: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly done: Promise<HostInvocation>;
}

// One per process, kept on globalThis: @azure/functions (loaded by Node's own require, outside any
// test runner's module graph) remembers the first core module it saw for the life of the process.
const KEY = Symbol.for('@onefn/azure/testing/host');
type Host = AzureTestHost & { model: ProgrammingModel | undefined };
let sequence = 0;
const nextInvocationId = (): string => `00000000-0000-4000-8000-${String(++sequence).padStart(12, '0')}`;
const isHttp = (registration: Registration): boolean => /^httpTrigger$/i.test(registration.trigger.type ?? '');

/**
 * Sends an HTTP trigger's request to the library's proxy as the host forwards it (with the invocation
 * id and the forwarded host and protocol the library requires). The proxy's port comes from the
 * library, on localhost; it may still be re-binding (it first listens on port 0, then moves to a port
 * from 55000), so a refused connection is tried again for a while.
 */
async function proxyRequest(uri: string, invocationId: string, http: RpcHttpData, answered: (res: IncomingMessage) => void, refused: (error: unknown) => void): Promise<ReturnType<typeof httpRequest>> {
  const { port, method, path, headers } = proxyTarget(uri, invocationId, http);
  const body = http.body?.bytes ?? undefined;
  for (let attempt = 0; ; attempt++) {
    try {
      return await new Promise((resolve, reject) => {
        const req = httpRequest({
          host: '127.0.0.1',
          port,
          // One connection per invocation, as the host's forwarding does not depend on reuse.
          agent: false,
          method,
          path,
          headers,
        });
        req.on('error', (error: NodeJS.ErrnoException) => (error.code === 'ECONNREFUSED' ? reject(error) : refused(error)));
        req.once('response', answered);
        req.once('socket', (socket) => socket.once('connect', () => resolve(req)));
        req.end(body ? Buffer.from(body) : undefined);
      });
    } catch (error) {
      if (attempt >= 50) throw error;
      await new Promise((r) => setTimeout(r, 20));
    }
  }
}

/** Where and how the host forwards an HTTP trigger's request to the library's proxy. */
function proxyTarget(uri: string, invocationId: string, http: RpcHttpData): { port: number; method: string; path: string; headers: Record<string, string> } {
  const port = Number(new URL(uri).port);
  const url = new URL(http.url ?? '/', 'http://localhost:7071');
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(http.nullableHeaders ?? {})) if (typeof value?.value === 'string') headers[name] = value.value;
  Object.assign(headers, { 'x-ms-invocation-id': invocationId, 'x-forwarded-host': url.host, 'x-forwarded-proto': url.protocol.slice(0, -1) });
  return { port, method: http.method ?? 'GET', path: url.pathname + url.search, headers };
}

/** The proxied answer in the shape the host's RPC response has, for httpResult. */
function proxiedHttp(res: IncomingMessage, body: Buffer): RpcHttpData {
  const headers: Record<string, string> = {};
  const cookies: RpcHttpCookie[] = [];
  for (const [name, value] of Object.entries(res.headers)) {
    if (value === undefined || name === 'x-ms-invocation-id') continue;
    if (name === 'set-cookie') {
      for (const line of value as string[]) {
        const first = line.split(';')[0] ?? '';
        const eq = first.indexOf('=');
        cookies.push({ name: first.slice(0, eq), value: decodeURIComponent(first.slice(eq + 1)) });
      }
    } else if (name !== 'transfer-encoding' && name !== 'connection' && name !== 'keep-alive' && name !== 'date') headers[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return { statusCode: String(res.statusCode ?? 200), headers, cookies, body: { bytes: new Uint8Array(body) } };
}

function createHost(): AzureTestHost & { model: ProgrammingModel | undefined } {
  const registrations = new Map<string, Registration>();
  const logs: HostLog[] = [];
  const self = {
    model: undefined as ProgrammingModel | undefined,
    registrations,
    logs,
    reset(): void {
      registrations.clear();
      logs.length = 0;
    },
    get streaming(): boolean {
      return httpUri !== undefined;
    },
    async invoke(name: string, trigger: Trigger): Promise<HostInvocation> {
      await capabilities();
      const registration = registrations.get(name);
      if (httpUri && registration && isHttp(registration) && trigger.data.http) {
        const { response, done } = self.stream(name, trigger);
        const result = await done;
        if (result.status === 'failure') return result;
        const res = await response;
        const chunks: Buffer[] = [];
        for await (const chunk of res) chunks.push(chunk as Buffer);
        return { ...result, response: { ...result.response, returnValue: { http: proxiedHttp(res, Buffer.concat(chunks)) } } };
      }
      return run(name, trigger, undefined);
    },
    stream(name: string, trigger: Trigger): { response: Promise<IncomingMessage>; done: Promise<HostInvocation> } {
      const invocationId = trigger.invocationId ?? nextInvocationId();
      let sent: ReturnType<typeof httpRequest> | undefined;
      let answered: (res: IncomingMessage) => void = () => {};
      let refused: (error: unknown) => void = () => {};
      const response = new Promise<IncomingMessage>((resolve, reject) => {
        answered = resolve;
        refused = reject;
      });
      const done = (async (): Promise<HostInvocation> => {
        await capabilities();
        if (!httpUri) throw new OnefnError('TEST_HOST', 'HTTP streams are off: no app called app.setup({ enableHttpStream: true }) before the first invocation');
        sent = await proxyRequest(httpUri, invocationId, trigger.data.http ?? {}, answered, refused);
        const result = await run(name, { ...trigger, invocationId }, sent);
        if (result.status === 'failure') {
          // The host cuts the client's connection: once the answer's start (already written) has
          // arrived, or at once when nothing was written.
          const client = sent;
          const cut = setTimeout(() => {
            refused(result.error);
            client.destroy();
          }, 1000);
          void response.then(
            (res) => {
              clearTimeout(cut);
              res.destroy();
            },
            () => clearTimeout(cut),
          );
        }
        return result;
      })();
      done.catch((error: unknown) => refused(error));
      return { response, done };
    },
    async proxied(name: string, trigger: Trigger): Promise<ProxiedInvocation> {
      await capabilities();
      if (!httpUri) throw new OnefnError('TEST_HOST', 'HTTP streams are off: no app called app.setup({ enableHttpStream: true }) before the first invocation');
      const registration = registrations.get(name);
      if (!registration) throw new OnefnError('TEST_HOST', `No function "${name}" is registered; registered: ${[...registrations.keys()].join(', ') || 'none'}`);
      if (!isHttp(registration)) throw new OnefnError('TEST_HOST', `Function "${name}" has no HTTP trigger: only an HTTP request goes through the proxy`);
      const invocationId = trigger.invocationId ?? nextInvocationId();
      const { port, method, path, headers } = proxyTarget(httpUri, invocationId, trigger.data.http ?? {});
      const done = run(name, { ...trigger, invocationId }, undefined);
      return { url: `http://127.0.0.1:${port}${path}`, method, headers, done };
    },
  };
  type Trigger = { data: RpcTypedData; triggerMetadata?: Record<string, RpcTypedData>; invocationId?: string };
  let httpUri: string | undefined;
  // Asked once, as the worker does at start-up: the library locks its setup then, and starts its HTTP proxy if streams are on.
  let asked: Promise<void> | undefined;
  function capabilities(): Promise<void> {
    const model = self.model;
    if (!model) return Promise.reject(new Error('@azure/functions never set its programming model'));
    return (asked ??= model.getCapabilities({}).then((caps) => {
      httpUri = caps['HttpUri'];
    }));
  }
  async function run(name: string, trigger: Trigger, _proxied: unknown): Promise<HostInvocation> {
    const registration = registrations.get(name);
    if (!registration) throw new OnefnError('TEST_HOST', `No function "${name}" is registered; registered: ${[...registrations.keys()].join(', ') || 'none'}`);
    const model = self.model;
    if (!model) throw new OnefnError('TEST_HOST', '@azure/functions never set its programming model');
    await capabilities();
    const invocationId = trigger.invocationId ?? nextInvocationId();
    const own: HostLog[] = [];
    const request: RpcInvocationRequest = {
      invocationId,
      functionId: name,
      inputData: [{ name: registration.trigger.name, data: trigger.data }],
      triggerMetadata: trigger.triggerMetadata ?? {},
    };
    const coreCtx = {
      invocationId,
      request,
      metadata: registration.metadata,
      state: undefined as string | undefined,
      log(level: string, category: string, message: string): void {
        const entry = { level, category, message, invocationId };
        logs.push(entry);
        own.push(entry);
      },
    };
    const invocation = model.getInvocationModel(coreCtx);
    const { context, inputs } = await invocation.getArguments();
    let result: unknown;
    coreCtx.state = 'invocation';
    try {
      result = await invocation.invokeFunction(context, inputs, registration.callback);
    } catch (error) {
      return { status: 'failure', error, logs: own };
    } finally {
      coreCtx.state = undefined;
    }
    try {
      return { status: 'success', response: await invocation.getResponse(context, result), logs: own };
    } catch (error) {
      // With HTTP streams, the body is sent while getting the response: a stream that fails fails here.
      return { status: 'failure', error, logs: own };
    }
  }
  const coreApi = {
    version: '3.10.1',
    hostVersion: '4.1037.0',
    setProgrammingModel(model: ProgrammingModel): void {
      self.model = model;
    },
    getProgrammingModel(): ProgrammingModel | undefined {
      return self.model;
    },
    registerFunction(metadata: FunctionMetadata, callback: Callback): { dispose(): void } {
      const trigger = Object.entries(metadata.bindings).find(([, b]) => /trigger$/i.test(b.type ?? ''));
      if (!trigger) throw new OnefnError('TEST_HOST', `Function "${metadata.name}" has no trigger binding`);
      if (registrations.has(metadata.name)) throw new OnefnError('TEST_HOST', `A function named "${metadata.name}" is already registered`);
      registrations.set(metadata.name, { metadata, callback, trigger: { ...trigger[1], name: trigger[0] } });
      return { dispose: () => void registrations.delete(metadata.name) };
    },
    registerHook(): { dispose(): void } {
      return { dispose: () => {} };
    },
    log(level: string, category: string, ...args: unknown[]): void {
      logs.push({ level, category, message: format(...args), invocationId: undefined });
    },
  };
  // The Node worker provides `@azure/functions-core` by intercepting `require` (its setupCoreModule);
  // the library asks for it lazily, at its first registration, so this must run before that.
  const proto = Module.prototype as unknown as { require: (id: string) => unknown };
  proto.require = new Proxy(proto.require, {
    apply(target, thisArg, args: [string]) {
      return args[0] === '@azure/functions-core' ? coreApi : Reflect.apply(target, thisArg, args);
    },
  });
  return self;
}

/**
 * The process's test host. The first call installs `@azure/functions-core`, which must happen before
 * the first `app.*` registration (the library looks it up once and remembers a miss); import
 * `@onefn/azure/testing` before registering.
 *
 * @example
 * const host = azureHost()
 * serve(api)
 * const result = await host.invoke('http', rpcHttp({ method: 'GET', url: 'https://x/api/hello' }))
 */
export function azureHost(): AzureTestHost {
  const store = globalThis as unknown as Record<symbol, Host | undefined>;
  return (store[KEY] ??= createHost());
}
