import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AnonymousCredential, BlobClient, BlobServiceClient, type StoragePipelineOptions } from '@azure/storage-blob';
import { QueueServiceClient } from '@azure/storage-queue';
import { ResourceUnavailableError } from 'onefn';
import { createAzureDriver } from '@onefn/azure/resources';
import { defaultStorageSetting, readStorageConnection } from '../src/connection.js';
import { loadPackage, MissingPackageError } from '../src/packages.js';
import { type Azurite, startAzurite } from './azurite.js';

// The Azure driver's storage connection in both forms the Functions host accepts: a connection string,
// or an identity-based connection (service URIs and a token credential). The identity form is run
// against Azurite over https with `--oauth basic` (Azurite accepts bearer tokens only over https,
// and checks their issuer, audience and lifetime, not their signature), with a credential that gives
// such a token: the real clients, the real bearer-token policy, a real user delegation SAS.

const tls = {
  cert: fileURLToPath(new URL('./fixtures/tls/loopback.cert.pem', import.meta.url)),
  key: fileURLToPath(new URL('./fixtures/tls/loopback.key.pem', import.meta.url)),
};

describe('readStorageConnection', () => {
  const identity = { ONEFN_STORAGE__blobServiceUri: 'https://acme.blob.core.windows.net/', ONEFN_STORAGE__queueServiceUri: 'https://acme.queue.core.windows.net', ONEFN_STORAGE__credential: 'managedidentity' };

  it.each([
    [{ AzureWebJobsStorage: 'UseDevelopmentStorage=true' }, { kind: 'connectionString', setting: 'AzureWebJobsStorage', connectionString: 'UseDevelopmentStorage=true' }],
    [{ AzureWebJobsStorage: 'k', ...identity }, { kind: 'identity', setting: 'ONEFN_STORAGE', blobServiceUri: 'https://acme.blob.core.windows.net', queueServiceUri: 'https://acme.queue.core.windows.net', credential: 'managedidentity', clientId: undefined }],
    [{ ONEFN_STORAGE__accountName: 'acme' }, { kind: 'identity', setting: 'ONEFN_STORAGE', blobServiceUri: 'https://acme.blob.core.windows.net', queueServiceUri: 'https://acme.queue.core.windows.net', credential: 'default', clientId: undefined }],
    [{ AzureWebJobsStorage__accountName: 'acme', AzureWebJobsStorage__credential: 'ManagedIdentity', AzureWebJobsStorage__clientId: 'c1' }, { kind: 'identity', setting: 'AzureWebJobsStorage', credential: 'managedidentity', clientId: 'c1' }],
    [{ ONEFN_STORAGE: 'DefaultEndpointsProtocol=https;AccountName=a;AccountKey=k' }, { kind: 'connectionString', setting: 'ONEFN_STORAGE' }],
  ] as const)('%j', (env, expected) => {
    expect(readStorageConnection(env)).toMatchObject(expected);
  });

  it.each([
    [{}, /neither the setting AzureWebJobsStorage \(a connection string\) nor AzureWebJobsStorage__blobServiceUri/],
    [{ ONEFN_STORAGE__blobServiceUri: 'https://acme.blob.core.windows.net' }, /needs both ONEFN_STORAGE__blobServiceUri and ONEFN_STORAGE__queueServiceUri/],
    [{ ...identity, ONEFN_STORAGE__blobServiceUri: 'http://acme.blob.core.windows.net' }, /must be an https URL/],
    [{ ...identity, ONEFN_STORAGE__queueServiceUri: 'not a url\r\nx' }, /ONEFN_STORAGE__queueServiceUri must be a URL/],
    [{ ...identity, ONEFN_STORAGE__credential: 'connectionstring' }, /__credential must be managedidentity/],
    [{ ONEFN_STORAGE__accountName: '../../evil' }, /__accountName must be a storage account name/],
  ] as const)('%j is a ResourceUnavailableError naming the setting', (env, message) => {
    const error = (() => {
      try {
        return readStorageConnection(env);
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(ResourceUnavailableError);
    expect((error as Error).message).toMatch(message);
  });

  it('prefers ONEFN_STORAGE only when it is really set, and ignores prototype keys', () => {
    expect(defaultStorageSetting({ ONEFN_STORAGE__credential: '' })).toBe('AzureWebJobsStorage');
    expect(defaultStorageSetting(JSON.parse('{"__proto__": {"ONEFN_STORAGE": "x"}}'))).toBe('AzureWebJobsStorage');
    expect(defaultStorageSetting({ ONEFN_STORAGE__queueServiceUri: 'https://a.queue.core.windows.net' })).toBe('ONEFN_STORAGE');
  });
});

/** A token Azurite's `--oauth basic` accepts: an AAD issuer, the storage audience, a valid lifetime. Unsigned. */
function fakeAadToken(): string {
  const b64 = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url');
  const now = Math.floor(Date.now() / 1000);
  return `${b64({ alg: 'RS256', typ: 'JWT' })}.${b64({ aud: 'https://storage.azure.com', iss: 'https://sts.windows.net/ab1f708d-50f6-404c-a006-d71b2ac7a606/', iat: now - 60, nbf: now - 60, exp: now + 3600, oid: '11111111-2222-3333-4444-555555555555', tid: 'ab1f708d-50f6-404c-a006-d71b2ac7a606' })}.c2ln`;
}

describe('the driver with an identity-based connection, against Azurite over https', () => {
  let azurite: Azurite;
  const scopes: string[] = [];
  const credential = {
    getToken: async (scope: string | string[]) => {
      scopes.push(...[scope].flat());
      return { token: fakeAadToken(), expiresOnTimestamp: Date.now() + 3_600_000 };
    },
  };
  // The test's clients trust the loopback certificate, and only it. `tlsOptions` is core-rest-pipeline's
  // (the storage clients pass their options through to it) and not in StoragePipelineOptions' type.
  const pipelineOptions = { retryOptions: { maxTries: 1 }, tlsOptions: { ca: readFileSync(tls.cert, 'utf8') } };
  const pipeline: StoragePipelineOptions = pipelineOptions;

  beforeAll(async () => {
    azurite = await startAzurite(tls);
  }, 60_000);
  afterAll(async () => {
    await azurite?.stop();
  });

  it('sends, puts, reads and signs with bearer tokens only: no key anywhere', async () => {
    const env = { ONEFN_STORAGE__queueServiceUri: azurite.queueServiceUri, ONEFN_STORAGE__blobServiceUri: azurite.blobServiceUri, ONEFN_STORAGE__credential: 'managedidentity' };
    // Set up with the same token credential, as an operator with data roles would.
    const queues = new QueueServiceClient(azurite.queueServiceUri, credential, pipelineOptions);
    const blobs = new BlobServiceClient(azurite.blobServiceUri, credential, pipeline);
    await queues.createQueue('order-jobs');
    await blobs.createContainer('reports');

    const driver = await createAzureDriver({ env, clientOptions: { credential, pipeline } });
    const [sent] = await driver.sendMessages('order-jobs', [{ body: '{"id":1}', attributes: {} }]);
    expect(sent).toMatchObject({ ok: true });
    const { receivedMessageItems } = await queues.getQueueClient('order-jobs').receiveMessages();
    // base64, as the Functions host's queue trigger decodes it.
    expect(Buffer.from(receivedMessageItems[0]?.messageText ?? '', 'base64').toString('utf8')).toBe('{"id":1}');

    await driver.putObject('reports', 'r.json', new TextEncoder().encode('{"ok":true}'), 'application/json');
    const got = await driver.getObject('reports', 'r.json');
    expect(new TextDecoder().decode(got?.bytes)).toBe('{"ok":true}');

    // A user delegation SAS: signed with a key the service gave the identity, not the account key.
    const url = new URL(await driver.signUrl('reports', 'r.json', { method: 'GET', expiresInSeconds: 600 }));
    expect(url.searchParams.get('sp')).toBe('r');
    expect(url.searchParams.get('skoid')).toBeTruthy();
    const downloaded = await new BlobClient(url.toString(), new AnonymousCredential(), pipeline).downloadToBuffer();
    expect(downloaded.toString('utf8')).toBe('{"ok":true}');
    // Read-only: the same URL cannot write.
    await expect(new BlobClient(url.toString(), new AnonymousCredential(), pipeline).getBlockBlobClient().upload('x', 1)).rejects.toMatchObject({ statusCode: 403 });

    expect(scopes.length).toBeGreaterThan(0);
    expect(scopes.every((s) => s === 'https://storage.azure.com/.default')).toBe(true);
  });

  it('a refused token is the provider\'s typed refusal, not a crash', async () => {
    const expired = { getToken: async () => ({ token: 'not-a-jwt', expiresOnTimestamp: Date.now() + 3_600_000 }) };
    const env = { ONEFN_STORAGE__queueServiceUri: azurite.queueServiceUri, ONEFN_STORAGE__blobServiceUri: azurite.blobServiceUri };
    const driver = await createAzureDriver({ env, clientOptions: { credential: expired, pipeline } });
    await expect(driver.sendMessages('order-jobs', [{ body: 'x', attributes: {} }])).rejects.toMatchObject({ name: 'ProviderError', code: 'PROVIDER_REFUSED', status: 403 });
  });
});

describe('a lazily loaded Azure package that is not installed', () => {
  const notFound = (name: string): Error => Object.assign(new Error(`Cannot find package '${name}' imported from /app/node_modules/@onefn/azure/dist/deploy.js`), { code: 'ERR_MODULE_NOT_FOUND' });

  it.each([
    ['@azure/arm-eventgrid', true, /^@onefn\/azure deploy needs @azure\/arm-eventgrid: npm i -D .*@azure\/arm-eventgrid@14\.1\.0/],
    ['@azure/identity', false, /^@onefn\/azure outputs needs @azure\/identity: npm i -D .*@azure\/identity@4\.13\.1/],
  ] as const)('%s is a MissingPackageError naming the install command', async (name, dev, message) => {
    const purpose = dev ? 'onefn deploy azure' : 'the Azure storage driver';
    const error = await loadPackage(name, purpose, dev, () => Promise.reject(notFound(name))).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MissingPackageError);
    expect(error).toMatchObject({ code: 'MISSING_PACKAGE', missing: [name], message: expect.stringMatching(message) });
  });

  it('any other failure, or another package missing inside it, passes through unchanged', async () => {
    const other = new Error('boom');
    await expect(loadPackage('@azure/identity', 'x', false, () => Promise.reject(other))).rejects.toBe(other);
    const inner = notFound('@azure/msal-node');
    await expect(loadPackage('@azure/identity', 'x', false, () => Promise.reject(inner))).rejects.toBe(inner);
    await expect(loadPackage('@azure/identity', 'x', false, async () => 42)).resolves.toBe(42);
  });
});
