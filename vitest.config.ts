import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const here = (path: string): string => fileURLToPath(new URL(path, import.meta.url));

// Tests import packages by name, as users do; these aliases point the names at the sources.
const { version } = JSON.parse(readFileSync(here('./package.json'), 'utf8')) as { version: string };

export default defineConfig({
  define: { __ONEFN_VERSION__: JSON.stringify(version) },
  resolve: {
    alias: [
      { find: /^onefn$/, replacement: here('./src/onefn/index.ts') },
      { find: /^onefn\/(testing|runtime|config|build|cli)$/, replacement: here('./src/$1/index.ts') },
      { find: /^@onefn\/(aws|gcp|azure)$/, replacement: here('./adapters/$1/src/index.ts') },
      { find: /^@onefn\/(aws|gcp|azure)\/(.+)$/, replacement: here('./adapters/$1/src/$2') },
    ],
  },
  test: {
    include: ['test/**/*.test.ts', 'examples/**/*.test.ts', 'adapters/*/test/**/*.test.ts'],
    typecheck: { enabled: true, include: ['test/**/*.test-d.ts', 'adapters/*/test/**/*.test-d.ts'], tsconfig: './tsconfig.json' },
    // Captures what each test writes; a passing test prints nothing (see the file).
    setupFiles: ['./test/setup/output.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
  },
});
