import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { gzipSync } from 'node:zlib';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadModule } from 'onefn/build';
import { planFunctions } from 'onefn/runtime';
import { buildFunction } from '@onefn/aws/deploy';

// The bundle-weight target, checked on every test run: sizes are deterministic (the same esbuild, the
// same sources), unlike timings, which only `npm run bench` measures.
const HELLO = fileURLToPath(new URL('../../../bench/hello.ts', import.meta.url));

describe('the deployed hello function', () => {
  it('is at most 10 KB gzip, and carries no AWS SDK, deploy code or definition checks', async () => {
    const [plan] = planFunctions(await loadModule(HELLO));
    const { code } = await buildFunction({ entry: HELLO, plan: plan! });
    const gzip = gzipSync(code, { level: 9 }).byteLength;
    expect(gzip).toBeLessThanOrEqual(10 * 1024);
    // Nor CORS or request validation, which the hello function does not set.
    for (const absent of ['@aws-sdk', 'CreateFunctionCommand', 'esbuild', 'unknown option for', 'statusDescription', 'access-control-allow-origin', 'Expected a JSON or form body']) {
      expect(code).not.toContain(absent);
    }
    // What it must still carry: the v2 answer, problem documents, and the named refusal.
    for (const present of ['application/problem+json', 'Unsupported event', 'a Function URL request']) expect(code).toContain(present);
  });
});

describe('the deployed hello function, built from the built packages as a user\'s project builds it', () => {
  // The packages' dist/ (what npm installs) bundles with other minified names than the sources, and
  // so gzips to other sizes: this is the size users get. `npm test` builds dist/ first.
  it('is at most 10 KB gzip', async () => {
    const repo = fileURLToPath(new URL('../../../', import.meta.url));
    const script = [
      "import { gzipSync } from 'node:zlib';",
      "import { loadModule } from 'onefn/build';",
      "import { planFunctions } from 'onefn/runtime';",
      "import { buildFunction } from '@onefn/aws/deploy';",
      `const [plan] = planFunctions(await loadModule(${JSON.stringify(HELLO)}));`,
      'const { code } = await buildFunction({ entry: ' + JSON.stringify(HELLO) + ', plan });',
      'process.stdout.write(String(gzipSync(code, { level: 9 }).byteLength));',
    ].join('\n');
    const { stdout } = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', script], { cwd: repo });
    expect(Number(stdout)).toBeGreaterThan(1000);
    expect(Number(stdout)).toBeLessThanOrEqual(10 * 1024);
  });
});

describe('a function that declares uses', () => {
  const APP = fileURLToPath(new URL('./app/resources-app.ts', import.meta.url));

  it('carries the resource driver but not the SDK, which stays an import the Lambda runtime satisfies', async () => {
    const plans = planFunctions(await loadModule(APP));
    const api = plans.find((p) => p.name === 'api')!;
    const { code } = await buildFunction({ entry: APP, plan: api });
    expect(code).toContain('ONEFN_');
    for (const sdk of ['@aws-sdk/client-sqs', '@aws-sdk/client-sns', '@aws-sdk/client-s3']) expect(code).toContain(sdk);
    // The SDK's own code (its command classes, its serializers) is not in the bundle.
    expect(code).not.toContain('se_SendMessageBatchRequest');
    expect(code).not.toContain('AmazonSQS.SendMessage');
  });
});
