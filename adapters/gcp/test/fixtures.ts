import { readFileSync, readdirSync } from 'node:fs';
import type { GcpTestRequest } from '@onefn/gcp/testing';

/** The shared fixtures folder (beside the repository, as CI clones it). */
export const FIXTURES = new URL('../../../../shared/fixtures/', import.meta.url);

export function fixtureText(path: string): string {
  return readFileSync(new URL(path, FIXTURES), 'utf8');
}

export function fixtureFiles(dir: string): string[] {
  return readdirSync(new URL(dir, FIXTURES)).map((f) => `${dir}/${f}`).sort();
}

// The binary-mode fixtures are bodies only (PROVENANCE.md): these are the attributes Eventarc sends
// with each in `ce-*` headers.
const BINARY_ATTRIBUTES: Record<string, Record<string, string>> = {
  'pubsub-message-published-data.json': { type: 'google.cloud.pubsub.topic.v1.messagePublished', source: '//pubsub.googleapis.com/projects/test-project/topics/my-topic', id: 'ce-1' },
  'pubsub-message-published-data-binary.json': { type: 'google.cloud.pubsub.topic.v1.messagePublished', source: '//pubsub.googleapis.com/projects/test-project/topics/my-topic', id: 'ce-2' },
  'storage-object-data.json': { type: 'google.cloud.storage.object.v1.finalized', source: '//storage.googleapis.com/projects/_/buckets/sample-bucket', subject: 'objects/folder/Test.cs', id: 'ce-3', time: '2020-04-23T07:38:57.230Z' },
  'scheduler-job-data.json': { type: 'google.cloud.scheduler.job.v1.executed', source: '//cloudscheduler.googleapis.com/projects/p/locations/us-central1/jobs/my-job', id: 'ce-4', time: '2021-02-05T04:00:00Z' },
};

/** A fixture as it arrives over HTTP. */
export function fixtureRequest(path: string): GcpTestRequest {
  const text = fixtureText(path);
  const file = path.split('/').pop() as string;
  if (path.includes('cloudevent-structured/')) return { method: 'POST', path: '/', headers: { 'content-type': 'application/cloudevents+json' }, body: text };
  if (file === 'pubsub-eventarc-request.body.json') {
    const headers = JSON.parse(fixtureText(path.replace('.body.json', '.headers.json'))) as Record<string, string>;
    delete headers['host'];
    delete headers['accept-encoding'];
    return { method: 'POST', path: '/', headers, body: text };
  }
  if (path.includes('cloudevent-binary/')) {
    const attrs = BINARY_ATTRIBUTES[file];
    if (!attrs) throw new Error(`no attributes for ${file}`);
    const headers: Record<string, string> = { 'content-type': 'application/json', 'ce-specversion': '1.0' };
    for (const [k, v] of Object.entries(attrs)) headers[`ce-${k}`] = v;
    return { method: 'POST', path: '/', headers, body: text };
  }
  // Legacy events and push envelopes are plain JSON posts.
  return { method: 'POST', path: '/', headers: { 'content-type': 'application/json' }, body: text };
}

/** Parses a `.http` fixture (headers, blank line, body), dropping the request line and Host. */
export function httpFixture(path: string): GcpTestRequest {
  const text = fixtureText(path);
  const split = text.indexOf('\n\n');
  const head = text.slice(0, split).split('\n');
  let body = text.slice(split + 2);
  const headers: Record<string, string> = {};
  for (const line of head) {
    if (/^[A-Z]+ \S+ HTTP\//.test(line)) continue;
    const colon = line.indexOf(':');
    const name = line.slice(0, colon).trim().toLowerCase();
    if (name === 'host' || name === 'content-length') continue;
    headers[name] = line.slice(colon + 1).trim();
  }
  const declared = /content-length:\s*(\d+)/i.exec(text);
  if (declared) body = Buffer.from(body).subarray(0, Number(declared[1])).toString();
  // Bytes, not a string: fetch would add a text/plain content type to a string body.
  return { method: 'POST', path: '/', headers, body: Buffer.from(body) };
}
