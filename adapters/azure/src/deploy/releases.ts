/**
 * Releases: every package deploy ships is kept, so that `onefn rollback azure` can ship an earlier one
 * again. This works on every plan onefn deploys: the default, Flex Consumption, and Linux Consumption
 * have no deployment slots (slots need Premium or Dedicated), and both plans keep only the package they
 * run, so the history has to be kept by onefn.
 *
 * Release n of app A is the blob `onefn-releases/<a>/<n>.zip` in the app's storage account (metadata:
 * its sha256); the release serving is the app's tag `onefn-release`, set after a deploy or a rollback
 * has completed. Numbers only grow, as Lambda versions do: a deploy after a rollback is max + 1.
 */
import { zipDeploy } from './zip-deploy.js';
import type { TokenCredential } from '@azure/identity';

export const RELEASES_CONTAINER = 'onefn-releases';
/** The tag on the function app naming the release it serves. */
export const RELEASE_TAG = 'onefn-release';
/** Releases kept per app; older ones are deleted after a deploy (never the one serving). */
export const RELEASES_KEPT = 10;

/** A kept package. */
export interface Release {
  readonly number: number;
  /** `onefn-releases/<app>/<n>.zip` */
  readonly blob: string;
  /** Lower-case hex, or null when the blob carries none. */
  readonly sha256: string | null;
  readonly bytes: number;
  readonly createdOn: string | null;
}

/** Where an app's releases are: its storage account's blob endpoint and key (from ARM listKeys). */
export interface ReleaseStore {
  /** `https://<account>.blob.core.windows.net/` (the account's primaryEndpoints.blob). */
  readonly blobEndpoint: string;
  readonly storageAccount: string;
  readonly key: string;
  readonly app: string;
}

const prefixOf = (app: string): string => `${app.toLowerCase()}/`;

async function container(store: ReleaseStore) {
  const { BlobServiceClient, StorageSharedKeyCredential } = await import('@azure/storage-blob');
  const service = new BlobServiceClient(store.blobEndpoint, new StorageSharedKeyCredential(store.storageAccount, store.key));
  return service.getContainerClient(RELEASES_CONTAINER);
}

/** The app's kept releases, oldest first. An absent container means none. */
export async function listReleases(store: ReleaseStore): Promise<Release[]> {
  const client = await container(store);
  const releases: Release[] = [];
  try {
    for await (const blob of client.listBlobsFlat({ prefix: prefixOf(store.app), includeMetadata: true })) {
      const match = /^(\d{1,9})\.zip$/.exec(blob.name.slice(prefixOf(store.app).length));
      if (!match) continue;
      releases.push({
        number: Number(match[1]),
        blob: `${RELEASES_CONTAINER}/${blob.name}`,
        sha256: blob.metadata?.['sha256'] ?? null,
        bytes: blob.properties.contentLength ?? 0,
        createdOn: blob.properties.createdOn?.toISOString() ?? null,
      });
    }
  } catch (error) {
    if ((error as { statusCode?: number }).statusCode === 404) return [];
    throw error;
  }
  return releases.sort((a, b) => a.number - b.number);
}

/** Reads a kept package. */
export async function readRelease(store: ReleaseStore, release: Release): Promise<Buffer> {
  const client = await container(store);
  return client.getBlockBlobClient(`${prefixOf(store.app)}${release.number}.zip`).downloadToBuffer();
}

/**
 * Keeps a package as the app's next release and returns its number. The upload is conditional
 * (If-None-Match: *), so two deploys at once never overwrite each other's release: the later one takes
 * the next number. Then the oldest releases beyond RELEASES_KEPT are deleted, except `serving`.
 */
export async function keepRelease(store: ReleaseStore, zip: Uint8Array, sha256Hex: string, serving?: number): Promise<number> {
  const client = await container(store);
  await client.createIfNotExists();
  const existing = await listReleases(store);
  let next = (existing.at(-1)?.number ?? 0) + 1;
  for (let attempt = 0; ; attempt++) {
    try {
      await client.getBlockBlobClient(`${prefixOf(store.app)}${next}.zip`).uploadData(zip, {
        conditions: { ifNoneMatch: '*' },
        metadata: { sha256: sha256Hex },
        blobHTTPHeaders: { blobContentType: 'application/zip' },
      });
      break;
    } catch (error) {
      const status = (error as { statusCode?: number }).statusCode;
      if ((status !== 409 && status !== 412) || attempt >= 4) throw error;
      next++;
    }
  }
  const old = existing.filter((r) => r.number <= next - RELEASES_KEPT && r.number !== serving);
  for (const r of old) await client.getBlockBlobClient(`${prefixOf(store.app)}${r.number}.zip`).deleteIfExists();
  return next;
}

/** Deletes every kept release of the app; returns the blobs deleted. */
export async function deleteReleases(store: ReleaseStore, releases: readonly Release[]): Promise<string[]> {
  const client = await container(store);
  const deleted: string[] = [];
  for (const r of releases) {
    await client.getBlockBlobClient(`${prefixOf(store.app)}${r.number}.zip`).deleteIfExists();
    deleted.push(r.blob);
  }
  return deleted;
}

/** The smallest shape of ResourceManagementClient's tags operations that a release pointer needs. */
export interface TagsClient {
  tagsOperations: {
    beginUpdateAtScopeAndWait(scope: string, parameters: { operation: 'Merge'; properties: { tags: Record<string, string> } }): Promise<unknown>;
  };
}

/** Marks the release the app serves, merging one tag into the app's own (ARM Tags - Update At Scope). */
export async function markServing(resources: TagsClient, siteId: string, release: number): Promise<void> {
  // The operation's URL is `/{scope}/providers/...`: the scope goes without its leading slash.
  await resources.tagsOperations.beginUpdateAtScopeAndWait(siteId.replace(/^\/+/, ''), { operation: 'Merge', properties: { tags: { [RELEASE_TAG]: String(release) } } });
}

/** The release the app serves, from its tags; undefined when onefn never recorded one. */
export function servingRelease(tags: Readonly<Record<string, string>> | undefined): number | undefined {
  const value = tags?.[RELEASE_TAG];
  return value !== undefined && /^\d{1,9}$/.test(value) ? Number(value) : undefined;
}

/** How a package is shipped through Kudu; the same calls deploy makes. */
export interface KuduOptions {
  readonly scmEndpoint: string;
  readonly plan: 'flex' | 'consumption';
  readonly credential: TokenCredential;
  /** The token's scope. */
  readonly scope: string;
  readonly pollIntervalMs: number;
  readonly pollTimeoutMs: number;
  readonly progress: (line: string) => void;
}

/**
 * Ships a zip through Kudu, as deploy does: Flex Consumption takes One Deploy (/api/publish), Linux
 * Consumption /api/zipdeploy; both answer 202 with a Location to poll until Kudu's status is 4 (done)
 * or 3 (failed) (https://github.com/projectkudu/kudu/wiki/REST-API).
 */
export async function shipZip(zip: Uint8Array, o: KuduOptions): Promise<void> {
  await zipDeploy({
    url: o.plan === 'flex' ? `${o.scmEndpoint}/api/publish?RemoteBuild=false` : `${o.scmEndpoint}/api/zipdeploy?isAsync=true`,
    fallbackStatusUrl: `${o.scmEndpoint}/api/deployments/latest`,
    zip,
    token: async () => (await o.credential.getToken(o.scope))?.token ?? '',
    pollIntervalMs: o.pollIntervalMs,
    pollTimeoutMs: o.pollTimeoutMs,
    log: o.progress,
  });
}
