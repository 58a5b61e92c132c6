// `--sourcemap` on `build` and `deploy`, the same on every provider: the map ships beside the code
// (linked from it), and the function runs with Node's source-map support (NODE_OPTIONS), shown in the
// plan and in the --json report.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { unzipSync, strFromU8 } from 'fflate';
import { afterAll, describe, expect, it } from 'vitest';
import type { CommandReport } from 'onefn/cli';
import { deploy as deployAws } from '@onefn/aws/deploy';
import { deploy as deployGcp } from '@onefn/gcp/deploy';
import { deployFunctionApp } from '@onefn/azure/deploy';
import { expectReportShape, run } from './run.js';

const ENTRY = fileURLToPath(new URL('../../adapters/aws/test/app/index.ts', import.meta.url));
const out = mkdtempSync(join(tmpdir(), 'onefn-sourcemap-'));
afterAll(() => rmSync(out, { recursive: true, force: true }));

const DEPLOY_FLAGS = {
  aws: ['--region', 'us-east-1', '--create-role'],
  gcp: ['--project', 'my-project', '--region', 'us-central1'],
  azure: ['--subscription', '00000000-0000-0000-0000-000000000000', '--resource-group', 'rg', '--location', 'westeurope', '--app', 'acme-api'],
} as const;

// Where each provider's archive keeps the code and its map.
const CODE = { aws: 'index.mjs', gcp: 'index.js', azure: 'dist/index.mjs' } as const;
type Provider = keyof typeof CODE;

function archives(provider: Provider, report: CommandReport): Record<string, Uint8Array>[] {
  return report.artifacts.map((a) => unzipSync(readFileSync(provider === 'azure' ? join(a.path as string, 'app.zip') : (a.path as string))));
}

describe.each(['aws', 'gcp', 'azure'] as const)('%s --sourcemap', (provider) => {
  it('build: the map is in the archive beside the code, linked from it, naming the user\'s own file; the report says what the function must run with', async () => {
    const res = await run(['build', provider, ENTRY, '--out', join(out, provider), '--sourcemap', '--json']);
    expect(res.code).toBe(0);
    const report = JSON.parse(res.out) as CommandReport;
    expectReportShape(report, 'build', provider);
    for (const f of report.functions) expect(f.detail).toMatchObject({ sourcemap: true, nodeOptions: '--enable-source-maps' });
    for (const files of archives(provider, report)) {
      const code = strFromU8(files[CODE[provider]]!);
      const mapFile = CODE[provider].split('/').pop() + '.map';
      expect(code.trimEnd().endsWith(`//# sourceMappingURL=${mapFile}`)).toBe(true);
      const map = JSON.parse(strFromU8(files[`${CODE[provider]}.map`]!)) as { version: number; sources: string[]; sourcesContent: string[] };
      expect(map.version).toBe(3);
      // The user's module, by a path relative to it (no machine's absolute path in the archive), with its text.
      const user = map.sources.indexOf('index.ts');
      expect(user).toBeGreaterThanOrEqual(0);
      expect(map.sourcesContent[user]).toContain('defineHttp');
      for (const source of map.sources) expect(source.startsWith('/')).toBe(false);
    }
  });

  it('build without it: no map, no sourceMappingURL, and nodeOptions null', async () => {
    const res = await run(['build', provider, ENTRY, '--out', join(out, `${provider}-plain`), '--json']);
    expect(res.code).toBe(0);
    const report = JSON.parse(res.out) as CommandReport;
    for (const f of report.functions) expect(f.detail).toMatchObject({ sourcemap: false, nodeOptions: null });
    for (const files of archives(provider, report)) {
      expect(Object.keys(files).filter((name) => name.endsWith('.map'))).toEqual([]);
      expect(strFromU8(files[CODE[provider]]!)).not.toContain('sourceMappingURL');
    }
  });

  it('deploy --dry-run: the plan sets NODE_OPTIONS=--enable-source-maps, and the --json report shows it per function', async () => {
    const res = await run(['deploy', provider, ENTRY, '--dry-run', '--sourcemap', '--json', ...DEPLOY_FLAGS[provider]]);
    expect(res.code).toBe(0);
    expect(res.err).toMatch(/would set (app setting )?NODE_OPTIONS=--enable-source-maps/);
    const report = JSON.parse(res.out) as CommandReport;
    expectReportShape(report, 'deploy', provider);
    for (const f of report.functions) expect(f.detail['nodeOptions']).toBe('--enable-source-maps');
    const plain = await run(['deploy', provider, ENTRY, '--dry-run', '--json', ...DEPLOY_FLAGS[provider]]);
    expect(plain.err).not.toContain('NODE_OPTIONS');
    for (const f of (JSON.parse(plain.out) as CommandReport).functions) expect(f.detail['nodeOptions']).toBeNull();
  });

  it('is a flag: a value is a usage error (exit 2), and commands that bundle nothing do not take it', async () => {
    const valued = await run(['build', provider, ENTRY, '--sourcemap=yes']);
    expect(valued.code).toBe(2);
    expect(valued.err).toBe('onefn: --sourcemap takes no value\n');
    const invoke = await run(['invoke', provider, ENTRY, '--sourcemap']);
    expect(invoke.code).toBe(2);
    expect(invoke.err).toContain('unknown flag "--sourcemap"');
  });
});

describe('the deploy helpers', () => {
  // From code, `sourcemap` is a boolean; anything else is refused before any build or call, naming it.
  const bad = 'yes' as unknown as boolean;
  it.each([
    ['aws', () => deployAws({ entry: ENTRY, region: 'us-east-1', createRole: true, dryRun: true, sourcemap: bad })],
    ['gcp', () => deployGcp({ entry: ENTRY, project: 'my-project', region: 'us-central1', dryRun: true, sourcemap: bad })],
    ['azure', () => deployFunctionApp({ entry: ENTRY, subscriptionId: '00000000-0000-0000-0000-000000000000', resourceGroup: 'rg', location: 'westeurope', app: 'acme-api', dryRun: true, sourcemap: bad })],
  ])('%s: a sourcemap that is not a boolean is a DeployOptionError', async (_provider, call) => {
    await expect(call()).rejects.toMatchObject({ code: 'INVALID_DEPLOY_OPTION', option: 'sourcemap' });
  });

  it('keeps a NODE_OPTIONS the definition sets, and adds source maps after it once', async () => {
    const { withSourceMaps } = await import('onefn/build');
    expect(withSourceMaps(undefined)).toBe('--enable-source-maps');
    expect(withSourceMaps(' --max-old-space-size=200 ')).toBe('--max-old-space-size=200 --enable-source-maps');
    expect(withSourceMaps('--enable-source-maps --trace-warnings')).toBe('--enable-source-maps --trace-warnings');
  });
});
