import { defineConfig, type Options } from 'tsup';

/**
 * The build every adapter package shares: one entry per subpath in its package.json "exports"
 * (runtime, testing, deploy, cli, dev), ESM and CommonJS with declarations. The runtime entry must stay free
 * of deploy code and provider API clients; `external` keeps those (and onefn) as imports.
 */
export function adapterConfig(external: NonNullable<Options['external']>, entries: Readonly<Record<string, string>> = {}): ReturnType<typeof defineConfig> {
  return defineConfig({
    entry: { index: 'src/index.ts', entry: 'src/entry.ts', testing: 'src/testing/index.ts', deploy: 'src/deploy/index.ts', cli: 'src/cli/index.ts', dev: 'src/dev.ts', ...entries },
    format: ['esm', 'cjs'],
    dts: true,
    clean: true,
    target: 'node20',
    platform: 'node',
    splitting: true,
    sourcemap: false,
    // The deploy code finds the runtime entry beside itself through import.meta.url, in CommonJS too.
    shims: true,
    external: ['onefn', /^onefn\//, ...external],
  });
}
