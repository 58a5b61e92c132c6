import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { MissingPackageError, missingPackage, type OptionalPackage } from '../runtime/optional-package.js';

/** Whether `name` is installed where Node looks for it from `dir`: a node_modules folder in `dir` or above. */
function installedFrom(dir: string, name: string): boolean {
  for (let at = dir; ; at = dirname(at)) {
    if (existsSync(join(at, 'node_modules', name, 'package.json'))) return true;
    if (dirname(at) === at) return false;
  }
}

/** The folder of the installed adapter, where Node resolves its imports from; undefined if it cannot be found. */
function adapterDir(provider: string): string | undefined {
  try {
    return dirname(createRequire(import.meta.url).resolve(`@onefn/${provider}/package.json`));
  } catch {
    return undefined;
  }
}

/**
 * A provider command failed because one of the adapter's optional packages is missing: the one-line
 * `MissingPackageError` naming it, and an install command for every optional package of that adapter
 * not installed either (so one command fixes the lot). Undefined for any other failure, including a
 * package the user's own module imports (that one is theirs to add, not a dev dependency of onefn).
 */
export function explainMissingPackage(error: unknown, provider: string, command: string, packages: readonly OptionalPackage[]): MissingPackageError | undefined {
  if (error instanceof MissingPackageError) return undefined;
  const name = missingPackage(error);
  const known = packages.find((p) => p.name === name);
  if (!known) return undefined;
  const dir = adapterDir(provider);
  const alsoMissing = dir === undefined ? [] : packages.filter((p) => p !== known && !installedFrom(dir, p.name));
  return new MissingPackageError(`@onefn/${provider} ${command}`, [known.name], [known, ...alsoMissing], { cause: error });
}
