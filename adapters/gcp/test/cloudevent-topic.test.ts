import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';
import { loadModule } from 'onefn/build';
import { planFunctions } from 'onefn/runtime';
import { DeployOptionError, functionSpec } from '@onefn/gcp/deploy';

// defineCloudEvent({ topic }) gets an Eventarc Pub/Sub trigger on that topic: its messages carry the
// CloudEvents publishEvent sent, which the function reads from their ce- attributes.
const APP = fileURLToPath(new URL('./app/cloudevent-topic.ts', import.meta.url));
const options = { entry: APP, project: 'demo-shop', region: 'europe-west1' };

it('gives a CloudEvent definition bound to a topic a messagePublished trigger on it; one bound to nothing still needs an explicit trigger', async () => {
  const plans = planFunctions(await loadModule(APP), { routedName: 'http' });
  const spec = functionSpec(plans.find((p) => p.name === 'announce')!, options);
  expect(spec.resource.eventTrigger).toEqual({ eventType: 'google.cloud.pubsub.topic.v1.messagePublished', pubsubTopic: 'projects/demo-shop/topics/order-done', retryPolicy: 'RETRY_POLICY_RETRY' });
  expect(spec.source).toEqual({ kind: 'topic', name: 'projects/demo-shop/topics/order-done' });
  expect(() => functionSpec(plans.find((p) => p.name === 'anything')!, options)).toThrow(DeployOptionError);
});
