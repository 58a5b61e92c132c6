import { OnefnError } from '../onefn/errors.js';

/**
 * A package an adapter needs only for one feature (deploy tooling, or the SDK behind its outputs), kept
 * out of its `dependencies` as an optional peer. `version` is the exact version the adapter is tested
 * with (its devDependencies pin), the one the install command names.
 */
export interface OptionalPackage {
  readonly name: string;
  readonly version: string;
}

/**
 * A feature needs an optional package that is not installed. One line: what needs it, what is
 * missing, and the command that installs it (`npm i -D`, pinned to the versions the adapter is tested
 * with). `cause` keeps the loader's own error.
 *
 * @example
 * // onefn: @onefn/aws deploy needs @aws-sdk/client-lambda: npm i -D @aws-sdk/client-lambda@3.1162.0
 * if (error instanceof MissingPackageError) console.error(error.install)
 */
export class MissingPackageError extends OnefnError {
  /** What needs the packages: `@onefn/aws deploy`, `@onefn/gcp outputs`. */
  readonly feature: string;
  /** The packages found missing (at least one). */
  readonly missing: readonly string[];
  /** The command that installs them: `npm i -D <name>@<version> ...`. */
  readonly install: string;
  constructor(feature: string, missing: readonly string[], install: readonly (OptionalPackage | string)[], options?: { cause?: unknown }) {
    const command = `npm i -D ${install.map((p) => (typeof p === 'string' ? p : `${p.name}@${p.version}`)).join(' ')}`;
    super('MISSING_PACKAGE', `${feature} needs ${missing.join(', ')}: ${command}`, options);
    this.name = 'MissingPackageError';
    this.feature = feature;
    this.missing = missing;
    this.install = command;
  }
}

/** `@scope/name/sub/path` -> `@scope/name`, `name/sub` -> `name`; undefined for a relative or absolute path. */
function packageOf(specifier: string): string | undefined {
  if (/^(\.|\/|[a-zA-Z]:|node:|file:)/.test(specifier)) return undefined;
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? (parts.length > 1 ? `${parts[0]}/${parts[1]}` : undefined) : parts[0];
}

/**
 * The package a module loader or bundler could not find, read from its error: Node's ESM loader
 * (`Cannot find package 'x' imported from ...`, code ERR_MODULE_NOT_FOUND), CommonJS require
 * (`Cannot find module 'x'`, MODULE_NOT_FOUND), and esbuild (`Could not resolve "x"`). Undefined for
 * any other error, and for a missing relative file.
 *
 * @example
 * try { await import('@aws-sdk/client-sqs') } catch (e) { missingPackage(e) } // '@aws-sdk/client-sqs'
 */
export function missingPackage(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const { code, message } = error as { code?: unknown; message?: unknown };
  if (typeof message !== 'string') return undefined;
  const first = message.split('\n').find((line) => /Cannot find (package|module) |Could not resolve /.test(line)) ?? '';
  if (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') {
    const named = /Cannot find (?:package|module) '([^']+)'/.exec(first)?.[1];
    if (!named) return undefined;
    const bare = packageOf(named);
    if (bare) return bare;
    // A package whose folder is there but whose entry file is gone: `.../node_modules/<name>/dist/x.js`.
    const inside = /[\\/]node_modules[\\/]((?:@[^\\/]+[\\/])?[^\\/]+)[\\/]/.exec(named)?.[1];
    return inside?.replace(/\\/g, '/');
  }
  const unresolved = /Could not resolve "([^"]+)"/.exec(first)?.[1];
  return unresolved ? packageOf(unresolved) : undefined;
}

/**
 * Runs `load` (the dynamic imports of a feature's optional packages); when one of `packages` is not
 * installed, rejects with a `MissingPackageError` naming it and the command that installs them all,
 * instead of the loader's ERR_MODULE_NOT_FOUND. Any other failure passes through unchanged.
 *
 * @example
 * const sqs = await loadOptional('@onefn/aws outputs', OUTPUT_PACKAGES, () => import('@aws-sdk/client-sqs'))
 */
export async function loadOptional<T>(feature: string, packages: readonly OptionalPackage[], load: () => Promise<T>): Promise<T> {
  try {
    return await load();
  } catch (error) {
    const missing = missingPackage(error);
    if (missing !== undefined && packages.some((p) => p.name === missing)) throw new MissingPackageError(feature, [missing], packages, { cause: error });
    throw error;
  }
}
