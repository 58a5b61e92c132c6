import { fileURLToPath } from 'node:url';
import { GoogleAuth, OAuth2Client } from 'google-auth-library';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { loadModule } from 'onefn/build';
import { planFunctions } from 'onefn/runtime';
import { deploy, functionSpec, type DeployOptions } from '@onefn/gcp/deploy';
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
beforeEach(() => {
  google.calls.length = 0;
  google.existing.clear();
  google.policies.clear();
});

const options = (lines: string[], extra: Partial<DeployOptions> = {}): DeployOptions => ({
  entry: APP, project: 'demo-shop', region: 'europe-west1', serviceAccount: SA, pollIntervalMs: 5, auth: fakeAuth(),
  endpoints: { functions: google.url, run: google.url, scheduler: google.url, eventarc: google.url, pubsub: google.url, storage: google.url },
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
    const writes = (): number => google.calls.filter((c) => (c.method === 'PUT' && c.path.endsWith('/iam')) || c.path.endsWith(':setIamPolicy')).length;
    const first = writes();
    await deploy(options([]));
    expect(writes()).toBe(first);
  });
});
