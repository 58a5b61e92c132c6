import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundle, DeployOptionError, linkSourceMap, loadModule, sha256Base64, zipFiles } from 'onefn/build';
import { hasSchemas, httpFeatures, planFunctions, planUses } from 'onefn/runtime';
import { type AzureFunctionSpec, functionSpecs } from '../bindings.js';
import { type AzureOptions, type ResolvedOptions, resolveOptions } from '../options.js';
import { AzurePackageError } from './errors.js';
import { needsServiceBus, serviceBusNeeds } from './service-bus.js';

/** The hosting plan: Flex Consumption (FC1) or the classic Linux Consumption plan (Y1). */
export type AzurePlan = 'flex' | 'consumption';

export interface BuildOptions {
  /** The module whose definitions become the app's functions. */
  entry: string;
  /** Default `flex`. Sets the default and the limit of `functionTimeout`. */
  plan?: AzurePlan;
  /** Seconds. Default: the longest `timeout` among the definitions, else the plan's default. */
  functionTimeout?: number;
  /** Options passed to `register` in the generated entry (routePrefix, messaging, ...). */
  adapter?: Omit<AzureOptions, 'functionTimeout'>;
  /**
   * Put `dist/index.mjs.map` beside the bundle (linked from it), for stack traces in the user's files
   * once the app runs with `NODE_OPTIONS=--enable-source-maps` (what `deploy` with `sourcemap` sets). Default false.
   */
  sourcemap?: boolean;
}

export interface FunctionAppPackage {
  /** Path in the zip -> content: host.json, package.json, dist/index.mjs. */
  readonly files: Readonly<Record<string, string>>;
  readonly zip: Uint8Array;
  /** base64 SHA-256 of the zip: the same sources give the same hash. */
  readonly sha256: string;
  readonly functions: readonly AzureFunctionSpec[];
  readonly functionTimeout: number;
  readonly routePrefix: string;
}

// functionTimeout defaults and limits per plan, in seconds: Consumption 5 min (max 10), Flex
// Consumption 30 min (unbounded; 4 h is what onefn allows).
// https://learn.microsoft.com/azure/azure-functions/functions-scale#timeout
const TIMEOUTS: Record<AzurePlan, { default: number; max: number }> = {
  consumption: { default: 300, max: 600 },
  flex: { default: 1800, max: 4 * 3600 },
};

function hhmmss(seconds: number): string {
  const pad = (n: number): string => String(n).padStart(2, '0');
  return `${pad(Math.floor(seconds / 3600))}:${pad(Math.floor((seconds % 3600) / 60))}:${pad(seconds % 60)}`;
}

/** The runtime entry beside this module: sources in the repository, dist/ when installed. */
function runtimeEntry(): { file: string; fromSource: boolean } {
  const here = dirname(fileURLToPath(import.meta.url));
  for (const file of [join(here, 'entry.js'), join(here, '..', 'entry.ts')]) if (existsSync(file)) return { file, fromSource: file.endsWith('.ts') };
  throw new AzurePackageError(`@onefn/azure: cannot find its runtime entry to bundle (looked beside ${here}); reinstall @onefn/azure`);
}

/**
 * The generated entry: each planned function registered with its own handler and the options
 * resolved here, the definitions referenced by export name. Naming them (rather than planning the
 * module again at start-up) lets the bundler drop the planner and every converter no function uses.
 */
export function entryModule(entry: string, functions: readonly AzureFunctionSpec[], options: ResolvedOptions, usesResources = false): string {
  const verbs = [...new Set(functions.map((f) => (f.plan.kind === 'http' ? 'registerHttpFunction' : 'registerEventFunction')))].sort();
  // Only what the handlers read at run time (RuntimeOptions): the rest shaped the bindings
  // (functionSpecs) already; the resource driver is told the messaging and connection settings here.
  const settings = { routePrefix: options.routePrefix, functionTimeout: options.functionTimeout };
  const driver = { messaging: options.messaging, storageConnection: options.storageConnection, serviceBusConnection: options.serviceBusConnection };
  const lines = [
    `import { ${verbs.join(', ')} } from '@onefn/azure/entry';`,
    ...(usesResources ? [`import { azureResources } from '@onefn/azure/resources';`] : []),
    `import * as mod from ${JSON.stringify(entry)};`,
    `const options = ${usesResources ? `{ ...${JSON.stringify(settings)}, resources: azureResources.configure(${JSON.stringify(driver)}) }` : JSON.stringify(settings)};`,
  ];
  // Schemas run once at start-up (onefn's warmSchemas), so that a validator compiling itself does not
  // do it in the first request; only functions that have schemas carry the call.
  const warmed = functions.filter((f) => f.plan.kind === 'http' && f.plan.definitions.some(hasSchemas));
  if (warmed.length) lines.splice(1, 0, "import { warmSchemas } from 'onefn/runtime';");
  for (const fn of functions) {
    const refs = fn.plan.exportNames.map((n) => `mod[${JSON.stringify(n)}]`);
    const defs = fn.plan.kind === 'http' ? `[${refs.join(', ')}]` : refs[0];
    lines.push(`${fn.plan.kind === 'http' ? 'registerHttpFunction' : 'registerEventFunction'}(${JSON.stringify(fn.name)}, ${JSON.stringify(fn.trigger)}, ${defs}, options);`);
    if (warmed.includes(fn)) lines.push(`warmSchemas(${defs});`);
  }
  return `${lines.join('\n')}\n`;
}

/**
 * Builds the function app package: host.json (extension bundle v4, functionTimeout, route prefix), a
 * package.json whose `main` is the bundled entry, and the entry itself, which imports the user's module
 * and calls `register` with the same options. @azure/functions is bundled in, so the zip needs no
 * node_modules and no remote build; `@azure/functions-core` stays external because the Node worker
 * provides it by intercepting `require`. The zip is deterministic.
 *
 * @example
 * const pkg = await buildFunctionApp({ entry: 'src/api.ts', plan: 'flex' })
 * await writeFunctionApp(pkg, 'out/azure')
 */
export async function buildFunctionApp(options: BuildOptions): Promise<FunctionAppPackage> {
  const plan = options.plan ?? 'flex';
  if (plan !== 'flex' && plan !== 'consumption') throw new DeployOptionError('plan', `must be flex or consumption, got ${JSON.stringify(plan)}`);
  const entry = resolve(options.entry);
  if (!existsSync(entry)) throw new DeployOptionError('entry', `no such module: ${options.entry}`);
  const plans = planFunctions(await loadModule(entry), { routedName: options.adapter?.routedName });
  const longest = Math.max(0, ...plans.map((p) => p.settings.timeout ?? 0));
  const limits = TIMEOUTS[plan];
  const functionTimeout = options.functionTimeout ?? (longest || limits.default);
  if (!Number.isInteger(functionTimeout) || functionTimeout < 1 || functionTimeout > limits.max) {
    throw new DeployOptionError('functionTimeout', `must be whole seconds from 1 to ${limits.max} on the ${plan} plan, got ${JSON.stringify(functionTimeout)}`);
  }
  const adapter: AzureOptions = { ...options.adapter, functionTimeout };
  const resolved = resolveOptions(adapter);
  const functions = functionSpecs(plans, resolved);
  if (!functions.length) throw new DeployOptionError('entry', `${options.entry} exports no onefn definitions`);
  const runtime = runtimeEntry();
  // Only an app with a function that declares a use imports the resource driver (and the storage SDKs).
  const usesResources = plans.some((p) => planUses(p).length > 0);
  const source = entryModule(entry, functions, resolved, usesResources);
  // An app that sends nothing to Service Bus does not carry its client (about 180 KB gzip).
  const withoutServiceBus = !needsServiceBus(serviceBusNeeds(functions, resolved));
  const repo = resolve(dirname(runtime.file), '..', '..', '..', 'src');
  const sourcemap = options.sourcemap === true;
  const built = await bundle({
    entry: { contents: source, resolveDir: dirname(entry), sourcefile: 'azure-entry.ts' },
    sourcemap,
    format: 'esm',
    external: ['@azure/functions-core'],
    // Planning (above) made every definition, so onefn's checks have run.
    checkedDefinitions: true,
    // HTTP requests arrive as bytes; only messages can carry base64.
    noBase64Bodies: functions.every((f) => f.plan.kind === 'http'),
    // Stream, CORS and validation code only where the definitions use them.
    ...httpFeatures(plans),
    plugins: [
      {
        name: 'onefn-azure-runtime',
        setup(build) {
          build.onResolve({ filter: /^@onefn\/azure\/entry$/ }, () => ({ path: runtime.file }));
          build.onResolve({ filter: /^@onefn\/azure\/resources$/ }, () => ({ path: join(dirname(runtime.file), runtime.fromSource ? 'resources.ts' : 'resources.js') }));
          if (withoutServiceBus) {
            build.onResolve({ filter: /^@azure\/service-bus$/ }, () => ({ path: 'service-bus', namespace: 'onefn-absent' }));
            build.onLoad({ filter: /.*/, namespace: 'onefn-absent' }, () => ({ contents: 'export const ServiceBusClient = undefined;', loader: 'js' }));
          }
          // From the repository's sources, the core resolves to its sources too (no build needed).
          if (runtime.fromSource && existsSync(join(repo, 'onefn', 'index.ts'))) {
            build.onResolve({ filter: /^onefn(\/runtime)?$/ }, (args) => ({ path: join(repo, args.path === 'onefn' ? 'onefn/index.ts' : 'runtime/index.ts') }));
          }
        },
      },
    ],
  });
  const map = sourcemap ? built.map : undefined;
  const code = map === undefined ? built.code : linkSourceMap(built.code, 'index.mjs.map');
  const host = {
    version: '2.0',
    functionTimeout: hhmmss(functionTimeout),
    extensionBundle: { id: 'Microsoft.Azure.Functions.ExtensionBundle', version: '[4.*, 5.0.0)' },
    extensions: { http: { routePrefix: resolved.routePrefix } },
    logging: { applicationInsights: { samplingSettings: { isEnabled: true, excludedTypes: 'Request' } } },
  };
  const pkg = { name: 'onefn-function-app', version: '1.0.0', private: true, type: 'module', main: 'dist/index.mjs' };
  const files = {
    'host.json': JSON.stringify(host, null, 2) + '\n',
    'package.json': JSON.stringify(pkg, null, 2) + '\n',
    'dist/index.mjs': code,
    ...(map === undefined ? {} : { 'dist/index.mjs.map': map }),
  };
  const zip = zipFiles(files);
  return { files, zip, sha256: sha256Base64(zip), functions, functionTimeout, routePrefix: resolved.routePrefix };
}

/** Writes the package's files and `app.zip` under `out`. */
export async function writeFunctionApp(pkg: FunctionAppPackage, out: string): Promise<string[]> {
  const written: string[] = [];
  for (const [path, content] of Object.entries(pkg.files)) {
    const file = join(out, path);
    await mkdir(dirname(file), { recursive: true });
    await writeFile(file, content);
    written.push(file);
  }
  const zip = join(out, 'app.zip');
  await writeFile(zip, pkg.zip);
  written.push(zip);
  return written;
}
