// The project config: onefn.config.ts or package.json "onefn"; flags override it, it overrides the
// environment; stages choose settings and go into resource names.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import type { CommandReport } from 'onefn/cli';
import { defineConfig } from 'onefn/config';
import { run } from './run.js';

const ENTRY = fileURLToPath(new URL('../../adapters/aws/test/app/index.ts', import.meta.url));
const root = mkdtempSync(join(tmpdir(), 'onefn-config-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
afterEach(() => vi.unstubAllEnvs());

let n = 0;
/** A project directory holding `files`. */
function project(files: Record<string, string>): string {
  const dir = join(root, `p${++n}`);
  mkdirSync(dir);
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

const CONFIG = `import { defineConfig } from 'onefn/config';
export default defineConfig({
  entry: ${JSON.stringify(ENTRY)},
  aws: { region: 'eu-west-1', createRole: true, memory: 512 },
  gcp: { project: 'my-project', region: 'europe-west1' },
  azure: { subscription: '00000000-0000-0000-0000-000000000000', resourceGroup: 'rg', location: 'westeurope', app: 'acme-api' },
  stages: { prod: { aws: { region: 'us-east-2' }, gcp: { region: 'us-central1' } }, dev: {} },
});
`;

async function report(argv: string[], cwd: string, env: Record<string, string> = {}): Promise<CommandReport> {
  const res = await run(argv, { cwd, env });
  expect(res.err.split('\n').filter((l) => l.startsWith('onefn:'))).toEqual([]);
  expect(res.code).toBe(0);
  return JSON.parse(res.out) as CommandReport;
}

describe('onefn.config.ts', () => {
  it('gives the entry and each provider its settings: no flags beyond --dry-run --json', async () => {
    const dir = project({ 'onefn.config.ts': CONFIG });
    expect((await report(['deploy', 'aws', '--dry-run', '--json'], dir)).detail).toEqual({ region: 'eu-west-1' });
    expect((await report(['deploy', 'gcp', '--dry-run', '--json'], dir)).detail).toMatchObject({ project: 'my-project', region: 'europe-west1', unknown: [] });
    expect((await report(['deploy', 'azure', '--dry-run', '--json'], dir)).detail).toMatchObject({ app: 'acme-api', resourceGroup: 'rg' });
  });

  it('flags override the config, which overrides the environment', async () => {
    const dir = project({ 'onefn.config.ts': CONFIG });
    expect((await report(['deploy', 'aws', '--dry-run', '--json', '--region', 'ap-south-1'], dir)).detail).toEqual({ region: 'ap-south-1' });
    expect((await report(['deploy', 'aws', '--dry-run', '--json'], dir, { AWS_REGION: 'ca-central-1' })).detail).toEqual({ region: 'eu-west-1' });
    const none = project({ 'onefn.config.ts': `export default { entry: ${JSON.stringify(ENTRY)}, aws: { createRole: true } };` });
    expect((await report(['deploy', 'aws', '--dry-run', '--json'], none, { AWS_REGION: 'ca-central-1' })).detail).toEqual({ region: 'ca-central-1' });
  });

  it('a stage applies its settings and goes into every resource name, on every provider', async () => {
    const dir = project({ 'onefn.config.ts': CONFIG });
    const aws = await report(['deploy', 'aws', '--dry-run', '--json', '--stage', 'prod'], dir);
    expect([aws.stage, aws.detail, aws.functions.map((f) => f.name)]).toEqual(['prod', { region: 'us-east-2' }, ['http-prod', 'orders-prod']]);
    const gcp = await report(['deploy', 'gcp', '--dry-run', '--json', '--stage', 'prod'], dir);
    expect([gcp.stage, gcp.detail, gcp.functions.map((f) => [f.name, f.detail['entryPoint']])]).toEqual(['prod', expect.objectContaining({ project: 'my-project', region: 'us-central1', unknown: [] }), [['http-prod', 'http'], ['orders-prod', 'orders']]]);
    const azure = await report(['deploy', 'azure', '--dry-run', '--json', '--stage', 'dev'], dir);
    expect([azure.stage, azure.detail['app']]).toEqual(['dev', 'acme-api-dev']);
    // Two stages never share a name.
    const dev = await report(['deploy', 'aws', '--dry-run', '--json', '--stage', 'dev'], dir);
    expect(dev.functions.map((f) => f.name)).toEqual(['http-dev', 'orders-dev']);
  });

  it.each([
    [['--stage', 'prd'], 'onefn: no stage "prd" in the config; did you mean "prod"? (stages: prod, dev)\n'],
    [['--stage', 'Prod!'], 'onefn: --stage must be 1-16 lower-case letters and digits, starting with a letter, got "Prod!"\n'],
  ])('refuses the stage %j in one line', async (flags, message) => {
    const dir = project({ 'onefn.config.ts': CONFIG });
    expect(await run(['deploy', 'aws', '--dry-run', ...flags], { cwd: dir })).toEqual({ code: 1, out: '', err: message });
  });

  it.each([
    ['a misspelt setting', `export default { aws: { regin: 'x' } };`, 'onefn: unknown aws setting "regin" in the config; did you mean "region"?\n'],
    ['an unknown key', `export default { entri: 'x.ts' };`, /^onefn: .*onefn\.config\.ts: unknown key "entri"; did you mean "entry"\?/],
    ['a non-object', `export default 42;`, /^onefn: .*must export a config object/],
    ['a nested value', `export default { gcp: { project: { id: 1 } } };`, /^onefn: .*"gcp\.project" must be a string, a number or a boolean/],
    ['a boolean for a value', `export default { aws: { region: true } };`, 'onefn: aws.region must be a string or a number\n'],
    ['a syntax error', `export default {`, /^onefn: cannot load .*onefn\.config\.ts: /],
    ['a prototype key', `export default JSON.parse('{"__proto__": {"region": "x"}}');`, /^onefn: .*unknown key "__proto__"/],
  ])('refuses %s in one line', async (_name, text, message) => {
    const dir = project({ 'onefn.config.ts': text });
    const res = await run(['deploy', 'aws', ENTRY, '--dry-run'], { cwd: dir });
    expect(res.code).toBe(1);
    expect(res.out).toBe('');
    expect(res.err).toMatch(message);
    expect(res.err.trim().split('\n')).toHaveLength(1);
  });

  it('--config names another file; a missing one is an error', async () => {
    const dir = project({ 'deploy.config.ts': CONFIG });
    expect((await report(['deploy', 'aws', '--dry-run', '--json', '--config', 'deploy.config.ts'], dir)).detail).toEqual({ region: 'eu-west-1' });
    expect((await run(['deploy', 'aws', '--config', 'nope.ts'], { cwd: dir })).err).toBe('onefn: no config file nope.ts\n');
  });

  it('defineConfig types the config and returns it as is', () => {
    const config = { entry: 'src/api.ts', aws: { region: 'eu-west-1' } } as const;
    expect(defineConfig(config)).toBe(config);
  });
});

describe('package.json "onefn"', () => {
  it('is read when there is no onefn.config.ts; the entry is relative to it', async () => {
    const dir = project({ 'package.json': JSON.stringify({ name: 'x', onefn: { entry: 'api.ts', gcp: { project: 'pkg-project', region: 'asia-east1' } } }), 'api.ts': `export { orders } from ${JSON.stringify(ENTRY)};` });
    const gcp = await report(['deploy', 'gcp', '--dry-run', '--json'], dir);
    expect([gcp.detail, gcp.functions.map((f) => f.name)]).toEqual([expect.objectContaining({ project: 'pkg-project', region: 'asia-east1', unknown: [] }), ['orders']]);
  });
});

describe('the AWS region', () => {
  it('comes from the profile through the SDK\'s own region provider when neither flag nor environment gives it', async () => {
    const dir = project({ config: '[default]\nregion = eu-north-1\n\n[profile staging]\nregion = sa-east-1\n' });
    vi.stubEnv('AWS_REGION', undefined);
    vi.stubEnv('AWS_DEFAULT_REGION', undefined);
    vi.stubEnv('AWS_CONFIG_FILE', join(dir, 'config'));
    vi.stubEnv('AWS_PROFILE', 'staging');
    expect((await report(['deploy', 'aws', ENTRY, '--create-role', '--dry-run', '--json'], dir)).detail).toEqual({ region: 'sa-east-1' });
    vi.stubEnv('AWS_PROFILE', undefined);
    expect((await report(['deploy', 'aws', ENTRY, '--create-role', '--dry-run', '--json'], dir)).detail).toEqual({ region: 'eu-north-1' });
    vi.stubEnv('AWS_CONFIG_FILE', join(dir, 'none'));
    // A plan needs no region (it shows it unknown); a deploy does.
    expect((await report(['deploy', 'aws', ENTRY, '--create-role', '--dry-run', '--json'], dir)).detail).toEqual({ region: '<region: unknown>' });
    const res = await run(['deploy', 'aws', ENTRY, '--create-role'], { cwd: dir });
    expect([res.code, res.err]).toEqual([1, 'onefn: Invalid option "region": no region given; pass --region, set AWS_REGION, or give the profile (AWS_PROFILE) a region\n']);
  });
});
