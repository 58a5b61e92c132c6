import { GoogleAuth, OAuth2Client } from 'google-auth-library';
import type { FakeLifecycle } from './fake-lifecycle.js';

export const PROJECT = 'my-project';
export const REGION = 'europe-west1';
export const LOCATION = `projects/${PROJECT}/locations/${REGION}`;

/** A real GoogleAuth whose client holds a fake, unexpired token: the real clients sign every call with it. */
export function fakeAuth(): GoogleAuth {
  const client = new OAuth2Client();
  client.setCredentials({ access_token: 'fake-token', expiry_date: Date.now() + 3_600_000 });
  return new GoogleAuth({ authClient: client });
}

/** Every API at the fake. */
export function endpoints(google: FakeLifecycle) {
  return { functions: google.url, run: google.url, scheduler: google.url, eventarc: google.url, pubsub: google.pubsubUrl, storage: google.url, logging: google.url };
}

/** gcloud's endpoint overrides, all at the fake, for the CLI. */
export function overrides(google: FakeLifecycle): Record<string, string> {
  const env: Record<string, string> = {};
  for (const api of ['CLOUDFUNCTIONS', 'RUN', 'CLOUDSCHEDULER', 'EVENTARC', 'STORAGE', 'LOGGING']) env[`CLOUDSDK_API_ENDPOINT_OVERRIDES_${api}`] = `${google.url}/`;
  env['CLOUDSDK_API_ENDPOINT_OVERRIDES_PUBSUB'] = `${google.pubsubUrl}/`;
  return env;
}

/** A function as Cloud Functions v2 returns it, made by onefn unless labels say otherwise. */
export function fn(id: string, extra: { labels?: Record<string, string>; serviceAccount?: string; env?: Record<string, string>; trigger?: string } = {}): Record<string, unknown> {
  return {
    name: `${LOCATION}/functions/${id}`,
    environment: 'GEN_2',
    state: 'ACTIVE',
    labels: extra.labels ?? { 'deployed-by': 'onefn' },
    url: `https://${id.toLowerCase()}-abc.a.run.app`,
    serviceConfig: {
      service: `${LOCATION}/services/${id.toLowerCase()}`,
      uri: `https://${id.toLowerCase()}-abc.a.run.app`,
      ...(extra.serviceAccount ? { serviceAccountEmail: extra.serviceAccount } : {}),
      environmentVariables: { NODE_ENV: 'production', ...extra.env },
    },
    ...(extra.trigger ? { eventTrigger: { trigger: extra.trigger, eventType: 'google.cloud.storage.object.v1.finalized' } } : {}),
  };
}

/** A Cloud Run revision; ready unless said otherwise. */
export function revision(service: string, id: string, createTime: string, ready = true): Record<string, unknown> {
  return {
    name: `${LOCATION}/services/${service}/revisions/${id}`,
    createTime,
    conditions: [{ type: 'Ready', state: ready ? 'CONDITION_SUCCEEDED' : 'CONDITION_FAILED' }],
  };
}
