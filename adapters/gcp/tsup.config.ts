import { defineConfig } from 'tsup';

// @onefn/gcp: the runtime entry (index) never pulls in deploy code or Google's API clients; they are
// separate entries, and every package (onefn, the framework, the clients) stays an import.
export default defineConfig({
  entry: { index: 'src/index.ts', testing: 'src/testing.ts', deploy: 'src/deploy.ts', cli: 'src/cli.ts' },
  format: ['esm', 'cjs'],
  dts: true,
  clean: true,
  target: 'node20',
  platform: 'node',
  splitting: true,
  // The deploy code finds the runtime entry beside itself through import.meta.url, in the CJS build too.
  shims: true,
  sourcemap: false,
  external: [/^onefn(\/.*)?$/, /^@google-cloud\//, 'google-auth-library', /^@onefn\//],
});
