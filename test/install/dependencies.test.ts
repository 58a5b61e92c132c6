/**
 * The weight of an install: `npm i @onefn/<provider>` must bring what a function needs at run time
 * and nothing else. Deploy SDKs and output SDKs are optional peers, pinned in devDependencies, and
 * listed in the adapter's packages.ts (which the CLI and the output drivers name in their
 * "npm i -D" line). Adding an SDK means: peer (^pin) + peerDependenciesMeta optional + exact
 * devDependency + an entry in src/packages.ts.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { cli as awsCli } from '@onefn/aws/cli';
import { cli as gcpCli } from '@onefn/gcp/cli';
import { cli as azureCli } from '@onefn/azure/cli';
import * as awsPackages from '../../adapters/aws/src/packages.js';
import * as gcpPackages from '../../adapters/gcp/src/packages.js';
import * as azurePackages from '../../adapters/azure/src/packages.js';

interface Manifest {
  name: string;
  files?: string[];
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  peerDependenciesMeta?: Record<string, { optional?: boolean }>;
}
const manifest = (dir: string): Manifest => JSON.parse(readFileSync(fileURLToPath(new URL(`../../${dir}/package.json`, import.meta.url)), 'utf8')) as Manifest;

// Provider SDKs: what a runtime install must not pull. The two runtime hosts each provider's function
// needs (functions-framework on GCP, @azure/functions on Azure) are required peers, not SDKs.
const SDK = /^(@aws-sdk\/|@smithy\/|@google-cloud\/(?!functions-framework$)|google-auth-library$|googleapis|@google\/|@grpc\/|@azure\/(?!functions$))/;

const ADAPTERS = [
  { dir: 'adapters/aws', cli: awsCli, packages: awsPackages },
  { dir: 'adapters/gcp', cli: gcpCli, packages: gcpPackages },
  { dir: 'adapters/azure', cli: azureCli, packages: azurePackages },
] as const;

describe.each(ADAPTERS)('$dir/package.json', ({ dir, cli, packages }) => {
  const pkg = manifest(dir);
  const optional = Object.keys(pkg.peerDependenciesMeta ?? {}).filter((name) => pkg.peerDependenciesMeta?.[name]?.optional === true);

  it('has no provider SDK in dependencies (deploy and output SDKs are optional peers)', () => {
    expect(Object.keys(pkg.dependencies ?? {}).filter((name) => SDK.test(name))).toEqual([]);
  });

  // The peer range is a caret range of the pinned major that the pin satisfies: wide enough that a user
  // whose own code pins an older minor of the same SDK can still install the adapter (npm refuses an
  // optional peer that is installed at a version outside the range).
  it('marks every SDK peer optional, pins it exactly in devDependencies, and accepts the same major', () => {
    const sdkPeers = Object.keys(pkg.peerDependencies ?? {}).filter((name) => SDK.test(name));
    expect(sdkPeers.length).toBeGreaterThan(0);
    expect(sdkPeers.filter((name) => !optional.includes(name))).toEqual([]);
    for (const name of optional) {
      const pinned = pkg.devDependencies?.[name] ?? '';
      expect(pinned, `${name} in devDependencies`).toMatch(/^\d+\.\d+\.\d+$/);
      const range = /^\^(\d+)\.(\d+)\.(\d+)$/.exec(pkg.peerDependencies?.[name] ?? '');
      expect(range, `${name} peer range ${pkg.peerDependencies?.[name]}`).not.toBeNull();
      const [major, minor, patch] = pinned.split('.').map(Number) as [number, number, number];
      const [, lowMajor, lowMinor, lowPatch] = (range ?? []).map(Number) as [number, number, number, number];
      expect(lowMajor, `${name}: the pin's major`).toBe(major);
      expect(minor * 1e6 + patch >= lowMinor * 1e6 + lowPatch, `${name}: the pin satisfies the range`).toBe(true);
    }
  });

  it('lists the same optional packages, at the pinned versions, in src/packages.ts and in its cli', () => {
    const listed = packages.optionalPackages();
    const expected = optional.map((name) => ({ name, version: pkg.devDependencies?.[name] }));
    const byName = (a: { name: string }, b: { name: string }): number => a.name.localeCompare(b.name);
    expect([...listed].sort(byName)).toEqual(expected.sort(byName));
    expect([...(cli.packages ?? [])].sort(byName)).toEqual(expected.sort(byName));
    // Deploy and outputs each name only optional packages.
    for (const p of [...packages.DEPLOY_PACKAGES, ...packages.OUTPUT_PACKAGES]) expect(optional).toContain(p.name);
  });

  it('ships its LICENSE', () => {
    expect(pkg.files).toContain('LICENSE');
    expect(readFileSync(fileURLToPath(new URL(`../../${dir}/LICENSE`, import.meta.url)), 'utf8')).toMatch(/MIT License/);
  });
});

it('the core package ships its LICENSE and keeps provider SDKs out of its dependencies', () => {
  const pkg = manifest('.');
  expect(pkg.files).toContain('LICENSE');
  expect(Object.keys(pkg.dependencies ?? {}).filter((name) => SDK.test(name))).toEqual([]);
  expect(readFileSync(fileURLToPath(new URL('../../LICENSE', import.meta.url)), 'utf8')).toMatch(/MIT License/);
});
