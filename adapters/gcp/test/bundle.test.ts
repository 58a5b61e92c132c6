import { gzipSync } from 'node:zlib';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { buildArchive } from '@onefn/gcp/deploy';

// The bundle-weight target on GCP, checked on every test run: sizes are deterministic (the same
// esbuild, the same sources), unlike timings, which only `npm run bench` measures.
const HELLO = fileURLToPath(new URL('../../../bench/hello.ts', import.meta.url));

describe('the deployed hello function on GCP', () => {
  it("is at most 10 KB gzip (the archive's index.js), and carries no deploy code or definition checks", async () => {
    const { files } = await buildArchive({ entry: HELLO });
    const code = files['index.js'] as string;
    const gzip = gzipSync(code, { level: 9 }).byteLength;
    expect(gzip).toBeLessThanOrEqual(10 * 1024);
    // An HTTP-only function carries none of the event converters (Pub/Sub, storage, CloudEvents), and
    // neither CORS nor request validation, which it does not set.
    for (const absent of ['google-auth-library', 'generateUploadUrl', 'esbuild', 'unknown option for', 'messagePublished', 'google.cloud.storage', 'unknown option', 'has no such option', '"base64"', 'access-control-allow-origin', 'Expected a JSON or form body']) expect(code).not.toContain(absent);
    // The framework stays a dependency that the binary shares its registry with; problem documents stay.
    for (const present of ['@google-cloud/functions-framework', 'application/problem+json']) expect(code).toContain(present);
  });
});
