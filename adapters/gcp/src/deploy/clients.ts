import type { v2 as FunctionsV2 } from '@google-cloud/functions';
import type { PubSub } from '@google-cloud/pubsub';
import type { v2 as RunV2 } from '@google-cloud/run';
import type { CloudSchedulerClient } from '@google-cloud/scheduler';
import type { Storage } from '@google-cloud/storage';
import { MissingClientError } from './errors.js';
import type { DeployOptions, Endpoints } from './options.js';
import type { Auth } from './rest.js';

export type FunctionsClient = InstanceType<typeof FunctionsV2.FunctionServiceClient>;
export type RunServicesClient = InstanceType<typeof RunV2.ServicesClient>;
export type SchedulerClient = CloudSchedulerClient;

/**
 * The official clients one deploy uses, each created on first use and closed by {@link close}: Cloud
 * Functions v2, Cloud Run v2 (invoker IAM), Cloud Scheduler, Pub/Sub (topics and their IAM), Cloud
 * Storage (buckets and their IAM). The Functions, Run and Scheduler clients speak REST
 * (`fallback: true`), which honours `protocol`, so tests play those APIs on an http loopback server.
 * Pub/Sub keeps its own transport, gRPC: on REST its IAM calls go through gax's generic IAM mixin,
 * which POSTs `:getIamPolicy` where Pub/Sub's REST binding is a GET
 * (https://cloud.google.com/pubsub/docs/reference/rest/v1/projects.topics/getIamPolicy); over gRPC
 * they are the IAMPolicy service Pub/Sub serves. A loopback `pubsub` endpoint is reached the way
 * the client reaches an emulator (plaintext gRPC).
 */
export interface GoogleClients {
  functions(): Promise<FunctionsClient>;
  run(): Promise<RunServicesClient>;
  scheduler(): Promise<SchedulerClient>;
  pubsub(): Promise<PubSub>;
  storage(): Promise<Storage>;
  close(): Promise<void>;
}

// The versions package.json pins in devDependencies, named in the install hint.
const VERSIONS = {
  '@google-cloud/functions': '4.2.2',
  '@google-cloud/run': '3.3.0',
  '@google-cloud/scheduler': '5.4.0',
  '@google-cloud/pubsub': '5.3.1',
  '@google-cloud/storage': '8.4.0',
} as const;

/**
 * Imports an optional peer; that package missing is a MissingClientError naming `npm i -D <pkg>`. A
 * package missing inside it (a broken install) is not that, and is thrown as it is.
 */
export async function loadPackage<T>(name: keyof typeof VERSIONS, importer: () => Promise<T>): Promise<T> {
  try {
    return await importer();
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    const missing = /Cannot find (?:package|module) '([^']+)'/.exec(String((error as Error).message))?.[1];
    if ((code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') && (missing === name || missing?.startsWith(`${name}/`))) throw new MissingClientError(name, VERSIONS[name], error);
    throw error;
  }
}

const HOSTS: Readonly<Record<keyof Endpoints, string>> = {
  functions: 'https://cloudfunctions.googleapis.com',
  run: 'https://run.googleapis.com',
  scheduler: 'https://cloudscheduler.googleapis.com',
  eventarc: 'https://eventarc.googleapis.com',
  pubsub: 'https://pubsub.googleapis.com',
  storage: 'https://storage.googleapis.com',
};

/** Where one API is reached: the option's endpoint, else Google's. */
export function endpointOf(options: Pick<DeployOptions, 'endpoints'>, api: keyof Endpoints): URL {
  return new URL(options.endpoints?.[api] ?? HOSTS[api]);
}

/** What every gax client's constructor takes (the clients share google-gax's ClientOptions). */
type GaxOptions = NonNullable<ConstructorParameters<typeof FunctionsV2.FunctionServiceClient>[0]>;

/** The gax client options for the REST transport to one endpoint, signed by `auth`. */
function gaxOptions(options: Pick<DeployOptions, 'endpoints'>, api: keyof Endpoints, auth: Auth): GaxOptions {
  const url = endpointOf(options, api);
  const protocol = url.protocol.replace(':', '');
  return { fallback: true, apiEndpoint: url.hostname, port: Number(url.port || (protocol === 'http' ? 80 : 443)), protocol, authClient: auth as GaxOptions['authClient'] };
}

/** Makes the clients of one deploy; none is created until it is first asked for. */
export function googleClients(options: Pick<DeployOptions, 'endpoints' | 'project'>, auth: Auth): GoogleClients {
  const made: Array<{ close(): Promise<void> }> = [];
  const once = <T>(make: () => Promise<T>, close: (client: T) => Promise<void>): (() => Promise<T>) => {
    let pending: Promise<T> | undefined;
    return () =>
      (pending ??= make().then((client) => {
        made.push({ close: () => close(client) });
        return client;
      }));
  };
  return {
    functions: once(async () => {
      const { v2 } = await loadPackage('@google-cloud/functions', () => import('@google-cloud/functions'));
      return new v2.FunctionServiceClient(gaxOptions(options, 'functions', auth));
    }, (c) => c.close()),
    run: once(async () => {
      const { v2 } = await loadPackage('@google-cloud/run', () => import('@google-cloud/run'));
      return new v2.ServicesClient(gaxOptions(options, 'run', auth));
    }, (c) => c.close()),
    scheduler: once(async () => {
      const { CloudSchedulerClient: Client } = await loadPackage('@google-cloud/scheduler', () => import('@google-cloud/scheduler'));
      return new Client(gaxOptions(options, 'scheduler', auth));
    }, (c) => c.close()),
    pubsub: once(async () => {
      const { PubSub: Client } = await loadPackage('@google-cloud/pubsub', () => import('@google-cloud/pubsub'));
      const endpoint = options.endpoints?.pubsub;
      return new Client({ auth: auth as never, ...(options.project ? { projectId: options.project } : {}), ...(endpoint ? { apiEndpoint: endpoint } : {}) });
    }, (c) => c.close()),
    storage: once(async () => {
      const { Storage: Client } = await loadPackage('@google-cloud/storage', () => import('@google-cloud/storage'));
      // A custom endpoint would otherwise go unauthenticated (the emulator convention): keep the auth.
      const endpoint = options.endpoints?.storage;
      return new Client({ authClient: auth as never, ...(options.project ? { projectId: options.project } : {}), ...(endpoint ? { apiEndpoint: endpoint.replace(/\/$/, ''), useAuthWithCustomEndpoint: true } : {}) });
    }, async () => {}),
    async close() {
      await Promise.all(made.splice(0).map((c) => c.close().catch(() => {})));
    },
  };
}
