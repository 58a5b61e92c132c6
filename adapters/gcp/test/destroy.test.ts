import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { destroy, type DestroyOptions } from '@onefn/gcp/deploy';
import { DeployOptionError } from 'onefn/build';
import { LIFECYCLE_REPORT_KEYS } from 'onefn/cli';
import { run } from '../../../test/cli/run.js';
import { fakeLifecycle, type FakeLifecycle } from './fake-lifecycle.js';
import { endpoints, fakeAuth, fn, LOCATION, overrides } from './lifecycle-setup.js';

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

const SA = 'fn@my-project.iam.gserviceaccount.com';
const MEMBER = `serviceAccount:${SA}`;
const TOPIC = 'projects/my-project/topics/orders';
const FN = `${LOCATION}/functions/nightly`;
const JOB = `${LOCATION}/jobs/nightly`;
const OWN_TRIGGER = `${LOCATION}/triggers/nightly-123`;
const EXTRA_TRIGGER = `${LOCATION}/triggers/nightly-deleted`;
const USER_TRIGGER = `${LOCATION}/triggers/someone-elses`;

beforeEach(() => {
  google.reset();
  // A storage function with a schedule-like job, an extra onefn trigger, and uses of a topic and a bucket.
  google.functions.set(FN, fn('nightly', { serviceAccount: SA, env: { ONEFN_TOPIC_ORDERS: TOPIC, ONEFN_BUCKET_UPLOADS: 'uploads-bkt', OTHER: 'x' }, trigger: OWN_TRIGGER }));
  google.jobs.set(JOB, { name: JOB, schedule: '0 3 * * *', timeZone: 'UTC', httpTarget: { uri: 'https://nightly-abc.a.run.app', httpMethod: 'POST' } });
  google.triggers.set(OWN_TRIGGER, { name: OWN_TRIGGER, labels: { 'deployed-by': 'onefn' }, destination: { cloudRun: { service: 'nightly', region: 'europe-west1' } } });
  google.triggers.set(EXTRA_TRIGGER, { name: EXTRA_TRIGGER, labels: { 'deployed-by': 'onefn' }, destination: { cloudRun: { service: 'nightly', region: 'europe-west1' } } });
  google.triggers.set(USER_TRIGGER, { name: USER_TRIGGER, labels: {}, destination: { cloudRun: { service: 'nightly', region: 'europe-west1' } } });
  google.policies.set(TOPIC, { etag: 'BwE=', bindings: [{ role: 'roles/pubsub.publisher', members: [MEMBER, 'user:ops@example.com'] }, { role: 'roles/pubsub.viewer', members: [MEMBER] }] });
  google.policies.set('buckets/uploads-bkt', { etag: 'BwF=', bindings: [{ role: 'roles/storage.objectViewer', members: [MEMBER] }, { role: 'roles/storage.objectCreator', members: [MEMBER] }, { role: 'roles/storage.admin', members: ['user:ops@example.com'] }] });
});

const base = (extra: Partial<DestroyOptions> = {}): DestroyOptions => ({ project: 'my-project', region: 'europe-west1', function: 'nightly', auth: fakeAuth(), endpoints: endpoints(google), pollIntervalMs: 5, ...extra });
const changes = (): string[] => google.calls.filter((c) => c.method !== 'GET' && !c.path.startsWith('GetIamPolicy')).map((c) => `${c.method} ${c.path}`);

const PLAN = [
  { kind: 'scheduler job', id: JOB },
  { kind: 'eventarc trigger', id: EXTRA_TRIGGER },
  { kind: 'iam binding', id: `roles/pubsub.publisher on ${TOPIC} for ${MEMBER}` },
  { kind: 'iam binding', id: `roles/storage.objectViewer on buckets/uploads-bkt for ${MEMBER}` },
  { kind: 'iam binding', id: `roles/storage.objectCreator on buckets/uploads-bkt for ${MEMBER}` },
  { kind: 'function', id: FN },
];

describe('destroy on Google Cloud', () => {
  it('--dry-run plans the job, the extra trigger, the use bindings and the function, and changes nothing', async () => {
    const progress: string[] = [];
    const result = await destroy(base({ dryRun: true, onProgress: (l) => progress.push(l) }));
    expect(result.resources).toEqual(PLAN.map((p) => ({ ...p, action: 'planned' })));
    expect(result.kept).toEqual([]);
    expect(changes()).toEqual([]);
    expect(progress).toEqual(PLAN.map((p) => `plan: nightly: would delete ${p.kind} ${p.id}`));
    expect(google.functions.has(FN)).toBe(true);
  });

  it('deletes in that order, each through its API, and keeps every other binding and trigger', async () => {
    const result = await destroy(base());
    expect(result.resources).toEqual(PLAN.map((p) => ({ ...p, action: 'deleted' })));
    expect(changes()).toEqual([
      `DELETE /v1/${JOB}`,
      `DELETE /v1/${EXTRA_TRIGGER}`,
      `RPC SetIamPolicy ${TOPIC}`,
      'PUT /storage/v1/b/uploads-bkt/iam',
      'PUT /storage/v1/b/uploads-bkt/iam',
      `DELETE /v2/${FN}`,
    ]);
    // The writes carry the etag they read, and only onefn's member leaves onefn's roles.
    const topicWrite = google.calls.find((c) => c.path.startsWith('SetIamPolicy'))?.body as { policy: { etag: string; bindings: unknown[] } };
    expect(topicWrite.policy.etag).toBe('BwE=');
    expect(google.policies.get(TOPIC)?.bindings).toEqual([{ role: 'roles/pubsub.publisher', members: ['user:ops@example.com'] }, { role: 'roles/pubsub.viewer', members: [MEMBER] }]);
    expect(google.policies.get('buckets/uploads-bkt')?.bindings).toEqual([{ role: 'roles/storage.admin', members: ['user:ops@example.com'] }]);
    expect([...google.triggers.keys()]).toEqual([OWN_TRIGGER, USER_TRIGGER]);
    expect(google.jobs.size).toBe(0);
    expect(google.functions.has(FN)).toBe(false);
    // Pub/Sub on a plain-http endpoint is the emulator convention: no credentials over gRPC; every REST call carries them.
    expect(google.calls.filter((c) => c.method !== 'RPC' && c.auth !== 'Bearer fake-token').map((c) => `${c.method} ${c.path} ${c.auth}`)).toEqual([]);
  });

  it('waits on the function and trigger deletions', async () => {
    google.pollsBeforeDone = 1;
    await destroy(base());
    expect(google.calls.filter((c) => c.path.includes('/operations/')).map((c) => c.path)).toEqual(['/v1/projects/p/locations/r/operations/op-1', '/v2/projects/p/locations/r/operations/op-2']);
    expect(google.functions.has(FN)).toBe(false);
  });

  it('refuses a function onefn did not make, before planning anything', async () => {
    google.functions.set(FN, fn('nightly', { labels: { team: 'data' }, serviceAccount: SA }));
    await expect(destroy(base({ dryRun: true }))).rejects.toMatchObject({
      name: 'GcpLifecycleError', code: 'NOT_OWNED', message: 'nightly was not deployed by onefn (it has no label deployed-by=onefn); destroy removes only what onefn made, so it leaves it alone',
    });
    expect(google.calls.map((c) => c.path)).toEqual([`/v2/${FN}`]);
  });

  it('keeps a job that calls something else, and bindings another onefn function of the same account still uses', async () => {
    google.jobs.set(JOB, { name: JOB, httpTarget: { uri: 'https://elsewhere.example' } });
    google.functions.set(`${LOCATION}/functions/sibling`, fn('sibling', { serviceAccount: SA, env: { ONEFN_TOPIC_ORDERS: TOPIC } }));
    const result = await destroy(base({ dryRun: true }));
    expect(result.resources.map((r) => r.kind)).toEqual(['eventarc trigger', 'iam binding', 'iam binding', 'function']);
    expect(result.kept).toEqual([
      { kind: 'scheduler job', id: JOB, reason: 'it calls https://elsewhere.example, not nightly' },
      { kind: 'iam binding', id: `${MEMBER} on ${TOPIC}`, reason: 'sibling runs as the same account and uses it too' },
    ]);
  });

  it('a function on the default account gets no binding removed; a plain HTTP function is just the function', async () => {
    google.functions.set(FN, fn('nightly', { env: { ONEFN_TOPIC_ORDERS: TOPIC } }));
    google.jobs.clear();
    google.triggers.clear();
    const result = await destroy(base());
    expect(result.resources).toEqual([{ kind: 'function', id: FN, action: 'deleted' }]);
    expect(result.kept).toEqual([{ kind: 'iam binding', id: `on ${TOPIC}`, reason: 'the function runs as the default service account, on which deploy grants nothing' }]);
    expect(google.policies.get(TOPIC)?.bindings[0]?.members).toContain(MEMBER);
  });

  it('a binding already gone by the time it is removed is reported absent; a missing function is a typed error', async () => {
    google.policies.set(TOPIC, { etag: 'BwE=', bindings: [{ role: 'roles/pubsub.publisher', members: [MEMBER] }] });
    const progress: string[] = [];
    let removed = false;
    const result = await destroy(base({
      onProgress: (l) => {
        progress.push(l);
        // Someone removes the binding between the plan and the deletion.
        if (!removed && l.startsWith('nightly: deleting iam binding roles/pubsub.publisher')) {
          removed = true;
          google.policies.set(TOPIC, { etag: 'BwG=', bindings: [] });
        }
      },
    }));
    expect(result.resources.find((r) => r.id.startsWith('roles/pubsub.publisher'))?.action).toBe('absent');
    await expect(destroy(base())).rejects.toMatchObject({ code: 'FUNCTION_NOT_FOUND', message: 'no function nightly in project my-project, region europe-west1; nothing to destroy' });
  });

  it('an API never enabled in the project holds nothing deploy made: destroy goes on', async () => {
    google.refuse = { path: '/jobs/', message: 'Cloud Scheduler API has not been used in project 123456 before or it is disabled. Enable it by visiting https://console.developers.google.com/apis/api/cloudscheduler.googleapis.com/overview?project=123456 then retry.' };
    const result = await destroy(base({ dryRun: true }));
    expect(result.resources.map((r) => r.kind)).toEqual(['eventarc trigger', 'iam binding', 'iam binding', 'iam binding', 'function']);
    expect(result.kept).toEqual([{ kind: 'scheduler job', id: JOB, reason: 'the Cloud Scheduler API is not enabled in the project, so deploy made no job' }]);
  });

  it('an API refusal stops with the API message and a typed error; bad options call nothing', async () => {
    google.refuse = { path: '/jobs/', message: "Permission 'cloudscheduler.jobs.delete' denied" };
    await expect(destroy(base())).rejects.toMatchObject({ code: 'GOOGLE_API_ERROR', message: "reading the scheduler job nightly failed: Permission 'cloudscheduler.jobs.delete' denied" });
    expect(google.functions.has(FN)).toBe(true);
    google.calls.length = 0;
    for (const bad of [{ function: '' }, { function: 'x'.repeat(64) }, { dryRun: 'yes' as unknown as boolean }, { pollIntervalMs: -1 }, { endpoints: { nope: 'http://x' } as never }]) {
      await expect(destroy(base(bad))).rejects.toBeInstanceOf(DeployOptionError);
    }
    expect(google.calls).toEqual([]);
  });
});

describe('onefn destroy gcp', () => {
  const env = () => ({ ...overrides(google), GOOGLE_CLOUD_PROJECT: 'my-project', GOOGLE_CLOUD_REGION: 'europe-west1' });

  it('--dry-run --json prints the shared destroy report, with what is kept in detail', async () => {
    const res = await run(['destroy', 'gcp', 'nightly', '--dry-run', '--json'], { env: env() });
    expect(res.code).toBe(0);
    const report = JSON.parse(res.out) as Record<string, unknown>;
    expect(Object.keys(report)).toEqual([...LIFECYCLE_REPORT_KEYS.destroy]);
    expect(report).toMatchObject({ schema: 1, command: 'destroy', provider: 'gcp', stage: null, dryRun: true, function: 'nightly', resources: PLAN.map((p) => ({ ...p, action: 'planned' })), detail: { project: 'my-project', region: 'europe-west1', kept: [] } });
    expect(changes()).toEqual([]);
  });

  it('text output, one line per resource', async () => {
    const res = await run(['destroy', 'gcp', 'nightly'], { env: env() });
    expect(res.code).toBe(0);
    expect(res.out.trim().split('\n')).toEqual(PLAN.map((p) => `deleted ${p.kind} ${p.id}`));
    const refused = await run(['destroy', 'gcp', 'nightly'], { env: env() });
    expect([refused.code, refused.err]).toEqual([1, 'onefn: no function nightly in project my-project, region europe-west1; nothing to destroy\n']);
  });
});
