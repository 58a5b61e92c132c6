// Missing or refused credentials: one line naming the provider's login step, exit 1, no SDK banner,
// no uncaught stack. The binary runs in a child process, so an unhandled rejection would show.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { deployFunctionApp } from '@onefn/azure/deploy';
import { deploy as deployGcp } from '@onefn/gcp/deploy';
import { CredentialsError } from 'onefn/build';

const repo = fileURLToPath(new URL('../../', import.meta.url));
const bin = join(repo, 'dist/cli/main.js');
const home = mkdtempSync(join(tmpdir(), 'onefn-nocreds-'));
afterAll(() => rmSync(home, { recursive: true, force: true }));

/** An environment with no credentials of any provider, and no way to look for them off this machine. */
function bareEnv(extra: Record<string, string>): Record<string, string> {
  return {
    PATH: process.env['PATH'] ?? '',
    HOME: home,
    // No metadata servers: tests reach only 127.0.0.1.
    METADATA_SERVER_DETECTION: 'none',
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_CONFIG_FILE: join(home, 'aws-config'),
    AWS_SHARED_CREDENTIALS_FILE: join(home, 'aws-credentials'),
    ...extra,
  };
}

async function onefn(args: string[], env: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [bin, ...args], { cwd: repo, env, timeout: 60_000 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describe('no credentials', () => {
  it('gcp: one line naming gcloud auth application-default login, and no uncaught googleauth stack', async () => {
    const res = await onefn(['deploy', 'gcp', 'adapters/gcp/test/app/app.ts', '--project', 'my-project', '--region', 'us-central1'], bareEnv({ GOOGLE_APPLICATION_CREDENTIALS: join(home, 'missing.json') }));
    expect(res.code).toBe(1);
    const errors = res.stderr.split('\n').filter((l) => !/^(built |http: requesting)/.test(l) && l);
    expect(errors).toEqual([expect.stringMatching(/^onefn: no usable Google Cloud credentials \(.+\); log in with: gcloud auth application-default login \(or set GOOGLE_APPLICATION_CREDENTIALS\)$/)]);
    expect(res.stderr).not.toMatch(/googleauth\.js|\n\s+at /);
  });

  it.each(['rollback', 'destroy', 'logs'])('gcp %s: the same one line, and no googleauth stack', async (command) => {
    const res = await onefn([command, 'gcp', 'api', '--project', 'my-project', '--region', 'us-central1'], bareEnv({ GOOGLE_APPLICATION_CREDENTIALS: join(home, 'missing.json') }));
    expect([res.code, res.stdout]).toEqual([1, '']);
    expect(res.stderr).toMatch(/^onefn: no usable Google Cloud credentials \(.+\); log in with: gcloud auth application-default login \(or set GOOGLE_APPLICATION_CREDENTIALS\)\n$/);
  });

  it('aws: one line naming aws sso login, a profile or access keys', async () => {
    const res = await onefn(['deploy', 'aws', 'examples/hello/index.ts', '--region', 'us-east-1', '--create-role', '--endpoint-url', 'http://127.0.0.1:9'], bareEnv({ AWS_PROFILE: 'nobody' }));
    expect(res.code).toBe(1);
    const errors = res.stderr.split('\n').filter((l) => l.startsWith('onefn:'));
    expect(errors).toEqual([expect.stringMatching(/^onefn: no usable AWS credentials \(.+\); log in with: aws sso login, or a profile \(AWS_PROFILE\) or access keys \(AWS_ACCESS_KEY_ID\)$/)]);
    expect(res.stderr).not.toMatch(/\n\s+at /);
  });
});

describe('credentials that fail', () => {
  it('gcp: a refused token on the first call names the login step', async () => {
    const refused = Object.assign(new Error('invalid_grant: reauth related error (invalid_rapt)'), { code: 401 });
    const auth = { request: async () => ({}), fetch: async () => new Response(), getClient: async () => { throw refused; } };
    const error = await deployGcp({ entry: fileURLToPath(new URL('../../adapters/gcp/test/app/app.ts', import.meta.url)), project: 'my-project', region: 'us-central1', auth }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CredentialsError);
    expect((error as CredentialsError).code).toBe('NO_CREDENTIALS');
    expect((error as Error).message).toBe('no usable Google Cloud credentials (invalid_grant: reauth related error (invalid_rapt)); log in with: gcloud auth application-default login (or set GOOGLE_APPLICATION_CREDENTIALS)');
  });

  it('azure: a credential the chain cannot use names az login', async () => {
    const unavailable = Object.assign(new Error('DefaultAzureCredential failed to retrieve a token from the included credentials.\nAttempted credentials: ...'), { name: 'AggregateAuthenticationError' });
    const credential = { getToken: async () => { throw unavailable; } };
    const error = await deployFunctionApp({
      entry: fileURLToPath(new URL('../../adapters/azure/test/fixtures/app.ts', import.meta.url)),
      subscriptionId: '00000000-0000-0000-0000-000000000000', resourceGroup: 'rg', location: 'westeurope', app: 'acme-api',
      credential, armEndpoint: 'http://127.0.0.1:9', scmEndpoint: 'http://127.0.0.1:9', allowInsecureConnection: true,
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CredentialsError);
    expect((error as Error).message).toBe('no usable Azure credentials (DefaultAzureCredential failed to retrieve a token from the included credentials); log in with: az login (or set AZURE_CLIENT_ID, AZURE_TENANT_ID and AZURE_CLIENT_SECRET)');
  });
});
