import { defineConfig } from 'tsup';

// The core package: every subpath in package.json "exports" is an entry here, ESM and CommonJS, with
// declarations. scripts/check-exports.mjs fails the build when an export points at nothing.
export default defineConfig({
  entry: {
    index: 'src/index.ts',
    testing: 'src/testing.ts',
    runtime: 'src/runtime.ts',
    'build/index': 'src/build/index.ts',
    'cli/index': 'src/cli/index.ts',
    'cli/main': 'src/cli/main.ts',
  },
  format: ['esm', 'cjs'],
  dts: true,
  clean: true,
  target: 'node20',
  platform: 'node',
  splitting: true,
  sourcemap: false,
  external: ['esbuild', 'fflate', /^@onefn\//],
});
