// One --json shape for `build`, `deploy --dry-run` and `deploy` on every provider (the real deploys'
// reports are checked in each adapter's deploy test, against its loopback API).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import type { CommandReport } from 'onefn/cli';
import { expectReportShape, run } from './run.js';

const ENTRY = fileURLToPath(new URL('../../adapters/aws/test/app/index.ts', import.meta.url));
const out = mkdtempSync(join(tmpdir(), 'onefn-report-'));
afterAll(() => rmSync(out, { recursive: true, force: true }));

const DEPLOY_FLAGS = {
  aws: ['--region', 'us-east-1', '--create-role'],
  gcp: ['--project', 'my-project', '--region', 'us-central1'],
  azure: ['--subscription', '00000000-0000-0000-0000-000000000000', '--resource-group', 'rg', '--location', 'westeurope', '--app', 'acme-api'],
} as const;

describe.each(['aws', 'gcp', 'azure'] as const)('%s --json', (provider) => {
  it('build: the shared shape, every function built, artifacts written', async () => {
    const res = await run(['build', provider, ENTRY, '--out', join(out, provider), '--json']);
    expect(res.code).toBe(0);
    const report = JSON.parse(res.out) as CommandReport;
    expectReportShape(report, 'build', provider);
    expect(report).toMatchObject({ dryRun: true, stage: null });
    for (const f of report.functions) expect([f.action, f.trigger, f.url]).toEqual(['built', null, null]);
    for (const a of report.artifacts) expect(a.path).toEqual(expect.stringContaining(join(out, provider)));
  });

  it('deploy --dry-run: the shared shape, every function planned, nothing written', async () => {
    const res = await run(['deploy', provider, ENTRY, '--dry-run', '--json', ...DEPLOY_FLAGS[provider]]);
    expect(res.code).toBe(0);
    const report = JSON.parse(res.out) as CommandReport;
    expectReportShape(report, 'deploy', provider);
    expect(report).toMatchObject({ dryRun: true, stage: null });
    for (const f of report.functions) {
      expect(f.action).toBe('planned');
      expect(typeof f.trigger).toBe('string');
    }
    for (const a of report.artifacts) expect(a.path).toBeNull();
    // The portable facts agree across providers: the queue consumer is a message function everywhere.
    expect(report.functions.find((f) => f.name.startsWith('orders'))?.kind).toBe('message');
  });
});
