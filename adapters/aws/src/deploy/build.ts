import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Plugin } from 'esbuild';
import { bundle, DeployOptionError, linkSourceMap, onlyExports, sha256Base64, zipFiles } from 'onefn/build';
import { hasSchemas, httpFeatures, planUses, type FunctionPlan } from 'onefn/runtime';

/** The Node.js runtimes a build targets. */
export const LAMBDA_RUNTIMES = ['nodejs20.x', 'nodejs22.x'] as const;
export type LambdaRuntime = (typeof LAMBDA_RUNTIMES)[number];

export interface LambdaArtifact {
  /** The planned function's name. */
  readonly name: string;
  readonly plan: FunctionPlan;
  readonly runtime: LambdaRuntime;
  /** Always `index.handler`: the zip's `index.mjs` exports `handler`. */
  readonly handler: 'index.handler';
  /** The deployment package, byte-identical for identical input. */
  readonly zip: Uint8Array;
  /** What Lambda reports as CodeSha256 for this zip. */
  readonly codeSha256: string;
  /** The bundled `index.mjs`. */
  readonly code: string;
  /** `index.mjs.map`, when built with `sourcemap`. */
  readonly map: string | undefined;
}


export interface BuildOptions {
  /** The user's module (TypeScript or JavaScript). */
  entry: string;
  /** The planned function this zip serves. */
  plan: FunctionPlan;
  /** Default `nodejs22.x`. */
  runtime?: LambdaRuntime;
  /** Leave `@aws-sdk/*` imports to the SDK the Lambda Node.js runtime ships. Default true. */
  externalAwsSdk?: boolean;
  /**
   * Which HTTP events an HTTP function is built to serve. `v2` (default): payload 2.0, what Function
   * URLs (the trigger `deploy` wires) and HTTP APIs send; the REST and ALB converters stay out of the
   * bundle. `all`: also API Gateway REST APIs (payload 1.0) and ALB, for a zip you put behind those.
   */
  httpEvents?: HttpEvents;
  /**
   * Put a source map beside `index.mjs` in the zip (`index.mjs.map`, linked from the code), so that
   * stack traces name the user's files and lines once the function runs with `NODE_OPTIONS=--enable-source-maps`
   * (what `deploy` with `sourcemap` sets). Default false.
   */
  sourcemap?: boolean;
}

/** The HTTP events a built HTTP function serves; see `BuildOptions.httpEvents`. */
export const HTTP_EVENTS = ['v2', 'all'] as const;
export type HttpEvents = (typeof HTTP_EVENTS)[number];

/**
 * Where this package's entry for generated code is: `dist/entry.js` beside the built deploy code,
 * or `src/entry.ts` when running from source. The bundle uses this copy so that the handler and the
 * deploy helper that planned it always agree.
 */
function runtimeEntry(): string | undefined {
  const here = dirname(fileURLToPath(import.meta.url));
  for (const candidate of ['entry.js', '../entry.ts']) {
    const path = resolve(here, candidate);
    if (existsSync(path)) return path;
  }
  // Bundled into something else: let esbuild find @onefn/aws from the user's project.
  return undefined;
}

function adapterPlugin(): Plugin {
  return {
    name: 'onefn-aws-runtime',
    setup(build) {
      const entry = runtimeEntry();
      if (entry) build.onResolve({ filter: /^@onefn\/aws\/entry$/ }, () => ({ path: entry }));
      const resources = entry && resolve(dirname(entry), entry.endsWith('.ts') ? 'resources.ts' : 'resources.js');
      if (resources && existsSync(resources)) build.onResolve({ filter: /^@onefn\/aws\/resources$/ }, () => ({ path: resources }));
    },
  };
}

/**
 * The generated handler module: the planned function's definitions, referenced by export name and
 * wrapped once at cold start. Naming them (rather than planning the module again at run time) lets the
 * bundler drop the planner and every converter the function does not use.
 */
export function handlerModule(entry: string, plan: FunctionPlan, httpEvents: HttpEvents = 'v2'): string {
  const refs = plan.exportNames.map((name) => `mod[${JSON.stringify(name)}]`);
  // A function with a streaming definition answers through Lambda's response stream (its Function URL is
  // deployed in RESPONSE_STREAM mode); built for every HTTP event, it stays buffered for API Gateway and ALB.
  const streaming = plan.kind === 'http' && plan.definitions.some((d) => d.trigger.stream);
  const wrapper = plan.kind !== 'http' ? 'lambdaEventHandler' : httpEvents === 'all' ? 'lambdaHttpHandler' : streaming ? 'lambdaHttpStreamHandler' : 'lambdaHttpV2Handler';
  const args = plan.kind === 'http' ? `[${refs.join(', ')}]` : refs[0];
  // Schemas run once at start-up (onefn's warmSchemas), so that a validator compiling itself does not
  // do it in the first request; only functions that have schemas carry the call.
  const warm = plan.kind === 'http' && plan.definitions.some(hasSchemas);
  // Only a function that declares a use imports the resource driver (and, at run time, the SDK).
  const usesResources = planUses(plan).length > 0;
  return [
    `import * as mod from ${JSON.stringify(resolve(entry))};`,
    `import { ${wrapper} } from '@onefn/aws/entry';`,
    ...(usesResources ? [`import { awsResources } from '@onefn/aws/resources';`] : []),
    ...(warm ? ["import { warmSchemas } from 'onefn/runtime';"] : []),
    `export const handler = ${wrapper}(${args}${usesResources ? ', { resources: awsResources }' : ''});`,
    ...(warm ? [`warmSchemas(${args});`] : []),
    '',
  ].join('\n');
}

/**
 * Bundles one planned function into a Lambda zip: ESM `index.mjs` exporting `handler`, minified,
 * deterministic (same input, same bytes, same CodeSha256).
 *
 * @example
 * const [plan] = planFunctions(await loadModule('src/api.ts'))
 * const artifact = await buildFunction({ entry: 'src/api.ts', plan })
 * writeFileSync('api.zip', artifact.zip)
 */
export async function buildFunction(options: BuildOptions): Promise<LambdaArtifact> {
  const runtime = options.runtime ?? 'nodejs22.x';
  const httpEvents = options.httpEvents ?? 'v2';
  if (!(HTTP_EVENTS as readonly string[]).includes(httpEvents)) throw new DeployOptionError('httpEvents', `must be one of ${HTTP_EVENTS.join(', ')}, got ${JSON.stringify(httpEvents)}`);
  const entry = resolve(options.entry);
  const sourcemap = options.sourcemap === true;
  const built = await bundle({
    entry: { contents: handlerModule(entry, options.plan, httpEvents), resolveDir: dirname(entry), sourcefile: 'onefn-lambda-entry.ts' },
    format: 'esm',
    target: runtime === 'nodejs20.x' ? 'node20' : 'node22',
    external: options.externalAwsSdk === false ? [] : ['@aws-sdk/*'],
    // Only this function's definitions (and what they use) from the user's module: not its siblings'.
    plugins: [adapterPlugin(), onlyExports(entry, options.plan.exportNames, { sourcemap })],
    sourcemap,
    // Planning (above, or by the caller) made every definition, so onefn's checks have run.
    checkedDefinitions: true,
    // Stream, CORS and validation code only where this function's definitions use them.
    ...httpFeatures([options.plan]),
  });
  const map = sourcemap ? built.map : undefined;
  // Node finds the map through this comment, relative to index.mjs.
  const code = map === undefined ? built.code : linkSourceMap(built.code, 'index.mjs.map');
  const zip = zipFiles(map === undefined ? { 'index.mjs': code } : { 'index.mjs': code, 'index.mjs.map': map });
  return { name: options.plan.name, plan: options.plan, runtime, handler: 'index.handler', zip, codeSha256: sha256Base64(zip), code, map };
}
