import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BuildError, bundle, linkSourceMap, loadModule, sha256Base64, zipFiles, type ArchiveFiles } from 'onefn/build';
import { DefinitionError } from 'onefn';
import { hasSchemas, httpFeatures, planFunctions, planUses, type FunctionPlan } from 'onefn/runtime';
import type { Plugin } from 'esbuild';
import { FRAMEWORK_NAME } from '../native.js';
import { OUTPUT_PACKAGES } from '../packages.js';

export interface BuildOptions {
  /** The module exporting the definitions (TypeScript or JavaScript). */
  entry: string;
  /** Name of the routed HTTP function when several HTTP definitions share one. Default "http". */
  routedName?: string;
  /** The functions-framework version the archive depends on. Default: the installed one. */
  frameworkVersion?: string;
  /**
   * Put `index.js.map` beside `index.js` (linked from it), for stack traces in the user's files once the
   * function runs with `NODE_OPTIONS=--enable-source-maps` (what `deploy` with `sourcemap` sets). Default false.
   */
  sourcemap?: boolean;
}

/** A source archive ready for `generateUploadUrl` + upload, and what it deploys as. */
export interface BuiltArchive {
  /** The zip: `index.js` (the bundle) and `package.json`. */
  readonly zip: Uint8Array;
  readonly files: ArchiveFiles;
  readonly sha256: string;
  /** The functions in it; each plan's name is its entry point (`--target`). */
  readonly plans: FunctionPlan[];
}

const here = dirname(fileURLToPath(import.meta.url));

/** The client versions @onefn/gcp/resources is tested with, installed by Cloud Build for functions that use resources. */
const RESOURCE_CLIENTS: Record<string, string> = Object.fromEntries(OUTPUT_PACKAGES.map((p) => [p.name, p.version]));

/**
 * Running from the sources (tests), `@onefn/gcp` and `onefn` are bundled from the sources too, so an
 * archive never depends on a stale `dist`. Installed, the packages resolve as usual.
 */
function sourceAliases(): Plugin[] {
  const gcpSource = resolve(here, '../entry.ts');
  if (!import.meta.url.endsWith('.ts') || !existsSync(gcpSource)) return [];
  const core = resolve(here, '../../../../src');
  const map: Record<string, string> = { '@onefn/gcp/entry': gcpSource, '@onefn/gcp/resources': resolve(here, '../resources.ts'), onefn: `${core}/onefn/index.ts`, 'onefn/runtime': `${core}/runtime/index.ts` };
  return [{ name: 'onefn-sources', setup: (b) => b.onResolve({ filter: /^(@onefn\/gcp\/entry|@onefn\/gcp\/resources|onefn|onefn\/runtime)$/ }, (a) => ({ path: map[a.path] as string })) }];
}

// The framework's "exports" hide its package.json, so find it above its resolved main file.
function frameworkVersionFrom(requireFrom: NodeRequire): string | undefined {
  try {
    let dir = dirname(requireFrom.resolve('@google-cloud/functions-framework'));
    for (let i = 0; i < 5; i++, dir = dirname(dir)) {
      const file = join(dir, 'package.json');
      if (!existsSync(file)) continue;
      const pkg = JSON.parse(readFileSync(file, 'utf8')) as { name?: string; version?: string };
      if (pkg.name === '@google-cloud/functions-framework') return pkg.version;
    }
  } catch {
    // not installed there
  }
  return undefined;
}

function installedFrameworkVersion(from: string): string {
  const version = frameworkVersionFrom(createRequire(resolve(from, 'index.js'))) ?? frameworkVersionFrom(createRequire(import.meta.url));
  if (!version) throw new BuildError('BUILD_FAILED', '@google-cloud/functions-framework is not installed; install it or pass frameworkVersion');
  return version;
}

/**
 * The generated entry: each planned function registered under its name with the wrapper its kind
 * takes, its definitions referenced by export name. Naming them (rather than planning the module
 * again at cold start, as `register()` does) lets the bundler drop the planner, and an HTTP-only
 * module carries none of the event converters, as on AWS.
 */
export function entryModule(entry: string, plans: readonly FunctionPlan[]): string {
  const wrappers = [...new Set(plans.map((p) => (p.kind === 'http' ? 'toHttpFunction' : 'toEventFunction')))].sort();
  const lines = [
    "import { http } from '@google-cloud/functions-framework';",
    `import { ${wrappers.join(', ')} } from '@onefn/gcp/entry';`,
    `import * as mod from ${JSON.stringify(entry)};`,
  ];
  // Schemas run once at start-up (onefn's warmSchemas), so that a validator compiling itself does not
  // do it in the first request; only functions that have schemas carry the call.
  const warmed = plans.filter((p) => p.kind === 'http' && p.definitions.some(hasSchemas));
  if (warmed.length) lines.push("import { warmSchemas } from 'onefn/runtime';");
  // Only functions that declare a use get the resource driver (and, at run time, Google's clients).
  if (plans.some((p) => planUses(p).length)) lines.push("import { gcpResources } from '@onefn/gcp/resources';");
  for (const plan of plans) {
    const name = JSON.stringify(plan.name);
    const refs = plan.exportNames.map((n) => `mod[${JSON.stringify(n)}]`);
    const options = planUses(plan).length ? `{ name: ${name}, resources: gcpResources }` : `{ name: ${name} }`;
    const wrapped = plan.kind === 'http' ? `toHttpFunction([${refs.join(', ')}], ${options})` : `toEventFunction(${refs[0]}, ${options})`;
    lines.push(`http(${name}, ${wrapped});`);
    if (warmed.includes(plan)) lines.push(`warmSchemas([${refs.join(', ')}]);`);
  }
  return lines.join('\n') + '\n';
}

/**
 * Builds the source archive Cloud Functions (2nd gen) builds from: the module bundled with onefn into
 * `index.js`, which registers every planned function with functions-framework, and a `package.json`
 * whose `main` is that file and whose one dependency is the framework (left out of the bundle: the
 * `functions-framework` binary must share its function registry). Deterministic: no timestamps, no
 * absolute paths, sorted zip entries.
 *
 * @example
 * const { zip, plans } = await buildArchive({ entry: 'src/api.ts' })
 */
export async function buildArchive(options: BuildOptions): Promise<BuiltArchive> {
  const entry = resolve(options.entry);
  if (!existsSync(entry)) throw new BuildError('ENTRY_NOT_FOUND', `No such module: ${options.entry}`);
  const plans = planFunctions(await loadModule(entry), { routedName: options.routedName ?? 'http' });
  if (!plans.length) throw new DefinitionError('entry', `${options.entry} exports no onefn definitions`);
  for (const plan of plans) {
    if (!FRAMEWORK_NAME.test(plan.name)) throw new DefinitionError('name', `"${plan.name}" cannot be a functions-framework target (letters, digits, "-" and "_", ending in a letter or digit)`);
  }
  const sourcemap = options.sourcemap === true;
  const built = await bundle({
    entry: { contents: entryModule(entry, plans), resolveDir: dirname(entry), sourcefile: 'onefn-gcp-entry.ts' },
    format: 'esm',
    // Google's clients load protos and native-looking modules at run time: installed from package.json, not bundled.
    external: ['@google-cloud/functions-framework', '@google-cloud/pubsub', '@google-cloud/storage'],
    plugins: sourceAliases(),
    // Planning (above, or by the caller) made every definition, so onefn's checks have run.
    checkedDefinitions: true,
    // HTTP requests arrive as bytes; only Pub/Sub messages carry base64.
    noBase64Bodies: plans.every((p) => p.kind === 'http'),
    // Stream, CORS and validation code only where the definitions use them.
    ...httpFeatures(plans),
    sourcemap,
  });
  const map = sourcemap ? built.map : undefined;
  const code = map === undefined ? built.code : linkSourceMap(built.code, 'index.js.map');
  const pkg = {
    name: 'onefn-function',
    version: '0.0.0',
    private: true,
    type: 'module',
    main: 'index.js',
    engines: { node: '>=20' },
    dependencies: {
      '@google-cloud/functions-framework': options.frameworkVersion ?? installedFrameworkVersion(dirname(entry)),
      ...(plans.some((p) => planUses(p).length) ? RESOURCE_CLIENTS : {}),
    },
  };
  const files: ArchiveFiles = { 'index.js': code, ...(map === undefined ? {} : { 'index.js.map': map }), 'package.json': JSON.stringify(pkg, null, 2) + '\n' };
  const zip = zipFiles(files);
  return { zip, files, sha256: sha256Base64(zip), plans };
}
