import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadModule } from 'onefn/build';
import { planFunctions } from 'onefn/runtime';
import { deploy, functionSpec } from '@onefn/gcp/deploy';

// Deploy derives the IAM bindings and the driver's settings from the declared uses.
const APP = fileURLToPath(new URL('./app/resources-app.ts', import.meta.url));

describe('deploying functions that declare uses, planned (--dry-run)', () => {
  it('shows the role each use needs on each topic and bucket, and writes the settings the driver reads', async () => {
    const lines: string[] = [];
    const result = await deploy({ entry: APP, project: 'demo-shop', region: 'europe-west1', serviceAccount: 'fn@demo-shop.iam.gserviceaccount.com', dryRun: true, onProgress: (l) => lines.push(l) });
    expect(result.dryRun).toBe(true);
    // The function's environment carries the topic and bucket names the driver reads.
    const plans = planFunctions(await loadModule(APP), { routedName: 'http' });
    const onReport = functionSpec(plans.find((p) => p.name === 'onReport')!, { entry: APP, project: 'demo-shop', region: 'europe-west1' });
    expect(onReport.resource.serviceConfig.environmentVariables).toMatchObject({ ONEFN_BUCKET_REPORTS: 'reports', ONEFN_TOPIC_ORDER_DONE: 'projects/demo-shop/topics/order-done' });
    expect(lines.filter((l) => l.includes(' needs '))).toEqual([
      'plan: api: needs roles/pubsub.publisher on projects/demo-shop/topics/orders for serviceAccount:fn@demo-shop.iam.gserviceaccount.com (not granted by this deploy)',
      'plan: onReport: needs roles/storage.objectViewer on buckets/reports for serviceAccount:fn@demo-shop.iam.gserviceaccount.com (not granted by this deploy)',
      'plan: onReport: needs roles/pubsub.publisher on projects/demo-shop/topics/order-done for serviceAccount:fn@demo-shop.iam.gserviceaccount.com (not granted by this deploy)',
      'plan: worker: needs roles/storage.objectCreator on buckets/reports for serviceAccount:fn@demo-shop.iam.gserviceaccount.com (not granted by this deploy)',
    ]);
  });
});
