import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** The shared fixtures folder, beside the repository (CI clones `shared/` next to `main/`). */
export const FIXTURES = fileURLToPath(new URL('../../../../shared/fixtures/aws/', import.meta.url));

export function fixture(path: string): unknown {
  return JSON.parse(readFileSync(FIXTURES + path, 'utf8')) as unknown;
}

/** Every fixture file under the AWS folder, as "folder/file.json". */
export function allFixtures(): string[] {
  return readdirSync(FIXTURES, { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.json'))
    .map((f) => f.replace(/\\/g, '/'))
    .sort();
}

/** A Lambda context as the runtime passes it. */
export function lambdaContext(overrides: Partial<{ awsRequestId: string; functionName: string; remaining: number }> = {}) {
  const deadline = Date.now() + (overrides.remaining ?? 30_000);
  return {
    awsRequestId: overrides.awsRequestId ?? 'req-1',
    functionName: overrides.functionName ?? 'fn',
    functionVersion: '$LATEST',
    invokedFunctionArn: 'arn:aws:lambda:us-east-1:123456789012:function:fn',
    memoryLimitInMB: '128',
    getRemainingTimeInMillis: () => deadline - Date.now(),
  };
}
