import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { GcpLifecycleError, logs, rollback } from '@onefn/gcp/deploy';
import { CredentialsError } from 'onefn/build';
import { importSdk } from '../src/deploy/lifecycle.js';
import { fakeLifecycle, type FakeLifecycle } from './fake-lifecycle.js';
import { endpoints, fakeAuth } from './lifecycle-setup.js';

let google: FakeLifecycle;
beforeAll(async () => {
  google = await fakeLifecycle();
});
afterAll(() => google.close());
beforeEach(() => google.reset());

describe('what rollback, destroy and logs share', () => {
  it('a missing optional SDK names the install command; any other failure is left as it is', async () => {
    const missing = Object.assign(new Error("Cannot find package '@google-cloud/run' imported from /app/node_modules/@onefn/gcp/dist/deploy.js"), { code: 'ERR_MODULE_NOT_FOUND' });
    const error = await importSdk('@google-cloud/run', () => Promise.reject(missing)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GcpLifecycleError);
    expect(error).toMatchObject({ code: 'MISSING_PACKAGE', message: 'this command needs @google-cloud/run, an optional peer of @onefn/gcp: npm i -D @google-cloud/run' });
    const other = new Error('boom');
    await expect(importSdk('@google-cloud/run', () => Promise.reject(other))).rejects.toBe(other);
    await expect(importSdk('@google-cloud/run', () => Promise.resolve(42))).resolves.toBe(42);
  });

  it('credentials the API refuses give the one login line, on every command', async () => {
    google.refuse = { path: '/', message: 'Request had invalid authentication credentials.', status: 401 };
    const options = { project: 'my-project', region: 'europe-west1', function: 'api', auth: fakeAuth(), endpoints: endpoints(google) };
    for (const call of [() => rollback(options), () => logs(options)]) {
      const error = await call().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(CredentialsError);
      expect((error as Error).message).toBe('no usable Google Cloud credentials (Request had invalid authentication credentials); log in with: gcloud auth application-default login (or set GOOGLE_APPLICATION_CREDENTIALS)');
    }
  });

  it('credentials that cannot be loaded fail before any client exists or any call is made', async () => {
    const broken = { getClient: () => Promise.reject(new Error('Could not load the default credentials. Browse to https://cloud.google.com/docs/authentication')) };
    const error = await rollback({ project: 'my-project', region: 'europe-west1', function: 'api', auth: broken, endpoints: endpoints(google) }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CredentialsError);
    expect((error as Error).message).toBe('no usable Google Cloud credentials (Could not load the default credentials); log in with: gcloud auth application-default login (or set GOOGLE_APPLICATION_CREDENTIALS)');
    expect(google.calls).toEqual([]);
  });
});
