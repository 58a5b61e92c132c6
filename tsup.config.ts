import { readFileSync } from 'node:fs';
import { defineConfig, type Options } from 'tsup';
import { DASHBOARD_BUILD } from './src/dev/dashboard/build-options.js';

// The core package: every subpath in package.json "exports" is an entry here, ESM and CommonJS, with
// declarations. scripts/check-exports.mjs fails the build when an export points at nothing.
const external = ['esbuild', 'fflate', /^@onefn\//];
const { version } = JSON.parse(readFileSync('package.json', 'utf8')) as { version: string };
// `onefn --version` reads the version built in, so the CLI needs no package.json at run time.
// shims: the dev server finds the dashboard's script through import.meta.url, in CommonJS too.
const shared: Options = { target: 'node20', platform: 'node', sourcemap: false, external, shims: true, define: { __ONEFN_VERSION__: JSON.stringify(version) } };

export default defineConfig([
  {
    ...shared,
    entry: {
      index: 'src/onefn/index.ts',
      testing: 'src/testing/index.ts',
      runtime: 'src/runtime/index.ts',
      'build/index': 'src/build/index.ts',
      'cli/index': 'src/cli/index.ts',
      config: 'src/config/index.ts',
    },
    format: ['esm', 'cjs'],
    dts: true,
    clean: true,
    splitting: true,
  },
  // The `onefn` binary: ESM only (it awaits at top level), a thin shell over cli/index.
  { ...shared, entry: { 'cli/main': 'src/cli/main.ts' }, format: ['esm'], external: [...external, './index.js'] },
  // The dev dashboard's script, for the browser: dist/dashboard/app.js, served by `onefn dev` at /_onefn.
  {
    entry: { 'dashboard/app': 'src/dev/dashboard/app.ts' },
    format: ['esm'],
    platform: 'browser',
    target: DASHBOARD_BUILD.target,
    minify: DASHBOARD_BUILD.minify,
    noExternal: [/.*/],
    dts: false,
    sourcemap: false,
    outExtension: () => ({ js: '.js' }),
  },
]);
