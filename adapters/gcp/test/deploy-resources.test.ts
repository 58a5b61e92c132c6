import { fileURLToPath } from 'node:url';
import { GoogleAuth, OAuth2Client } from 'google-auth-library';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { loadModule } from 'onefn/build';
import { planFunctions } from 'onefn/runtime';
import { ApiError, deploy, DeployOptionError, functionSpec, type DeployOptions } from '@onefn/gcp/deploy';
import { fakeGoogle, type FakeGoogle } from './fake-google.js';

// Deploy derives the IAM bindings and the driver's settings from the declared uses.
const APP = fileURLToPath(new URL('./app/resources-app.ts', import.meta.url));
const SA = 'fn@demo-shop.iam.gserviceaccount.com';

function fakeAuth(): GoogleAuth {
  const client = new OAuth2Client();
  client.setCredentials({ access_token: 'fake-token', expiry_date: Date.now() + 3_600_000 });
  return new GoogleAuth({ authClient: client });
}

let google: FakeGoogle;
beforeAll(async () => {
  google = await fakeGoogle();
});
afterAll(() => google.close());
beforeEach(() => google.reset());

const options = (lines: string[], extra: Partial<DeployOptions> = {}): DeployOptions => ({
  entry: APP, project: 'demo-shop', region: 'europe-west1', serviceAccount: SA, pollIntervalMs: 5, auth: fakeAuth(),
  endpoints: { functions: google.url, run: google.url, scheduler: google.url, eventarc: google.url, pubsub: google.pubsubUrl, storage: google.url },
  onProgress: (l) => lines.push(l), ...extra,
});

describe('deploying functions that declare uses', () => {
  it('plans the role each use needs on each topic and bucket, calling nothing, and writes the settings the driver reads', async () => {
    const lines: string[] = [];
    const result = await deploy(options(lines, { dryRun: true, auth: undefined }));
    expect(result.dryRun).toBe(true);
    expect(google.calls).toEqual([]);
    expect(lines.filter((l) => l.includes('would grant'))).toEqual([
      `plan: api: would grant roles/pubsub.publisher on projects/demo-shop/topics/orders to serviceAccount:${SA}`,
      `plan: onReport: would grant roles/storage.objectViewer on buckets/reports to serviceAccount:${SA}`,
      `plan: onReport: would grant roles/pubsub.publisher on projects/demo-shop/topics/order-done to serviceAccount:${SA}`,
      `plan: worker: would grant roles/storage.objectCreator on buckets/reports to serviceAccount:${SA}`,
    ]);
    const plans = planFunctions(await loadModule(APP), { routedName: 'http' });
    const onReport = functionSpec(plans.find((p) => p.name === 'onReport')!, { entry: APP, project: 'demo-shop', region: 'europe-west1' });
    expect(onReport.resource.serviceConfig.environmentVariables).toMatchObject({ ONEFN_BUCKET_REPORTS: 'reports', ONEFN_TOPIC_ORDER_DONE: 'projects/demo-shop/topics/order-done' });
  });

  it('without a service account, says what the default one needs and grants nothing', async () => {
    const lines: string[] = [];
    await deploy(options(lines, { dryRun: true, auth: undefined, serviceAccount: undefined }));
    expect(lines).toContain("plan: api: needs roles/pubsub.publisher on projects/demo-shop/topics/orders for the runtime's default service account (not granted: pass --service-account to have deploy grant it)");
  });

  it('plans each topic and bucket the functions use or listen on, once, as "would create (if missing)"', async () => {
    const lines: string[] = [];
    const result = await deploy(options(lines, { dryRun: true, auth: undefined }));
    expect(lines.filter((l) => l.includes('would create'))).toEqual([
      'plan: would create topic projects/demo-shop/topics/orders (if missing), for api, worker',
      'plan: would create bucket reports in europe-west1 (if missing), for onReport, worker',
      'plan: would create topic projects/demo-shop/topics/order-done (if missing), for onReport',
    ]);
    expect(result.resources.map((r) => [r.kind, r.name, r.action, r.location])).toEqual([
      ['topic', 'projects/demo-shop/topics/orders', 'planned', undefined],
      ['bucket', 'reports', 'planned', 'europe-west1'],
      ['topic', 'projects/demo-shop/topics/order-done', 'planned', undefined],
    ]);
    expect(google.calls).toEqual([]);
  });

  it('grants each role on each topic and bucket, keeping other members, and writes nothing the second time', async () => {
    google.policies.set('buckets/reports', { etag: 'etag-0', bindings: [{ role: 'roles/storage.objectViewer', members: ['user:ada@example.com'] }] });
    const lines: string[] = [];
    await deploy(options(lines));
    // The fake's topics start with an admin binding (DEFAULT_POLICY), which is kept.
    const existing = { role: 'roles/run.admin', members: ['user:ops@example.com'] };
    expect(google.policies.get('projects/demo-shop/topics/orders')?.bindings).toEqual([existing, { role: 'roles/pubsub.publisher', members: [`serviceAccount:${SA}`] }]);
    expect(google.policies.get('projects/demo-shop/topics/order-done')?.bindings).toEqual([existing, { role: 'roles/pubsub.publisher', members: [`serviceAccount:${SA}`] }]);
    expect(google.policies.get('buckets/reports')?.bindings).toEqual([
      { role: 'roles/storage.objectViewer', members: ['user:ada@example.com', `serviceAccount:${SA}`] },
      { role: 'roles/storage.objectCreator', members: [`serviceAccount:${SA}`] },
    ]);
    const writes = (): number => google.calls.filter((c) => (c.method === 'PUT' && c.path.endsWith('/iam')) || c.path.endsWith('/SetIamPolicy')).length;
    // Each topic's grant is the IAMPolicy service's read then write, the etag read sent back.
    const topicIam = google.calls.filter((c) => c.path.startsWith('/google.iam.v1.IAMPolicy/') && (c.body as { resource: string }).resource === 'projects/demo-shop/topics/orders');
    expect(topicIam.map((c) => c.path.split('/').pop())).toEqual(['GetIamPolicy', 'SetIamPolicy']);
    expect(topicIam[1]?.body).toMatchObject({ resource: 'projects/demo-shop/topics/orders', policy: { bindings: [existing, { role: 'roles/pubsub.publisher', members: [`serviceAccount:${SA}`] }] } });
    const bucketIam = google.calls.filter((c) => c.path === '/storage/v1/b/reports/iam');
    // Two roles on one bucket (onReport reads, worker writes): two read-modify-writes, each with the etag it read.
    expect(bucketIam.map((c) => c.method)).toEqual(['GET', 'PUT', 'GET', 'PUT']);
    expect(bucketIam[1]?.body).toMatchObject({ etag: 'etag-0', bindings: [{ role: 'roles/storage.objectViewer', members: ['user:ada@example.com', `serviceAccount:${SA}`] }] });
    const first = writes();
    await deploy(options([]));
    expect(writes()).toBe(first);
  });
});

describe('deploy creates the topics and buckets that are missing, and leaves existing ones alone', () => {
  const firstFunctionCall = (): number => google.calls.findIndex((c) => c.path.endsWith(':generateUploadUrl'));
  // Pub/Sub is gRPC (`RPC <method> <resource>`), Cloud Storage its JSON API (`<verb> <path>`).
  const resourceCalls = () =>
    google.calls.slice(0, firstFunctionCall()).map((c) => {
      const body = c.body as { topic?: string; name?: string; resource?: string };
      return c.method === 'RPC' ? `RPC ${c.path.split('/').pop()} ${body.topic ?? body.resource ?? body.name}` : `${c.method} ${c.path}${c.query['project'] ? `?project=${c.query['project']}` : ''}`;
    });

  it('missing: reads, then creates each (labelled deployed-by=onefn, the bucket in the region), before any function, then grants', async () => {
    const lines: string[] = [];
    const result = await deploy(options(lines));
    expect(resourceCalls()).toEqual([
      'RPC GetTopic projects/demo-shop/topics/orders',
      'RPC CreateTopic projects/demo-shop/topics/orders',
      'GET /storage/v1/b/reports',
      'POST /storage/v1/b?project=demo-shop',
      'RPC GetTopic projects/demo-shop/topics/order-done',
      'RPC CreateTopic projects/demo-shop/topics/order-done',
    ]);
    const creates = google.calls.filter((c) => c.path.endsWith('/CreateTopic') || (c.method === 'POST' && c.path === '/storage/v1/b'));
    expect(creates.map((c) => c.body)).toEqual([
      { name: 'projects/demo-shop/topics/orders', labels: { 'deployed-by': 'onefn' } },
      { name: 'reports', location: 'europe-west1', labels: { 'deployed-by': 'onefn' } },
      { name: 'projects/demo-shop/topics/order-done', labels: { 'deployed-by': 'onefn' } },
    ]);
    // The JSON API is signed with the deploy's credentials (the emulator-style gRPC channel carries none).
    expect(creates[1]?.auth).toBe('Bearer fake-token');
    expect([...google.topics.keys()]).toEqual(['projects/demo-shop/topics/orders', 'projects/demo-shop/topics/order-done']);
    expect(google.buckets.get('reports')).toEqual({ location: 'europe-west1', labels: { 'deployed-by': 'onefn' } });
    expect(result.resources.map((r) => [r.name, r.action])).toEqual([['projects/demo-shop/topics/orders', 'created'], ['reports', 'created'], ['projects/demo-shop/topics/order-done', 'created']]);
    expect(lines).toContain('created bucket reports in europe-west1 (label deployed-by=onefn)');
    // The grants come after, on the resources just made.
    const lastCreate = google.calls.lastIndexOf(creates[2]!);
    const firstGrant = google.calls.findIndex((c) => c.path.endsWith('/SetIamPolicy') || (c.method === 'PUT' && c.path.endsWith('/iam')));
    expect(firstGrant).toBeGreaterThan(lastCreate);
  });

  it('existing: read only, never written, labels untouched; a second deploy creates nothing', async () => {
    google.topics.set('projects/demo-shop/topics/orders', { team: 'billing' });
    google.buckets.set('reports', { location: 'US', labels: {} });
    const lines: string[] = [];
    const result = await deploy(options(lines));
    expect(resourceCalls()).toEqual([
      'RPC GetTopic projects/demo-shop/topics/orders',
      'GET /storage/v1/b/reports',
      'RPC GetTopic projects/demo-shop/topics/order-done',
      'RPC CreateTopic projects/demo-shop/topics/order-done',
    ]);
    expect(google.topics.get('projects/demo-shop/topics/orders')).toEqual({ team: 'billing' });
    expect(google.buckets.get('reports')).toEqual({ location: 'US', labels: {} });
    expect(lines).toContain('bucket reports exists; left as it is');
    expect(result.resources.map((r) => r.action)).toEqual(['exists', 'exists', 'created']);
    google.calls.length = 0;
    await deploy(options([]));
    expect(resourceCalls()).toEqual(['RPC GetTopic projects/demo-shop/topics/orders', 'GET /storage/v1/b/reports', 'RPC GetTopic projects/demo-shop/topics/order-done']);
  });

  it('409 race: created by someone else between the read and the create counts as existing, and the deploy goes on', async () => {
    google.racing.add('projects/demo-shop/topics/order-done');
    google.racing.add('reports');
    const result = await deploy(options([]));
    expect(result.resources.map((r) => [r.name, r.action])).toEqual([['projects/demo-shop/topics/orders', 'created'], ['reports', 'exists'], ['projects/demo-shop/topics/order-done', 'exists']]);
    expect(result.functions.map((f) => f.action)).toEqual(['created', 'created', 'created']);
  });

  it('a bucket name another project holds (403) stops the deploy before any function, saying why', async () => {
    google.foreignBuckets.add('reports');
    const error = await deploy(options([])).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect(error).toMatchObject({ code: 'GCP_API_FAILED', status: 403 });
    expect((error as Error).message).toMatch(/^bucket reports exists but this account cannot read it \(403\): bucket names are global/);
    expect(firstFunctionCall()).toBe(-1);
    expect(google.calls.some((c) => c.method === 'POST' && c.path === '/storage/v1/b')).toBe(false);
  });

  it('a refused create is a typed error with the API\'s message, and no function is deployed', async () => {
    google.refuseCreate = "User not authorized to perform this action.";
    const error = await deploy(options([])).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect(error).toMatchObject({ code: 'GCP_API_FAILED', message: expect.stringMatching(/^creating topic projects\/demo-shop\/topics\/orders failed \(\w+\): User not authorized to perform this action\.$/) });
    expect(firstFunctionCall()).toBe(-1);
  });

  it.each([
    ['a bucket name with capitals', { ONEFN_BUCKET_REPORTS: 'Reports' }],
    ['a bucket name containing google', { ONEFN_BUCKET_REPORTS: 'my-google-reports' }],
    ['a CR/LF in a topic name', { ONEFN_QUEUE_ORDERS: 'orders\r\nx' }],
    ['a topic id starting with goog', { ONEFN_QUEUE_ORDERS: 'goog-orders' }],
    ['a topic path into another collection', { ONEFN_QUEUE_ORDERS: 'projects/demo-shop/subscriptions/x' }],
  ])('%s set in the definition\'s env is refused before any call', async (_what, env) => {
    const plans = planFunctions(await loadModule(APP), { routedName: 'http' });
    const worker = plans.find((p) => p.name === 'worker')!;
    const api = plans.find((p) => p.name === 'api')!;
    const target = 'ONEFN_BUCKET_REPORTS' in env ? worker : api;
    const error = (() => {
      try {
        functionSpec({ ...target, settings: { ...target.settings, env } } as typeof target, { entry: APP, project: 'demo-shop', region: 'europe-west1' });
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(DeployOptionError);
    expect((error as DeployOptionError).option).toBe('uses');
  });

  it('a full topic name in another project is used as given', async () => {
    const plans = planFunctions(await loadModule(APP), { routedName: 'http' });
    const api = plans.find((p) => p.name === 'api')!;
    const spec = functionSpec({ ...api, settings: { ...api.settings, env: { ONEFN_QUEUE_ORDERS: 'projects/shared-bus/topics/orders' } } } as typeof api, { entry: APP, project: 'demo-shop', region: 'europe-west1' });
    expect(spec.resource.serviceConfig.environmentVariables['ONEFN_QUEUE_ORDERS']).toBe('projects/shared-bus/topics/orders');
  });
});
