import type { Server } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { keepRelease, listReleases, RELEASES_KEPT } from '../src/deploy/releases.js';
import { defaultState, fakeLifecycle, KEY, releases, type FakeState } from './fake-lifecycle.js';

let running: Server | undefined;
afterEach(async () => {
  await new Promise<void>((done) => (running ? running.close(() => done()) : done()));
  running = undefined;
});

async function start(extra: Partial<FakeState> = {}) {
  const fake = await fakeLifecycle(defaultState(extra));
  running = fake.server;
  return { ...fake, store: { blobEndpoint: `${fake.base}/acmeapi/`, storageAccount: 'acmeapi', key: KEY, app: 'Acme-API' } };
}

describe('kept releases in the Blob service', () => {
  it('the first package is release 1, in a container created on first use, with its sha256', async () => {
    const fake = await start({ container: false });
    expect(await keepRelease(fake.store, Buffer.from('PK-one'), 'ab'.repeat(32))).toBe(1);
    expect(fake.calls.map((c) => `${c.method} ${c.path}`)).toEqual(['PUT /acmeapi/onefn-releases', 'GET /acmeapi/onefn-releases', 'PUT /acmeapi/onefn-releases/acme-api/1.zip']);
    // Signed with the account key (SharedKey), never sent as a bearer token.
    expect(fake.calls.every((c) => c.auth?.startsWith('SharedKey acmeapi:'))).toBe(true);
    expect(fake.state.blobs.get('acme-api/1.zip')).toMatchObject({ body: Buffer.from('PK-one'), metadata: { sha256: 'ab'.repeat(32) } });
    expect(await listReleases(fake.store)).toEqual([expect.objectContaining({ number: 1, blob: 'onefn-releases/acme-api/1.zip', sha256: 'ab'.repeat(32), bytes: 6 })]);
  });

  it('numbers only grow, sorted numerically; names that are not releases are ignored', async () => {
    const blobs = releases(9);
    blobs.set('acme-api/notes.txt', { body: Buffer.from('x'), metadata: {}, created: new Date() });
    blobs.set('acme-api-2/1.zip', { body: Buffer.from('x'), metadata: {}, created: new Date() });
    const fake = await start({ blobs });
    expect(await keepRelease(fake.store, Buffer.from('PK'), 'cd'.repeat(32))).toBe(10);
    expect((await listReleases(fake.store)).map((r) => r.number)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
  });

  it(`keeps the ${RELEASES_KEPT} newest, and never deletes the release serving`, async () => {
    const fake = await start({ blobs: releases(12) });
    expect(await keepRelease(fake.store, Buffer.from('PK'), 'ef'.repeat(32), 2)).toBe(13);
    expect((await listReleases(fake.store)).map((r) => r.number)).toEqual([2, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13]);
  });

  it('a release taken meanwhile by another deploy (If-None-Match: *) moves to the next number', async () => {
    const fake = await start({ blobs: releases(2) });
    const original = fake.server.listeners('request')[0] as (...a: unknown[]) => void;
    // Another deploy writes release 3 between this one's list and its upload.
    fake.server.removeAllListeners('request');
    fake.server.on('request', (req, res) => {
      if (req.method === 'PUT' && req.url?.endsWith('/acme-api/3.zip')) fake.state.blobs.set('acme-api/3.zip', { body: Buffer.from('theirs'), metadata: {}, created: new Date() });
      original(req, res);
    });
    expect(await keepRelease(fake.store, Buffer.from('mine'), '00'.repeat(32))).toBe(4);
    expect(fake.state.blobs.get('acme-api/3.zip')?.body.toString()).toBe('theirs');
    expect(fake.state.blobs.get('acme-api/4.zip')?.body.toString()).toBe('mine');
    expect(fake.calls.filter((c) => c.method === 'PUT').map((c) => c.path)).toEqual(['/acmeapi/onefn-releases', '/acmeapi/onefn-releases/acme-api/3.zip', '/acmeapi/onefn-releases/acme-api/4.zip']);
  });
});
