// Where the bench finds the repository and writes what it builds. The suites run bundled from
// node_modules/.cache/onefn-bench, so the root is found by walking up to onefn's package.json.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

function findRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg) && (JSON.parse(readFileSync(pkg, 'utf8')) as { name?: string }).name === 'onefn') return dir;
    const up = dirname(dir);
    if (up === dir) return process.cwd();
    dir = up;
  }
}

export const root = findRoot();
export const bench = (path: string): string => join(root, 'bench', path);
/** Inside node_modules, so that bundles leaving packages external resolve them from the repository. */
export const cache = join(root, 'node_modules', '.cache', 'onefn-bench');
/** The bundled case-process driver of a provider (run.mjs builds bench/drivers/<provider>.ts there). */
export const driver = (provider: 'aws' | 'gcp' | 'azure'): string => join(cache, 'drivers', `${provider}.mjs`);

/** Writes a file under the cache and returns its absolute path. */
export function cached(path: string, contents: string): string {
  const file = join(cache, path);
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, contents);
  return file;
}

export const version = (name: string): string => (JSON.parse(readFileSync(join(root, 'node_modules', name, 'package.json'), 'utf8')) as { version: string }).version;
