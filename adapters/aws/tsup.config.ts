import { defineConfig } from 'tsup';

// One entry per subpath in package.json "exports". The runtime entry (index) must stay free of the
// AWS SDK and of deploy code: they are external here, and only deploy/cli import them.
export default defineConfig({
  entry: { index: 'src/index.ts', testing: 'src/testing.ts', deploy: 'src/deploy.ts', cli: 'src/cli.ts' },
  format: ['esm', 'cjs'],
  dts: true,
  clean: true,
  target: 'node20',
  platform: 'node',
  splitting: true,
  sourcemap: false,
  // import.meta.url (used to find the runtime entry when bundling) in the CommonJS build too.
  shims: true,
  external: ['onefn', /^onefn\//, /^@aws-sdk\//, /^@smithy\//, 'esbuild'],
});
