import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from 'onefn/cli';
import { deploy, DeployOptionError } from '@onefn/gcp/deploy';

// `onefn deploy gcp <entry> --dry-run` with no credentials and no flags beyond the entry: the whole
// plan, with what cannot be known marked, never a refusal.
const dir = mkdtempSync(join(tmpdir(), 'onefn-gcp-plan-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const scheduled = fileURLToPath(new URL('./app/scheduled.ts', import.meta.url));
const resourcesApp = fileURLToPath(new URL('./app/resources-app.ts', import.meta.url));

async function cli(argv: string[], env: Record<string, string> = {}): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  // No GOOGLE_APPLICATION_CREDENTIALS, no project or region in the environment, no config in `dir`.
  const code = await runCli(argv, { stdout: (t) => void (out += t), stderr: (t) => void (err += t), cwd: dir, env, color: false });
  return { code, out, err };
}

describe('deploy gcp --dry-run with nothing but the entry', () => {
  it('shows every function, trigger, schedule, resource and grant, marking the project, region and service account unknown', async () => {
    const r = await cli(['deploy', 'gcp', scheduled, '--dry-run']);
    expect(r.code).toBe(0);
    const lines = r.err.trim().split('\n');
    expect(lines).toContain('plan: not known without flags: <unknown: pass --project>, <unknown: pass --region>, <unknown: pass --service-account>');
    expect(lines).toContain('plan: would create bucket my-uploads in <unknown: pass --region> (if missing), for uploads');
    expect(lines).toContain('plan: nightly: would schedule a Cloud Scheduler job calling it with an OIDC token for <unknown: pass --service-account>');
    expect(lines).toContain('plan: web: would allow unauthenticated calls (roles/run.invoker for allUsers)');
    expect(lines.filter((l) => /^plan: (web|uploads|nightly) \(/.test(l))).toHaveLength(3);
    expect(r.out.split('\n')).toEqual(expect.arrayContaining([
      'web: planned (HTTP (public))',
      'uploads: planned (google.cloud.storage.object.v1.finalized on my-uploads and google.cloud.storage.object.v1.deleted)',
      'nightly: planned (Cloud Scheduler "30 2 * * MON-FRI" (Europe/Paris))',
      'bucket my-uploads: created if missing',
    ]));
  });

  it('--json: the shared shape, unknowns null and named, resources listed', async () => {
    const r = await cli(['deploy', 'gcp', resourcesApp, '--dry-run', '--json']);
    expect(r.code).toBe(0);
    const report = JSON.parse(r.out);
    expect(report).toMatchObject({ command: 'deploy', provider: 'gcp', dryRun: true });
    expect(report.detail).toEqual({
      project: null,
      region: null,
      unknown: ['project', 'region'],
      resources: [
        { kind: 'topic', name: 'projects/<unknown: pass --project>/topics/orders', action: 'planned', location: null, functions: ['api', 'worker'] },
        { kind: 'bucket', name: 'reports', action: 'planned', location: '<unknown: pass --region>', functions: ['onReport', 'worker'] },
        { kind: 'topic', name: 'projects/<unknown: pass --project>/topics/order-done', action: 'planned', location: null, functions: ['onReport'] },
      ],
    });
    expect(report.functions.map((f: { name: string; action: string }) => [f.name, f.action])).toEqual([['api', 'planned'], ['onReport', 'planned'], ['worker', 'planned']]);
    expect(r.err).toContain("plan: api: needs roles/pubsub.publisher on projects/<unknown: pass --project>/topics/orders for the runtime's default service account");
  });

  it('a project or region that is given must still be valid', async () => {
    const r = await cli(['deploy', 'gcp', scheduled, '--dry-run', '--project', 'Not_A_Project']);
    expect(r.code).not.toBe(0);
    expect(r.err.trim().split('\n')).toHaveLength(1);
    expect(r.err).toContain('Invalid option "project"');
  });

  it.each([
    ['project', { region: 'europe-west1' }],
    ['region', { project: 'my-project' }],
  ])('a deploy (not a plan) without a %s is refused before any call, naming the flag', async (option, given) => {
    const error = await deploy({ entry: scheduled, serviceAccount: 'fn@my-project.iam.gserviceaccount.com', ...given }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DeployOptionError);
    expect((error as DeployOptionError).option).toBe(option);
    expect((error as Error).message).toContain(`pass --${option}`);
  });
});
