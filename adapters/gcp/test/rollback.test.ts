import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { fileURLToPath } from 'node:url';
import { buildArchive, functionSpec, GcpLifecycleError, rollback, type RollbackOptions } from '@onefn/gcp/deploy';
import { DeployOptionError } from 'onefn/build';
import { LIFECYCLE_REPORT_KEYS } from 'onefn/cli';
import { run } from '../../../test/cli/run.js';
import { fakeLifecycle, type FakeLifecycle } from './fake-lifecycle.js';
import { endpoints, fakeAuth, fn, LOCATION, overrides, revision } from './lifecycle-setup.js';

// The CLI builds its own GoogleAuth (Application Default Credentials): here it gets the fake token.
vi.mock('google-auth-library', async (original) => {
  const real = await original<typeof import('google-auth-library')>();
  class FakeAdc extends real.GoogleAuth {
    constructor(options?: ConstructorParameters<typeof real.GoogleAuth>[0]) {
      const client = new real.OAuth2Client();
      client.setCredentials({ access_token: 'adc-token', expiry_date: Date.now() + 3_600_000 });
      // A test's own GoogleAuth (with its authClient) is left as it is.
      super(options?.authClient ? options : { ...options, authClient: client });
    }
  }
  return { ...real, GoogleAuth: FakeAdc };
});

let google: FakeLifecycle;
beforeAll(async () => {
  google = await fakeLifecycle();
});
afterAll(() => google.close());

const SERVICE = `${LOCATION}/services/api`;
const rev = (id: string) => `${SERVICE}/revisions/${id}`;

beforeEach(() => {
  google.reset();
  google.functions.set(`${LOCATION}/functions/api`, fn('api'));
  google.services.set(SERVICE, {
    name: SERVICE,
    latestReadyRevision: rev('api-00004-ddd'),
    traffic: [{ type: 'TRAFFIC_TARGET_ALLOCATION_TYPE_LATEST', percent: 100 }],
    trafficStatuses: [{ type: 'TRAFFIC_TARGET_ALLOCATION_TYPE_LATEST', percent: 100 }],
  });
  // Newest last here; the API lists them in any order. 00003 failed, so it can never serve.
  google.revisions.set(SERVICE, [
    revision('api', 'api-00001-aaa', '2026-12-01T10:00:00Z'),
    revision('api', 'api-00002-bbb', '2026-12-02T10:00:00Z'),
    revision('api', 'api-00004-ddd', '2026-12-04T10:00:00Z'),
    revision('api', 'api-00003-ccc', '2026-12-03T10:00:00Z', false),
  ]);
});

const base = (extra: Partial<RollbackOptions> = {}): RollbackOptions => ({ project: 'my-project', region: 'europe-west1', function: 'api', auth: fakeAuth(), endpoints: endpoints(google), pollIntervalMs: 5, ...extra });
const summary = (): string[] => google.calls.map((c) => `${c.method} ${c.path}${c.query['updateMask'] ? `?updateMask=${c.query['updateMask']}` : ''}`);

describe('rollback on Cloud Run revisions', () => {
  it('moves all traffic to the newest ready revision older than the serving one (a failed one is skipped)', async () => {
    const progress: string[] = [];
    const result = await rollback(base({ onProgress: (l) => progress.push(l) }));
    expect(summary()).toEqual([
      `GET /v2/${LOCATION}/functions/api`,
      `GET /v2/${SERVICE}`,
      `GET /v2/${SERVICE}/revisions`,
      `PATCH /v2/${SERVICE}?updateMask=traffic`,
    ]);
    const patch = google.calls[3];
    // The REST transport names the service in the path and sends enums as numbers: 2 is
    // TRAFFIC_TARGET_ALLOCATION_TYPE_REVISION; with the update mask only the traffic changes.
    expect((patch?.body as { traffic: unknown }).traffic).toEqual([{ type: 2, revision: 'api-00002-bbb', percent: 100 }]);
    expect(google.calls.map((c) => c.auth)).toEqual(google.calls.map(() => 'Bearer fake-token'));
    expect(result).toEqual({ function: 'api', service: SERVICE, from: 'api-00004-ddd', to: 'api-00002-bbb', before: [{ revision: 'api-00004-ddd', percent: 100 }], dryRun: false, unchanged: false });
    expect(progress).toContain('api: moving all traffic of api api-00004-ddd -> api-00002-bbb');
    // The fake now serves what was asked.
    expect(google.services.get(SERVICE)?.['trafficStatuses']).toEqual(patch && (patch.body as { traffic: unknown }).traffic);
  });

  it('a second rollback goes one further back, from the revision now serving', async () => {
    await rollback(base());
    google.calls.length = 0;
    const again = await rollback(base());
    expect([again.from, again.to]).toEqual(['api-00002-bbb', 'api-00001-aaa']);
    await expect(rollback(base())).rejects.toMatchObject({ code: 'NO_PREVIOUS_REVISION', message: 'api has no ready revision older than api-00001-aaa to roll back to' });
  });

  it('waits on the long-running operation', async () => {
    google.pollsBeforeDone = 2;
    const result = await rollback(base());
    expect(result.to).toBe('api-00002-bbb');
    expect(summary().slice(4)).toEqual(['GET /v2/projects/p/locations/r/operations/op-1', 'GET /v2/projects/p/locations/r/operations/op-1']);
  });

  it('--dry-run reads but changes nothing', async () => {
    const progress: string[] = [];
    const result = await rollback(base({ dryRun: true, onProgress: (l) => progress.push(l) }));
    expect(result).toMatchObject({ from: 'api-00004-ddd', to: 'api-00002-bbb', dryRun: true });
    expect(google.calls.map((c) => c.method)).toEqual(['GET', 'GET', 'GET']);
    expect(progress).toEqual(['plan: api: would move all traffic of api api-00004-ddd -> api-00002-bbb']);
  });

  it('--to picks a revision by its short or full name; an unknown or failed one is refused', async () => {
    expect((await rollback(base({ to: 'api-00001-aaa', dryRun: true }))).to).toBe('api-00001-aaa');
    expect((await rollback(base({ to: rev('api-00001-aaa'), dryRun: true }))).to).toBe('api-00001-aaa');
    await expect(rollback(base({ to: 'api-00009-zzz' }))).rejects.toMatchObject({ code: 'REVISION_NOT_FOUND', message: expect.stringContaining('api has no revision api-00009-zzz; it has api-00001-aaa, api-00002-bbb') });
    await expect(rollback(base({ to: 'api-00003-ccc' }))).rejects.toMatchObject({ code: 'REVISION_NOT_FOUND', message: 'revision api-00003-ccc of api is not ready, so it cannot serve' });
    expect(google.calls.some((c) => c.method === 'PATCH')).toBe(false);
  });

  it('--to the revision already serving everything changes nothing', async () => {
    const result = await rollback(base({ to: 'api-00004-ddd' }));
    expect(result).toMatchObject({ from: 'api-00004-ddd', to: 'api-00004-ddd', unchanged: true });
    expect(google.calls.some((c) => c.method === 'PATCH')).toBe(false);
  });

  it('a split traffic: from is the revision with the most traffic', async () => {
    google.services.set(SERVICE, {
      name: SERVICE, latestReadyRevision: rev('api-00004-ddd'),
      trafficStatuses: [{ type: 'TRAFFIC_TARGET_ALLOCATION_TYPE_REVISION', revision: 'api-00002-bbb', percent: 30 }, { type: 'TRAFFIC_TARGET_ALLOCATION_TYPE_LATEST', percent: 70 }],
    });
    const result = await rollback(base({ dryRun: true }));
    expect(result.before).toEqual([{ revision: 'api-00002-bbb', percent: 30 }, { revision: 'api-00004-ddd', percent: 70 }]);
    expect([result.from, result.to]).toEqual(['api-00004-ddd', 'api-00002-bbb']);
  });

  it('a missing function, an API refusal and bad options are typed errors', async () => {
    await expect(rollback(base({ function: 'nope' }))).rejects.toMatchObject({ name: 'GcpLifecycleError', code: 'FUNCTION_NOT_FOUND', message: 'no function nope in project my-project, region europe-west1' });
    google.refuse = { path: '/services/', message: "Permission 'run.services.get' denied on resource" };
    const refused = await rollback(base()).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(GcpLifecycleError);
    expect(refused).toMatchObject({ code: 'GOOGLE_API_ERROR', message: "reading the revisions of api failed: Permission 'run.services.get' denied on resource" });
    google.refuse = undefined;
    google.calls.length = 0;
    for (const bad of [{ function: '__proto__' }, { function: 'a\r\nb' }, { project: 'X' }, { region: 'mars' }, { to: '../../x y' }, { endpoints: { run: 'file:///etc/passwd' } }, { extra: 1 } as Partial<RollbackOptions>]) {
      await expect(rollback(base(bad))).rejects.toBeInstanceOf(DeployOptionError);
    }
    expect(google.calls).toEqual([]);
  });
});

describe('after a rollback, the next deploy', () => {
  it('asks Cloud Functions to serve its own revision with all traffic, on create and on update', async () => {
    const { plans } = await buildArchive({ entry: fileURLToPath(new URL('./app/app.ts', import.meta.url)) });
    for (const plan of plans) {
      const spec = functionSpec(plan, { entry: 'app.ts', project: 'my-project', region: 'europe-west1' });
      expect(spec.resource.serviceConfig.allTrafficOnLatestRevision).toBe(true);
      expect(spec.updateMask).toContain('serviceConfig.allTrafficOnLatestRevision');
    }
  });
});

describe('onefn rollback gcp', () => {
  const env = () => ({ ...overrides(google), GOOGLE_CLOUD_PROJECT: 'my-project', GOOGLE_CLOUD_REGION: 'europe-west1' });

  it('--json prints the shared rollback report; progress goes to stderr', async () => {
    const res = await run(['rollback', 'gcp', 'api', '--json'], { env: env() });
    expect(res.code).toBe(0);
    const report = JSON.parse(res.out) as Record<string, unknown>;
    expect(Object.keys(report)).toEqual([...LIFECYCLE_REPORT_KEYS.rollback]);
    expect(report).toMatchObject({ schema: 1, command: 'rollback', provider: 'gcp', stage: null, dryRun: false, function: 'api', from: 'api-00004-ddd', to: 'api-00002-bbb', detail: { project: 'my-project', region: 'europe-west1', service: SERVICE } });
    expect(res.err).toBe('api: moving all traffic of api api-00004-ddd -> api-00002-bbb\napi: api-00002-bbb serves all traffic\n');
    expect(google.calls.every((c) => c.auth === 'Bearer adc-token')).toBe(true);
  });

  it('text, --dry-run, --stage and --function', async () => {
    google.functions.set(`${LOCATION}/functions/api-prod`, { ...fn('api-prod'), serviceConfig: { service: SERVICE, uri: 'https://x' } });
    const res = await run(['rollback', 'gcp', '--function', 'api', '--stage', 'prod', '--dry-run', '--project', 'my-project', '--region', 'europe-west1'], { env: overrides(google) });
    expect([res.code, res.out]).toEqual([0, 'api-prod: would move all traffic api-00004-ddd -> api-00002-bbb\n']);
    expect(google.calls.map((c) => c.path)).toContain(`/v2/${LOCATION}/functions/api-prod`);
    expect(google.calls.some((c) => c.method === 'PATCH')).toBe(false);
  });

  it('usage errors: no function, two functions, a bad endpoint override', async () => {
    expect(await run(['rollback', 'gcp'], { env: env() })).toMatchObject({ code: 2, err: 'onefn: onefn rollback gcp needs a function: onefn rollback gcp <function>\n' });
    expect(await run(['rollback', 'gcp', 'a', '--function', 'b'], { env: env() })).toMatchObject({ code: 2, err: 'onefn: onefn rollback gcp was given two functions (a and --function b); give one\n' });
    expect((await run(['rollback', 'gcp', 'api'], { env: { ...env(), CLOUDSDK_API_ENDPOINT_OVERRIDES_RUN: 'not a url' } })).err).toBe('onefn: CLOUDSDK_API_ENDPOINT_OVERRIDES_RUN must be a URL, got "not a url"\n');
    const missing = await run(['rollback', 'gcp', 'gone'], { env: env() });
    expect([missing.code, missing.err]).toEqual([1, 'onefn: no function gone in project my-project, region europe-west1\n']);
  });
});
