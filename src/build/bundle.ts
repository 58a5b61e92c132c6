import { build, type BuildOptions, type Plugin } from 'esbuild';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { BuildError } from './errors.js';

export interface BundleOptions {
  /** The module to bundle (a file path), or its source text with `resolveDir`. */
  entry: string | { contents: string; resolveDir: string; sourcefile?: string };
  format?: 'esm' | 'cjs';
  /** Default `node20`. */
  target?: string;
  /** Default true: smaller artifacts, and no file-path comments that would make builds machine-dependent. */
  minify?: boolean;
  /** Packages left as imports (a provider runtime that the platform supplies, say). */
  external?: readonly string[];
  /** Leave every bare package import external (loading in place, where node_modules exists). */
  packagesExternal?: boolean;
  sourcemap?: boolean;
  plugins?: Plugin[];
  /**
   * The entry's definitions were already made, and so checked, in this process (the deploy helpers
   * plan by loading the module before they bundle it). The bundle then leaves out onefn's definition
   * checks and their messages, and keeps only the code that normalizes options. Default false.
   */
  checkedDefinitions?: boolean;
  /**
   * No function in the bundle receives a body marked base64 (HTTP-only apps on GCP and Azure, whose
   * requests arrive as bytes): onefn's base64 decoder is left out, and such a body would be refused as
   * malformed. Never for Lambda (Function URLs send binary bodies base64) or for event functions.
   */
  noBase64Bodies?: boolean;
  /**
   * False when no definition the bundle serves sets `stream: true`: the stream machinery (reading a
   * streamed body, cancelling it, buffering it) is left out. Default: kept.
   */
  streams?: boolean;
  /** False when no definition the bundle serves sets `cors`: the CORS headers and preflight answers are left out. Default: kept. */
  cors?: boolean;
  /**
   * False when no definition the bundle serves validates a part of the request: request validation
   * (reading each part, collecting issues) is left out; the body limit is still enforced. Default: kept.
   */
  requestSchemas?: boolean;
}

/** A bundle in memory: the code and, when asked, its source map. */
export interface BundleOutput {
  readonly code: string;
  readonly map: string | undefined;
}

// ESM bundles that inline CommonJS dependencies need `require` for Node's builtins.
const ESM_REQUIRE_BANNER = "import { createRequire as __onefnCreateRequire } from 'node:module'; const require = __onefnCreateRequire(import.meta.url);";

/**
 * Bundles a module with esbuild for Node. Deterministic: the same sources give the same bytes (no
 * timestamps, no absolute paths in the output).
 *
 * @example
 * const { code } = await bundle({ entry: 'src/api.ts', external: ['@azure/functions'] })
 */
export async function bundle(options: BundleOptions): Promise<BundleOutput> {
  const result = await build({ ...esbuildOptions(options), banner: undefined });
  const code = result.outputFiles?.find((f) => f.path.endsWith('.js'));
  if (!code) throw new BuildError('BUILD_FAILED', 'esbuild produced no output');
  const map = result.outputFiles?.find((f) => f.path.endsWith('.map'))?.text;
  // The `require` banner only where the bundle calls require (a CommonJS dependency, or esbuild's shim
  // for one): a function built from ESM alone is spared its bytes. One line is added on top, so a
  // source map's generated lines move down by one (an empty first line in its mappings).
  if ((options.format ?? 'esm') === 'esm' && /\brequire\b/.test(code.text)) {
    return { code: `${ESM_REQUIRE_BANNER}\n${code.text}`, map: map === undefined ? undefined : shiftMapOneLine(map) };
  }
  return { code: code.text, map };
}

function shiftMapOneLine(map: string): string {
  const parsed = JSON.parse(map) as { mappings: string };
  parsed.mappings = `;${parsed.mappings}`;
  return JSON.stringify(parsed);
}

/**
 * Build-time constants the core folds away: `__ONEFN_CHECKED__` drops definition checks the planner
 * already ran; `__ONEFN_STREAMS__: false` drops the stream machinery from a function none of whose
 * definitions streams (such a function answers a streamed body with the same refusal as everywhere);
 * `__ONEFN_NO_BASE64__` drops the base64 decoder where no body can arrive base64; `__ONEFN_CORS__` and
 * `__ONEFN_SCHEMAS__` as false drop CORS and request validation from a bundle none of whose definitions
 * sets `cors` or a request schema.
 */
function defines(options: BundleOptions): Record<string, string> | undefined {
  const out: Record<string, string> = {};
  if (options.checkedDefinitions) out['__ONEFN_CHECKED__'] = 'true';
  if (options.streams === false) out['__ONEFN_STREAMS__'] = 'false';
  if (options.cors === false) out['__ONEFN_CORS__'] = 'false';
  if (options.requestSchemas === false) out['__ONEFN_SCHEMAS__'] = 'false';
  // Defined either way, so that no bundle keeps a run-time `typeof` check of it.
  out['__ONEFN_NO_BASE64__'] = options.noBase64Bodies ? 'true' : 'undefined';
  return out;
}

/** The esbuild options `bundle` builds with; the dev server watches with the same ones. */
export function esbuildOptions(options: BundleOptions): BuildOptions {
  const format = options.format ?? 'esm';
  const entry = options.entry;
  const config: BuildOptions = {
    bundle: true,
    write: false,
    platform: 'node',
    format,
    target: options.target ?? 'node20',
    minify: options.minify ?? true,
    legalComments: 'none',
    charset: 'utf8',
    logLevel: 'silent',
    external: [...(options.external ?? [])],
    packages: options.packagesExternal ? 'external' : undefined,
    sourcemap: options.sourcemap ? 'external' : false,
    outfile: 'index.js',
    plugins: options.plugins,
    define: defines(options),
    banner: format === 'esm' ? { js: ESM_REQUIRE_BANNER } : undefined,
    mainFields: format === 'esm' ? ['module', 'main'] : ['main', 'module'],
    conditions: format === 'esm' ? ['import', 'node'] : ['require', 'node'],
  };
  if (typeof entry === 'string') {
    config.entryPoints = [resolve(entry)];
    config.absWorkingDir = dirname(resolve(entry));
  } else {
    config.stdin = { contents: entry.contents, resolveDir: entry.resolveDir, sourcefile: entry.sourcefile ?? 'entry.ts', loader: 'ts' };
    config.absWorkingDir = entry.resolveDir;
  }
  return config;
}

function cacheDir(from: string): string {
  let dir = resolve(from);
  for (;;) {
    if (existsSync(join(dir, 'node_modules'))) return join(dir, 'node_modules', '.cache', 'onefn');
    const up = dirname(dir);
    if (up === dir) return join(resolve(from), '.onefn');
    dir = up;
  }
}

let loads = 0;
// Files written but not yet imported; only a process that exits mid-import leaves one, and exit removes it.
const importing = new Set<string>();
const removeImporting = (): void => {
  for (const file of importing) rmSync(file, { force: true });
};

/**
 * Imports bundled ESM code as a module beside `near`'s node_modules, so that its package imports
 * resolve there. The file is removed once imported: Node has read it by then, and a dev server that
 * reloads hundreds of times must not leave hundreds of files.
 */
export async function importBundle(code: string, near: string): Promise<Record<string, unknown>> {
  const dir = cacheDir(near);
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `module-${process.pid}-${++loads}.mjs`);
  if (importing.size === 0) process.once('exit', removeImporting);
  importing.add(file);
  try {
    writeFileSync(file, code);
    return (await import(pathToFileURL(file).href)) as Record<string, unknown>;
  } finally {
    importing.delete(file);
    if (importing.size === 0) process.off('exit', removeImporting);
    rmSync(file, { force: true });
  }
}

/**
 * Loads a user's module (TypeScript or JavaScript) as the deployed bundle would see it: bundled by
 * esbuild, with packages imported from the project's node_modules. Each call loads afresh, so the dev
 * server can reload after a change.
 *
 * @example
 * const mod = await loadModule('examples/hello/index.ts')
 * const plans = planFunctions(mod)
 */
export async function loadModule(entry: string): Promise<Record<string, unknown>> {
  const path = resolve(entry);
  if (!existsSync(path)) throw new BuildError('ENTRY_NOT_FOUND', `No such module: ${entry}`);
  const { code } = await bundle({ entry: path, minify: false, packagesExternal: true, sourcemap: false });
  return importBundle(code, dirname(path));
}
