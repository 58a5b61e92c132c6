// `deploy --dry-run` needs no account: no region, no role, no credentials, and the whole plan still
// shows. `destroy --dry-run` must read what exists, so it needs credentials: one line naming the login
// step. The binary runs in a child process with a bare environment, so a stray stack would show.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';

const repo = fileURLToPath(new URL('../../../', import.meta.url));
const bin = join(repo, 'dist/cli/main.js');
const home = mkdtempSync(join(tmpdir(), 'onefn-aws-plan-'));
afterAll(() => rmSync(home, { recursive: true, force: true }));

/** No AWS region, profile or credentials anywhere, and no metadata server to ask. */
const bare = {
  PATH: process.env['PATH'] ?? '',
  HOME: home,
  AWS_EC2_METADATA_DISABLED: 'true',
  AWS_CONFIG_FILE: join(home, 'aws-config'),
  AWS_SHARED_CREDENTIALS_FILE: join(home, 'aws-credentials'),
};

async function onefn(args: string[], env: Record<string, string> = bare): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [bin, ...args], { cwd: repo, env, timeout: 60_000 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describe('onefn deploy aws --dry-run with nothing but the entry', () => {
  it('shows the whole plan, marking the region and account unknown', async () => {
    const res = await onefn(['deploy', 'aws', 'adapters/aws/test/app/resources-app.ts', '--dry-run', '--json']);
    expect(res.stderr).not.toMatch(/^onefn:|\n\s+at /m);
    expect(res.code).toBe(0);
    const report = JSON.parse(res.stdout) as { dryRun: boolean; detail: { region: string }; functions: Array<{ name: string; action: string }> };
    expect(report).toMatchObject({ dryRun: true, detail: { region: '<region: unknown>' } });
    expect(report.functions.length).toBeGreaterThan(0);
    expect(report.functions.every((f) => f.action === 'planned')).toBe(true);
    const lines = res.stderr.split('\n');
    expect(lines).toContain('region: unknown (pass --region, set AWS_REGION, or give the profile a region); the plan shows <region: unknown>');
    expect(lines).toContain('api: needs an execution role: pass --role <arn>, or --create-role to create onefn-api');
    expect(lines).toContain('api: would grant sqs:SendMessage on arn:aws:sqs:<region: unknown>:<account>:orders');
  });

  it('a real deploy with no region still says what is missing, in one line', async () => {
    const res = await onefn(['deploy', 'aws', 'adapters/aws/test/app/resources-app.ts', '--create-role']);
    expect(res.code).toBe(1);
    expect(res.stderr.split('\n').filter((l) => l.startsWith('onefn:'))).toEqual(['onefn: Invalid option "region": no region given; pass --region, set AWS_REGION, or give the profile (AWS_PROFILE) a region']);
  });
});

describe('onefn destroy aws --dry-run needs to read what exists', () => {
  it('without credentials: one line naming aws sso login or a profile, and no stack', async () => {
    const res = await onefn(['destroy', 'aws', 'api', '--dry-run', '--region', 'us-east-1', '--endpoint-url', 'http://127.0.0.1:9'], { ...bare, AWS_PROFILE: 'nobody' });
    expect(res.code).toBe(1);
    expect(res.stderr.split('\n').filter(Boolean)).toEqual([expect.stringMatching(/^onefn: no usable AWS credentials \(.+\); log in with: aws sso login, or a profile \(AWS_PROFILE\) or access keys \(AWS_ACCESS_KEY_ID\)$/)]);
  });

  it('logs without credentials: the same one line', async () => {
    const res = await onefn(['logs', 'aws', 'api', '--region', 'us-east-1', '--endpoint-url', 'http://127.0.0.1:9'], { ...bare, AWS_PROFILE: 'nobody' });
    expect(res.code).toBe(1);
    expect(res.stderr.split('\n').filter(Boolean)).toEqual([expect.stringMatching(/^onefn: no usable AWS credentials \(.+\); log in with: aws sso login/)]);
  });
});
