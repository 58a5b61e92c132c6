// Each case as its provider runs it: onefn's functions built by the adapters' own deploy helpers, and
// the hand-written functions and peers bundled the same way (esbuild, minified, the same externals),
// so that bundle sizes, import times and steady-state code compare like for like.
import { basename } from 'node:path';
import { bundle, loadModule } from 'onefn/build';
import { planFunctions } from 'onefn/runtime';
import { buildFunction } from '@onefn/aws/deploy';
import { buildFunctionApp } from '@onefn/azure/deploy';
import { buildArchive } from '@onefn/gcp/deploy';
import { bench, cached } from './paths.js';

export type Provider = 'aws' | 'gcp' | 'azure';

export interface BuiltCase {
  /** The bundle on disk, which a case process imports. */
  readonly file: string;
  readonly code: string;
  /** The function's name on the provider (GCP's target, Azure's function name). */
  readonly name: string;
}

const out = (provider: Provider, kind: string, entry: string): string => `cases/${provider}/${kind}-${basename(entry, '.ts')}.mjs`;

/** One onefn function, built for `provider` by its deploy helper from a module under bench/. */
export async function buildOnefn(provider: Provider, entry: string): Promise<BuiltCase> {
  const path = bench(entry);
  if (provider === 'aws') {
    const [plan] = planFunctions(await loadModule(path));
    if (!plan) throw new Error(`${entry} exports no definition`);
    // The bench runs on Node 20, so the bundle targets nodejs20.x.
    const { code } = await buildFunction({ entry: path, plan, runtime: 'nodejs20.x' });
    return { file: cached(out(provider, 'onefn', entry), code), code, name: plan.name };
  }
  if (provider === 'gcp') {
    const archive = await buildArchive({ entry: path });
    const code = archive.files['index.js'] as string;
    return { file: cached(out(provider, 'onefn', entry), code), code, name: (archive.plans[0] as { name: string }).name };
  }
  const app = await buildFunctionApp({ entry: path });
  const code = app.files['dist/index.mjs'] as string;
  return { file: cached(out(provider, 'onefn', entry), code), code, name: (app.functions[0] as { name: string }).name };
}

/** What each provider's build leaves to the platform (the same externals the deploy helpers set). */
const EXTERNAL: Record<Provider, string[]> = {
  aws: ['@aws-sdk/*'],
  gcp: ['@google-cloud/functions-framework'],
  azure: ['@azure/functions-core'],
};

/** A hand-written function or a peer's, bundled as the deploy helper bundles onefn's. */
export async function buildNative(provider: Provider, entry: string, name: string): Promise<BuiltCase> {
  const { code } = await bundle({ entry: bench(entry), format: 'esm', target: 'node20', external: EXTERNAL[provider] });
  return { file: cached(out(provider, 'native', entry), code), code, name };
}
