import { describe, expect, it } from 'vitest';
import { MissingClientError } from '@onefn/gcp/deploy';
import { loadPackage } from '../src/deploy/clients.js';

// The deploy clients are optional peers: a missing one is a typed error naming the install command,
// never a raw ERR_MODULE_NOT_FOUND.
describe('loading a deploy client package', () => {
  const missing = (name: string, from = '/app/node_modules/@onefn/gcp/dist/deploy.js') => Object.assign(new Error(`Cannot find package '${name}' imported from ${from}`), { code: 'ERR_MODULE_NOT_FOUND' });

  it.each(['@google-cloud/scheduler', '@google-cloud/run', '@google-cloud/functions', '@google-cloud/pubsub', '@google-cloud/storage'] as const)('%s missing: MissingClientError with npm i -D and the pinned version', async (name) => {
    const error = await loadPackage(name, () => Promise.reject(missing(name))).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MissingClientError);
    expect(error).toMatchObject({ code: 'MISSING_PACKAGE', packageName: name });
    expect((error as Error).message).toMatch(new RegExp(`^${name.replace('/', '\\/')} is not installed; onefn deploy gcp needs it\\. Install it with: npm i -D ${name.replace('/', '\\/')}@\\d+\\.\\d+\\.\\d+$`));
  });

  it('another package missing inside it (a broken install) is not reported as this one', async () => {
    const inner = missing('google-gax', '/app/node_modules/@google-cloud/run/build/src/index.js');
    const error = await loadPackage('@google-cloud/run', () => Promise.reject(inner)).catch((e: unknown) => e);
    expect(error).toBe(inner);
  });

  it('the real packages load', async () => {
    const run = await loadPackage('@google-cloud/run', () => import('@google-cloud/run'));
    expect(typeof run.v2.ServicesClient).toBe('function');
  });
});
