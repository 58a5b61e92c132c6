#!/usr/bin/env node
/**
 * Measures what `npm i` costs a user: packs onefn and each adapter (`npm pack`), installs each adapter's
 * tarball with onefn's into a fresh temporary project the way a user installs the runtime (`npm i
 * <tarballs> --omit=dev`; required peers come along, optional peers do not), and prints the size of
 * node_modules (bytes on disk as the files' sizes, and packages). A second install per adapter adds the
 * adapter's optional peers at the versions its devDependencies pin: what `npm i -D` adds for deploy and
 * for running outputs locally.
 *
 * Uses the npm registry; not part of `npm test`. Run after a build: `npm run install-size`.
 *   node scripts/install-size.mjs [--json] [--markdown] [--only aws,gcp] [--keep]
 */
import { execFileSync } from 'node:child_process';
import { lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';

const root = resolve(import.meta.dirname, '..');
const { values: flags } = parseArgs({
  options: {
    json: { type: 'boolean', default: false },
    markdown: { type: 'boolean', default: false },
    only: { type: 'string' },
    keep: { type: 'boolean', default: false },
  },
  strict: true,
});
const ADAPTERS = ['aws', 'gcp', 'azure'].filter((a) => !flags.only || flags.only.split(',').includes(a));
const log = (line) => process.stderr.write(`${line}\n`);
const npm = (args, cwd) => execFileSync('npm', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });

for (const dir of ['.', ...ADAPTERS.map((a) => `adapters/${a}`)]) {
  if (!existsSync(join(root, dir, 'dist'))) {
    log(`install-size: ${dir}/dist is missing; run npm run build first`);
    process.exit(1);
  }
}

/** Sizes of a node_modules tree: apparent bytes of every file (symlinks not followed), and packages. */
function measure(nodeModules) {
  let bytes = 0;
  let packages = 0;
  const byTop = new Map();
  const walk = (dir, top) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isSymbolicLink()) continue;
      if (entry.isDirectory()) walk(path, top);
      else if (entry.isFile()) {
        const size = lstatSync(path).size;
        bytes += size;
        byTop.set(top, (byTop.get(top) ?? 0) + size);
      }
    }
  };
  // A package is a folder straight under a node_modules folder (or under its @scope) with a package.json.
  const countPackages = (dir) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      if (!entry.isDirectory() || entry.name === '.bin' || entry.name === '.cache') continue;
      const path = join(dir, entry.name);
      const found = entry.name.startsWith('@') ? readdirSync(path, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => join(path, e.name)) : [path];
      for (const pkg of found) {
        if (existsSync(join(pkg, 'package.json'))) packages += 1;
        if (existsSync(join(pkg, 'node_modules'))) countPackages(join(pkg, 'node_modules'));
      }
    }
  };
  for (const entry of readdirSync(nodeModules, { withFileTypes: true })) {
    if (!entry.isDirectory()) continue;
    // Group by scope (@aws-sdk, @smithy, @azure...) or by package name.
    walk(join(nodeModules, entry.name), entry.name);
  }
  countPackages(nodeModules);
  const largest = [...byTop].sort((a, b) => b[1] - a[1]).slice(0, 6).map(([name, size]) => ({ name, bytes: size }));
  return { bytes, packages, largest };
}

function install(dir, specs) {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'install-size-probe', version: '0.0.0', private: true, type: 'module' }, null, 2));
  npm(['install', '--omit=dev', '--no-audit', '--no-fund', '--loglevel=error', ...specs], dir);
  return measure(join(dir, 'node_modules'));
}

const work = mkdtempSync(join(tmpdir(), 'onefn-install-size-'));
const packs = join(work, 'packs');
mkdirSync(packs);
const pack = (workspace) => {
  const out = JSON.parse(npm(['pack', '--json', '--pack-destination', packs, ...(workspace ? ['-w', workspace] : [])], root));
  return join(packs, out[0].filename);
};

const rows = [];
try {
  // Everything is packed first, so the tarballs are what the tree held when the script started.
  log('install-size: packing onefn');
  const core = pack();
  const adapters = ADAPTERS.map((adapter) => {
    const manifest = JSON.parse(readFileSync(join(root, 'adapters', adapter, 'package.json'), 'utf8'));
    log(`install-size: packing ${manifest.name}`);
    return { adapter, manifest, tarball: pack(`adapters/${adapter}`) };
  });
  log('install-size: onefn alone');
  rows.push({ package: 'onefn', install: 'runtime', ...install(join(work, 'onefn'), [core]) });
  for (const { adapter, manifest, tarball } of adapters) {
    log(`install-size: ${manifest.name} (runtime)`);
    rows.push({ package: manifest.name, install: 'runtime', ...install(join(work, adapter), [core, tarball]) });
    const optional = Object.keys(manifest.peerDependenciesMeta ?? {}).filter((name) => manifest.peerDependenciesMeta[name]?.optional);
    const extras = optional.map((name) => `${name}@${manifest.devDependencies?.[name] ?? manifest.peerDependencies[name]}`);
    if (!extras.length) continue;
    log(`install-size: ${manifest.name} with its ${extras.length} optional peers`);
    rows.push({ package: manifest.name, install: 'runtime + optional peers (-D)', extras, ...install(join(work, `${adapter}-full`), [core, tarball, ...extras]) });
  }
} finally {
  if (flags.keep) log(`install-size: kept ${work}`);
  else rmSync(work, { recursive: true, force: true });
}

const mb = (bytes) => `${(bytes / 1e6).toFixed(1)} MB`;
if (flags.json) {
  process.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
} else if (flags.markdown) {
  process.stdout.write('| Package | Install | node_modules | Packages | Largest |\n|---|---|---:|---:|---|\n');
  for (const r of rows) {
    process.stdout.write(`| \`${r.package}\` | ${r.install} | ${mb(r.bytes)} | ${r.packages} | ${r.largest.slice(0, 3).map((l) => `${l.name} ${mb(l.bytes)}`).join(', ')} |\n`);
  }
} else {
  for (const r of rows) {
    process.stdout.write(`${r.package.padEnd(12)} ${r.install.padEnd(30)} ${String(r.bytes).padStart(11)} bytes ${mb(r.bytes).padStart(9)} ${String(r.packages).padStart(4)} packages  largest: ${r.largest.slice(0, 3).map((l) => `${l.name} ${mb(l.bytes)}`).join(', ')}\n`);
  }
}
