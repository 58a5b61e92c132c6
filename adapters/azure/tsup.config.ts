import { defineConfig } from 'tsup';

// @onefn/azure: one entry per subpath in package.json "exports", ESM and CommonJS, with declarations.
// onefn, @azure/functions (a peer dependency the function app installs or bundles) and the deploy-time
// Azure SDKs stay external.
export default defineConfig({
  entry: {
    index: 'src/index.ts',
    testing: 'src/testing.ts',
    deploy: 'src/deploy.ts',
    cli: 'src/cli.ts',
  },
  format: ['esm', 'cjs'],
  dts: true,
  clean: true,
  target: 'node20',
  platform: 'node',
  splitting: true,
  sourcemap: false,
  // The deploy helper finds its runtime entry through import.meta.url, in the CommonJS build too.
  shims: true,
  external: ['onefn', /^onefn\//, /^@azure\//],
});
