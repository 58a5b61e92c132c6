/**
 * The storage connection of the Azure resource driver, read from app settings in either of the two
 * forms the Functions host itself accepts:
 * https://learn.microsoft.com/azure/azure-functions/functions-reference#configure-an-identity-based-connection
 *
 * - a connection string in `<NAME>` (with the account key: `AzureWebJobsStorage`, or Azurite's);
 * - an identity-based connection: `<NAME>__blobServiceUri` and `<NAME>__queueServiceUri` (or
 *   `<NAME>__accountName`), with `<NAME>__credential=managedidentity` (and `<NAME>__clientId` for a
 *   user-assigned identity) for the app's managed identity; without `__credential`,
 *   DefaultAzureCredential (a developer's `az login`, say).
 *
 * `NAME` is `ONEFN_STORAGE` when any such setting exists (deploy writes it when the app's identity
 * reaches its declared queues and containers), else `AzureWebJobsStorage`. @azure/identity is loaded
 * only for the identity form.
 */
import type { TokenCredential } from '@azure/identity';
import type { BlobClient, BlobServiceClient, StoragePipelineOptions, UserDelegationKey } from '@azure/storage-blob';
import type { QueueServiceClient } from '@azure/storage-queue';
import { ResourceUnavailableError } from 'onefn/runtime';
import { loadOptional } from 'onefn/runtime';
import { loadPackage } from './packages.js';
import { OUTPUT_PACKAGES } from './packages.js';

/** The setting deploy writes for the identity-based connection of a function's declared uses. */
export const ONEFN_STORAGE = 'ONEFN_STORAGE';

/** A storage connection as read from settings: never holds a token; a connection string may hold a key. */
export type StorageConnection =
  | { readonly kind: 'connectionString'; readonly setting: string; readonly connectionString: string }
  | {
      readonly kind: 'identity';
      readonly setting: string;
      readonly blobServiceUri: string;
      readonly queueServiceUri: string;
      /** `managedidentity`: the app's own identity; `default`: DefaultAzureCredential. */
      readonly credential: 'managedidentity' | 'default';
      readonly clientId: string | undefined;
    };

type Env = Readonly<Record<string, string | undefined>>;

/** `ONEFN_STORAGE` when the environment has it in either form, else `AzureWebJobsStorage`. */
export function defaultStorageSetting(env: Env): string {
  for (const key of Object.keys(env)) if ((key === ONEFN_STORAGE || key.startsWith(`${ONEFN_STORAGE}__`)) && env[key]) return ONEFN_STORAGE;
  return 'AzureWebJobsStorage';
}

function serviceUri(setting: string, value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new ResourceUnavailableError('storage', `the setting ${setting} must be a URL such as https://<account>.blob.core.windows.net`);
  }
  if (url.protocol !== 'https:') throw new ResourceUnavailableError('storage', `the setting ${setting} must be an https URL: tokens are not sent over http`);
  return value.replace(/\/+$/, '');
}

/**
 * Reads the connection named `setting` (default: see `defaultStorageSetting`) from `env`, or fails
 * with a `ResourceUnavailableError` naming the settings that are missing or wrong.
 *
 * @example
 * readStorageConnection({ ONEFN_STORAGE__blobServiceUri: 'https://acme.blob.core.windows.net', ONEFN_STORAGE__queueServiceUri: 'https://acme.queue.core.windows.net', ONEFN_STORAGE__credential: 'managedidentity' })
 */
export function readStorageConnection(env: Env, setting: string = defaultStorageSetting(env)): StorageConnection {
  const connectionString = env[setting];
  if (connectionString) return { kind: 'connectionString', setting, connectionString };
  const part = (name: string): string | undefined => env[`${setting}__${name}`] || undefined;
  const account = part('accountName');
  if (account !== undefined && !/^[a-z0-9]{3,24}$/.test(account)) throw new ResourceUnavailableError('storage', `the setting ${setting}__accountName must be a storage account name (3-24 lower-case letters and digits)`);
  const blob = part('blobServiceUri') ?? part('serviceUri') ?? (account && `https://${account}.blob.core.windows.net`);
  const queue = part('queueServiceUri') ?? (account && `https://${account}.queue.core.windows.net`);
  if (!blob && !queue) {
    throw new ResourceUnavailableError('storage', `neither the setting ${setting} (a connection string) nor ${setting}__blobServiceUri and ${setting}__queueServiceUri (an identity-based connection) is set`);
  }
  if (!blob || !queue) throw new ResourceUnavailableError('storage', `the identity-based connection ${setting} needs both ${setting}__blobServiceUri and ${setting}__queueServiceUri (or ${setting}__accountName)`);
  const credential = part('credential');
  if (credential !== undefined && credential.toLowerCase() !== 'managedidentity') throw new ResourceUnavailableError('storage', `the setting ${setting}__credential must be managedidentity when set`);
  return {
    kind: 'identity',
    setting,
    blobServiceUri: serviceUri(`${setting}__blobServiceUri`, blob),
    queueServiceUri: serviceUri(`${setting}__queueServiceUri`, queue),
    credential: credential === undefined ? 'default' : 'managedidentity',
    clientId: part('clientId'),
  };
}

/** The two storage clients for a connection, and the blob package (for SAS signing). */
export interface StorageClients {
  readonly queueService: QueueServiceClient;
  readonly blobService: BlobServiceClient;
  readonly blobApi: typeof import('@azure/storage-blob');
}

/** Optional: a credential to use instead of the one the settings name, and pipeline options for both clients (tests). */
export interface StorageClientOptions {
  readonly credential?: TokenCredential;
  readonly pipeline?: StoragePipelineOptions;
}

const PURPOSE = 'the Azure storage driver with an identity-based connection';

/** The token credential an identity-based connection names, from @azure/identity (loaded now, not before). */
async function credentialFor(connection: Extract<StorageConnection, { kind: 'identity' }>): Promise<TokenCredential> {
  const identity = await loadPackage('@azure/identity', PURPOSE, false, () => import('@azure/identity'));
  if (connection.credential === 'managedidentity') return connection.clientId ? new identity.ManagedIdentityCredential({ clientId: connection.clientId }) : new identity.ManagedIdentityCredential();
  return new identity.DefaultAzureCredential(connection.clientId ? { managedIdentityClientId: connection.clientId } : {});
}

/** Creates the queue and blob service clients for a connection in either form. */
export async function storageClients(connection: StorageConnection, options: StorageClientOptions = {}): Promise<StorageClients> {
  const [queueApi, blobApi] = await loadOptional('@onefn/azure outputs', OUTPUT_PACKAGES, () => Promise.all([import('@azure/storage-queue'), import('@azure/storage-blob')]));
  const pipeline = options.pipeline ?? {};
  // The queue package's options type is the blob one's but for `audience` (one string there, a list here).
  const queuePipeline = { ...pipeline, audience: typeof pipeline.audience === 'string' ? pipeline.audience : undefined };
  if (connection.kind === 'connectionString') {
    return {
      queueService: queueApi.QueueServiceClient.fromConnectionString(connection.connectionString, queuePipeline),
      blobService: blobApi.BlobServiceClient.fromConnectionString(connection.connectionString, pipeline),
      blobApi,
    };
  }
  const credential = options.credential ?? (await credentialFor(connection));
  return {
    queueService: new queueApi.QueueServiceClient(connection.queueServiceUri, credential, queuePipeline),
    blobService: new blobApi.BlobServiceClient(connection.blobServiceUri, credential, pipeline),
    blobApi,
  };
}

// A user delegation key is good for up to 7 days; one is asked for per service client and reused
// while it outlives the URL being signed.
const DELEGATION_KEY_MAX_MS = 7 * 24 * 3600 * 1000;
const delegationKeys = new WeakMap<BlobServiceClient, Promise<UserDelegationKey>>();

async function delegationKey(service: BlobServiceClient, until: Date): Promise<UserDelegationKey> {
  const cached = delegationKeys.get(service);
  if (cached) {
    const key = await cached.catch(() => undefined);
    if (key && key.signedExpiresOn.getTime() >= until.getTime()) return key;
  }
  const now = Date.now();
  // Started a few minutes back: clocks of the app and the storage service may differ.
  const startsOn = new Date(now - 5 * 60 * 1000);
  const expiresOn = new Date(Math.min(now + DELEGATION_KEY_MAX_MS - 60_000, Math.max(until.getTime(), now + 3600 * 1000)));
  const asked = service.getUserDelegationKey(startsOn, expiresOn);
  delegationKeys.set(service, asked);
  return asked;
}

/**
 * A SAS URL signed with a user delegation key rather than the account key: what an identity-based
 * connection can sign. It grants no more than both `permissions` and the identity's own roles on the
 * container; asking for the key needs the Storage Blob Delegator role on the account, which deploy
 * grants. https://learn.microsoft.com/rest/api/storageservices/create-user-delegation-sas
 */
export async function delegatedSasUrl(
  clients: StorageClients,
  blob: BlobClient,
  request: { permissions: string; expiresOn: Date; contentType?: string },
): Promise<string> {
  const key = await delegationKey(clients.blobService, request.expiresOn);
  const sas = clients.blobApi.generateBlobSASQueryParameters(
    {
      containerName: blob.containerName,
      blobName: blob.name,
      permissions: clients.blobApi.BlobSASPermissions.parse(request.permissions),
      startsOn: new Date(Date.now() - 5 * 60 * 1000),
      expiresOn: request.expiresOn,
      ...(request.contentType ? { contentType: request.contentType } : {}),
    },
    key,
    clients.blobService.accountName,
  );
  return `${blob.url}${blob.url.includes('?') ? '&' : '?'}${sas.toString()}`;
}
