import { fileURLToPath } from 'node:url';
import { GoogleAuth, OAuth2Client } from 'google-auth-library';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { deploy, DeployOptionError, type DeployOptions } from '@onefn/gcp/deploy';
import { deployReport } from '@onefn/gcp/cli';
import { expectReportShape } from '../../../test/cli/run.js';
import { DEFAULT_POLICY, fakeGoogle, type FakeGoogle } from './fake-google.js';

const app = fileURLToPath(new URL('./app/app.ts', import.meta.url));
const scheduled = fileURLToPath(new URL('./app/scheduled.ts', import.meta.url));
const privateApp = fileURLToPath(new URL('./app/private.ts', import.meta.url));

// A real GoogleAuth whose client holds a fake, unexpired token: the real clients sign every call with it.
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

const base = (): DeployOptions => ({
  entry: app,
  project: 'my-project',
  region: 'europe-west1',
  routedName: 'api',
  pollIntervalMs: 5,
  auth: fakeAuth(),
  endpoints: { functions: google.url, run: google.url, scheduler: google.url, eventarc: google.url, pubsub: google.pubsubUrl, storage: google.url },
});

const summary = (): string[] => google.calls.map((c) => `${c.method} ${c.path}${c.query['functionId'] ? `?functionId=${c.query['functionId']}` : ''}${c.query['updateMask'] ? `?updateMask=${c.query['updateMask']}` : ''}`);

describe('deploy against a loopback Google', () => {
  it('creates: upload URL, upload, create, poll, public invoker binding', async () => {
    const progress: string[] = [];
    const result = await deploy({ ...base(), onProgress: (l) => progress.push(l) });
    const parent = '/v2/projects/my-project/locations/europe-west1';
    expect(summary()).toEqual([
      // The topic the `orders` consumer listens on is made first (Pub/Sub over gRPC), labelled as onefn's.
      'RPC /google.pubsub.v1.Publisher/GetTopic',
      'RPC /google.pubsub.v1.Publisher/CreateTopic',
      `POST ${parent}/functions:generateUploadUrl`,
      'PUT /upload/signed',
      `GET ${parent}/functions/api`,
      `POST ${parent}/functions?functionId=api`,
      'GET /v2/projects/p/locations/r/operations/op-1',
      'GET /v2/projects/p/locations/r/operations/op-1',
      'GET /v2/projects/my-project/locations/europe-west1/services/api:getIamPolicy',
      'POST /v2/projects/my-project/locations/europe-west1/services/api:setIamPolicy',
      `POST ${parent}/functions:generateUploadUrl`,
      'PUT /upload/signed',
      `GET ${parent}/functions/orders`,
      `POST ${parent}/functions?functionId=orders`,
      'GET /v2/projects/p/locations/r/operations/op-2',
      'GET /v2/projects/p/locations/r/operations/op-2',
    ]);
    expect(google.calls[1]?.body).toEqual({ name: 'projects/my-project/topics/orders', labels: { 'deployed-by': 'onefn' } });
    expect(google.topics.get('projects/my-project/topics/orders')).toEqual({ 'deployed-by': 'onefn' });
    const upload = google.calls[3];
    expect(upload).toMatchObject({ contentType: 'application/zip', auth: undefined });
    expect(upload?.bytes).toBeGreaterThan(100);
    expect(google.calls.filter((c) => c.path.startsWith('/v2/')).every((c) => c.auth === 'Bearer fake-token')).toBe(true);
    const create = google.calls[5]?.body as Record<string, any>;
    expect(create).toMatchObject({
      name: 'projects/my-project/locations/europe-west1/functions/api',
      buildConfig: { runtime: 'nodejs22', entryPoint: 'api', source: { storageSource: { bucket: 'gcf-v2-uploads' } } },
      serviceConfig: { availableMemory: '256M', timeoutSeconds: 60, environmentVariables: { NODE_ENV: 'production', GOOGLE_CLOUD_PROJECT: 'my-project' } },
    });
    expect(create['eventTrigger']).toBeUndefined();
    const orders = google.calls[13]?.body as Record<string, any>;
    expect(orders).toMatchObject({
      buildConfig: { entryPoint: 'orders' },
      serviceConfig: { availableMemory: '512M', timeoutSeconds: 120 },
      // The REST transport sends enums as numbers (`$alt=json;enum-encoding=int`): 2 is RETRY_POLICY_RETRY.
      eventTrigger: { eventType: 'google.cloud.pubsub.topic.v1.messagePublished', pubsubTopic: 'projects/my-project/topics/orders', retryPolicy: 2 },
    });
    const policy = google.calls[9]?.body as { policy: { etag: string; bindings: unknown[] } };
    expect(policy.policy.etag).toBe('BwE=');
    expect(policy.policy.bindings).toEqual([{ role: 'roles/run.admin', members: ['user:ops@example.com'] }, { role: 'roles/run.invoker', members: ['allUsers'] }]);
    expect(result.functions).toEqual([
      expect.objectContaining({ name: 'api', action: 'created', url: 'https://api.example.run.app', trigger: 'HTTP (public)' }),
      expect.objectContaining({ name: 'orders', action: 'created', url: 'https://orders.example.run.app', trigger: 'Pub/Sub projects/my-project/topics/orders' }),
    ]);
    expect(progress.some((l) => l.includes('api: created at https://api.example.run.app'))).toBe(true);
    expect(progress.join('\n')).not.toContain('fake-token');
    // --json prints the shape every provider shares.
    const report = deployReport(result, { stage: undefined });
    expectReportShape(report, 'deploy', 'gcp');
    expect(report.functions.map((f) => [f.name, f.kind, f.action, f.url])).toEqual([['api', 'http', 'created', 'https://api.example.run.app'], ['orders', 'message', 'created', 'https://orders.example.run.app']]);
  });

  it('a stage goes into each function id; the entry point stays the planned name', async () => {
    const result = await deploy({ ...base(), stage: 'prod' });
    const creates = google.calls.filter((c) => c.method === 'POST' && c.query['functionId']);
    expect(creates.map((c) => [c.query['functionId'], (c.body as { buildConfig: { entryPoint: string } }).buildConfig.entryPoint])).toEqual([['api-prod', 'api'], ['orders-prod', 'orders']]);
    expect(result.functions.map((f) => [f.name, f.entryPoint])).toEqual([['api-prod', 'api'], ['orders-prod', 'orders']]);
  });

  it('updates an existing function with an update mask', async () => {
    google.existing.add('projects/my-project/locations/europe-west1/functions/orders');
    const result = await deploy({ ...base(), maxInstances: 3 });
    const patch = google.calls.find((c) => c.method === 'PATCH');
    expect(patch?.path).toBe('/v2/projects/my-project/locations/europe-west1/functions/orders');
    expect(patch?.query['updateMask']?.split(',')).toEqual(expect.arrayContaining(['buildConfig.source', 'serviceConfig.timeoutSeconds', 'serviceConfig.maxInstanceCount', 'eventTrigger']));
    expect((patch?.body as Record<string, any>)['serviceConfig']['maxInstanceCount']).toBe(3);
    expect(result.functions.map((f) => f.action)).toEqual(['created', 'updated']);
  });

  it('surfaces the API error message', async () => {
    google.failCreate = 'Build failed: runtime nodejs22 is not allowed here';
    await expect(deploy(base())).rejects.toThrow(/createFunction failed: .*runtime nodejs22 is not allowed here/);
  });

  it('storage gets Eventarc triggers for both changes; schedules a Cloud Scheduler job', async () => {
    google.existing.add('job');
    await deploy({ ...base(), entry: scheduled, serviceAccount: 'fn@my-project.iam.gserviceaccount.com' });
    const creates = google.calls.filter((c) => c.method === 'POST' && c.query['functionId']).map((c) => c.body as Record<string, any>);
    expect(creates.find((b) => b['buildConfig'].entryPoint === 'uploads')?.['eventTrigger']).toEqual({
      eventType: 'google.cloud.storage.object.v1.finalized',
      eventFilters: [{ attribute: 'bucket', value: 'my-uploads' }],
      retryPolicy: 2,
      serviceAccountEmail: 'fn@my-project.iam.gserviceaccount.com',
    });
    const trigger = google.calls.find((c) => c.path.endsWith('/triggers'));
    expect(trigger?.query['triggerId']).toBe('uploads-deleted');
    expect(trigger?.body).toMatchObject({ eventFilters: [{ attribute: 'type', value: 'google.cloud.storage.object.v1.deleted' }, { attribute: 'bucket', value: 'my-uploads' }], destination: { cloudRun: { service: 'uploads', region: 'europe-west1' } } });
    const job = google.calls.find((c) => c.method === 'POST' && c.path.endsWith('/jobs'));
    expect(job?.body).toEqual({
      name: 'projects/my-project/locations/europe-west1/jobs/nightly',
      schedule: '30 2 * * MON-FRI',
      timeZone: 'Europe/Paris',
      // The REST transport sends enums as numbers: 1 is HttpMethod.POST.
      httpTarget: { uri: 'https://nightly.example.run.app', httpMethod: 1, headers: {}, oidcToken: { serviceAccountEmail: 'fn@my-project.iam.gserviceaccount.com', audience: 'https://nightly.example.run.app' } },
    });
    const patch = google.calls.find((c) => c.method === 'PATCH' && c.path.includes('/jobs/'));
    expect(patch?.query['updateMask']).toBe('schedule,timeZone,httpTarget');
  });

  it('plan mode makes no call and needs no credentials', async () => {
    const lines: string[] = [];
    const result = await deploy({ ...base(), auth: undefined, dryRun: true, onProgress: (l) => lines.push(l) });
    expect(google.calls).toEqual([]);
    expect(result.functions.map((f) => [f.name, f.action])).toEqual([['api', 'planned'], ['orders', 'planned']]);
    expect(lines.some((l) => l.startsWith('plan: orders (message) nodejs22, 512M, 120s, Pub/Sub projects/my-project/topics/orders'))).toBe(true);
  });

  it.each([
    [{ project: 'X' }, 'project'],
    [{ region: 'mars' }, 'region'],
    [{ runtime: 'nodejs18' }, 'runtime'],
    [{ memory: 64 }, 'memory'],
    [{ timeout: 4000 }, 'timeout'],
    [{ maxInstances: 0 }, 'maxInstances'],
    [{ regoin: 'x' }, 'regoin'],
    [{ serviceAccount: 'nope' }, 'serviceAccount'],
    [{ endpoints: { functions: 'not a url' } }, 'endpoints.functions'],
  ] as Array<[Record<string, unknown>, string]>)('rejects %o before any call, naming %s', async (bad, option) => {
    const error = await deploy({ ...base(), ...bad } as DeployOptions).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DeployOptionError);
    expect((error as DeployOptionError).option).toBe(option);
    expect(google.calls).toEqual([]);
  });

  it('a schedule without a service account is refused before any call', async () => {
    const error = await deploy({ ...base(), entry: scheduled }).catch((e: unknown) => e);
    expect((error as DeployOptionError).option).toBe('serviceAccount');
    expect(google.calls).toEqual([]);
  });

  describe('public access follows the definition', () => {
    const service = 'projects/my-project/locations/europe-west1/services/api';
    const iam = (): string[] => google.calls.filter((c) => c.path.startsWith(`/v2/${service}:`)).map((c) => `${c.method} ${c.path.split(':').pop() ?? ''}`);
    const invokers = (): string[] | undefined => google.policies.get(service)?.bindings.find((b) => b.role === 'roles/run.invoker')?.members;
    const deployApi = (entry: string) => deploy({ ...base(), entry });

    it('public -> private removes allUsers (with the etag read), keeps other bindings, and a repeat writes nothing', async () => {
      await deployApi(app);
      expect(invokers()).toEqual(['allUsers']);
      const etag = google.policies.get(service)?.etag;
      google.calls.length = 0;
      const lines: string[] = [];
      const result = await deploy({ ...base(), entry: privateApp, onProgress: (l) => lines.push(l) });
      expect(result.functions).toEqual([expect.objectContaining({ name: 'api', action: 'updated', trigger: 'HTTP (authenticated)' })]);
      expect(iam()).toEqual(['GET getIamPolicy', 'POST setIamPolicy']);
      const written = google.calls.find((c) => c.path.endsWith(':setIamPolicy'))?.body as { policy: { etag: string; bindings: unknown[] } };
      expect(written.policy.etag).toBe(etag);
      expect(google.policies.get(service)?.bindings).toEqual(DEFAULT_POLICY.bindings);
      expect(invokers()).toBeUndefined();
      expect(lines).toContain('api: removed unauthenticated access (allUsers from roles/run.invoker)');

      google.calls.length = 0;
      await deployApi(privateApp);
      expect(iam()).toEqual(['GET getIamPolicy']);
    });

    it('private -> public adds allUsers, and a repeat writes nothing', async () => {
      await deployApi(privateApp);
      // A new private function gets no IAM call at all.
      expect(iam()).toEqual([]);
      google.calls.length = 0;
      await deployApi(app);
      expect(iam()).toEqual(['GET getIamPolicy', 'POST setIamPolicy']);
      expect(invokers()).toEqual(['allUsers']);
      expect(google.policies.get(service)?.bindings).toContainEqual(DEFAULT_POLICY.bindings[0]);
      google.calls.length = 0;
      await deployApi(app);
      expect(iam()).toEqual(['GET getIamPolicy']);
      // The event function beside it is checked on update too, and never opened.
      expect(google.calls.filter((c) => c.path.endsWith(':setIamPolicy'))).toEqual([]);
    });

    it('removes allUsers from an invoker binding shared with other members, keeping them', async () => {
      google.existing.add('projects/my-project/locations/europe-west1/functions/api');
      google.policies.set(service, { etag: 'BwI=', bindings: [{ role: 'roles/run.invoker', members: ['serviceAccount:ci@my-project.iam.gserviceaccount.com', 'allUsers'] }] });
      await deployApi(privateApp);
      expect(google.policies.get(service)?.bindings).toEqual([{ role: 'roles/run.invoker', members: ['serviceAccount:ci@my-project.iam.gserviceaccount.com'] }]);
    });
  });

  describe('the environment onefn relies on wins over the user\'s', () => {
    const env = { NODE_ENV: 'development', GOOGLE_CLOUD_PROJECT: 'other-project', K_SERVICE: 'x', X_GOOGLE_FOO: 'y', API_URL: 'https://api.example.com' };

    it('deploys NODE_ENV=production and the real project, keeps the rest, and says what it ignored', async () => {
      const lines: string[] = [];
      const result = await deploy({ ...base(), entry: privateApp, env, onProgress: (l) => lines.push(l) });
      const create = google.calls.find((c) => c.query['functionId'] === 'api')?.body as { serviceConfig: { environmentVariables: Record<string, string> } };
      expect(create.serviceConfig.environmentVariables).toEqual({ NODE_ENV: 'production', GOOGLE_CLOUD_PROJECT: 'my-project', API_URL: 'https://api.example.com' });
      expect(result.functions[0]?.ignoredEnv.map((v) => v.name)).toEqual(['NODE_ENV', 'GOOGLE_CLOUD_PROJECT', 'K_SERVICE', 'X_GOOGLE_FOO']);
      expect(lines).toContainEqual(expect.stringMatching(/^api: env NODE_ENV ignored: onefn deploys with NODE_ENV=production/));
      // Values may be secrets: named, never printed.
      expect(lines.join('\n')).not.toContain('other-project');
    });

    it('the plan (and its JSON) names the ignored variables; a definition\'s own NODE_ENV counts too', async () => {
      const lines: string[] = [];
      const result = await deploy({ ...base(), entry: privateApp, dryRun: true, onProgress: (l) => lines.push(l) });
      expect(JSON.parse(JSON.stringify(result)).functions[0].ignoredEnv).toEqual([{ name: 'NODE_ENV', reason: expect.stringContaining('stack trace') }]);
      expect(lines).toContainEqual(expect.stringMatching(/^plan: api: env NODE_ENV ignored: /));
      const plain = await deploy({ ...base(), entry: app, env: { NODE_ENV: 'production' }, dryRun: true });
      expect(plain.functions.map((f) => f.ignoredEnv)).toEqual([[], []]);
    });
  });
});
