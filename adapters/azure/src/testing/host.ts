import Module from 'node:module';
import { format } from 'node:util';

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
}

// One per process, kept on globalThis: @azure/functions (loaded by Node's own require, outside any
// test runner's module graph) remembers the first core module it saw for the life of the process.
const KEY = Symbol.for('@onefn/azure/testing/host');
type Host = AzureTestHost & { model: ProgrammingModel | undefined };
let sequence = 0;

function createHost(): AzureTestHost & { model: ProgrammingModel | undefined } {
  const registrations = new Map<string, Registration>();
  const logs: HostLog[] = [];
  let locked = false;
  const self = {
    model: undefined as ProgrammingModel | undefined,
    registrations,
    logs,
    reset(): void {
      registrations.clear();
      logs.length = 0;
    },
    async invoke(name: string, trigger: { data: RpcTypedData; triggerMetadata?: Record<string, RpcTypedData>; invocationId?: string }): Promise<HostInvocation> {
      const registration = registrations.get(name);
      if (!registration) throw new Error(`No function "${name}" is registered; registered: ${[...registrations.keys()].join(', ') || 'none'}`);
      const model = self.model;
      if (!model) throw new Error('@azure/functions never set its programming model');
      if (!locked) {
        await model.getCapabilities({});
        locked = true;
      }
      const invocationId = trigger.invocationId ?? `00000000-0000-4000-8000-${String(++sequence).padStart(12, '0')}`;
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
      return { status: 'success', response: await invocation.getResponse(context, result), logs: own };
    },
  };
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
      if (!trigger) throw new Error(`Function "${metadata.name}" has no trigger binding`);
      if (registrations.has(metadata.name)) throw new Error(`A function named "${metadata.name}" is already registered`);
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
 * register(api)
 * const result = await host.invoke('http', rpcHttp({ method: 'GET', url: 'https://x/api/hello' }))
 */
export function azureHost(): AzureTestHost {
  const store = globalThis as unknown as Record<symbol, Host | undefined>;
  return (store[KEY] ??= createHost());
}
