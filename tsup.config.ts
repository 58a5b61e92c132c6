import { readFileSync } from 'node:fs';
import { defineConfig, type Options } from 'tsup';

// The core package: every subpath in package.json "exports" is an entry here, ESM and CommonJS, with
// declarations. scripts/check-exports.mjs fails the build when an export points at nothing.
const external = ['esbuild', 'fflate', /^@onefn\//];
const { version } = JSON.parse(readFileSync('package.json', 'utf8')) as { version: string };
// `onefn --version` reads the version built in, so the CLI needs no package.json at run time.
const shared: Options = { target: 'node20', platform: 'node', sourcemap: false, external, define: { __ONEFN_VERSION__: JSON.stringify(version) } };

export default defineConfig([
  {
    ...shared,
    entry: {
      index: 'src/index.ts',
      testing: 'src/testing.ts',
      runtime: 'src/runtime.ts',
      'build/index': 'src/build/index.ts',
      'cli/index': 'src/cli/index.ts',
      config: 'src/config.ts',
    },
    format: ['esm', 'cjs'],
    dts: true,
    clean: true,
    splitting: true,
  },
  // The `onefn` binary: ESM only (it awaits at top level), a thin shell over cli/index.
  { ...shared, entry: { 'cli/main': 'src/cli/main.ts' }, format: ['esm'], external: [...external, './index.js'] },
]);
