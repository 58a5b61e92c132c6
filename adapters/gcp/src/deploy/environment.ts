import { withSourceMaps } from 'onefn/build';
import type { FunctionPlan } from 'onefn/runtime';
import { placeOf, type DeployOptions } from './options.js';
import { resourceBindings } from './resources.js';

/** A variable the user asked for that the deploy leaves out, and why. Never its value: it may be a secret. */
export interface IgnoredVariable {
  readonly name: string;
  readonly reason: string;
}

// Set by Cloud Run for every function; the container contract reserves them
// (https://cloud.google.com/run/docs/configuring/services/overview-environment-variables#reserved),
// and functions-framework reads FUNCTION_TARGET to pick the function to serve.
const RESERVED = ['FUNCTION_TARGET', 'FUNCTION_SIGNATURE_TYPE', 'K_SERVICE', 'K_REVISION', 'K_CONFIGURATION', 'PORT'];

/**
 * The function's environment: the definition's `env`, then the deploy's `env`, then what onefn relies
 * on, which wins. `NODE_ENV=production` keeps Express (which parses bodies before any function runs)
 * from answering a malformed body with a stack trace; `GOOGLE_CLOUD_PROJECT` names the project in
 * log traces. A user value that would override either, or a variable Cloud Run reserves, is left out
 * and reported, so the plan says what will not take effect.
 */
export function functionEnvironment(plan: FunctionPlan, options: Pick<DeployOptions, 'project' | 'env' | 'sourcemap'>): { variables: Record<string, string>; ignored: IgnoredVariable[] } {
  const { project } = placeOf(options as DeployOptions);
  const owned: Record<string, { value: string; why: string }> = {
    NODE_ENV: { value: 'production', why: 'onefn deploys with NODE_ENV=production so that Express never answers a malformed body with a stack trace' },
    GOOGLE_CLOUD_PROJECT: { value: project, why: `onefn sets it to the project deployed to (${project}); log lines name their trace with it` },
  };
  // With a source map in the archive, Node's source-map support; a user's own NODE_OPTIONS are kept before it.
  if (options.sourcemap) {
    const value = withSourceMaps({ ...plan.settings.env, ...options.env }['NODE_OPTIONS']);
    owned['NODE_OPTIONS'] = { value, why: `onefn sets it to ${value} for --sourcemap` };
  }
  // Where the function's declared resources are, for @onefn/gcp/resources.
  for (const [name, value] of Object.entries(resourceBindings(plan, project).env)) {
    owned[name] = { value, why: `onefn sets it from the definition's uses (${value})` };
  }
  const variables: Record<string, string> = {};
  for (const [name, { value }] of Object.entries(owned)) variables[name] = value;
  const ignored: IgnoredVariable[] = [];
  for (const [name, value] of Object.entries({ ...plan.settings.env, ...options.env })) {
    const mine = owned[name];
    if (mine) {
      if (value !== mine.value) ignored.push({ name, reason: mine.why });
    } else if (RESERVED.includes(name) || name.startsWith('X_GOOGLE_')) {
      ignored.push({ name, reason: 'reserved by Cloud Run, which sets it itself' });
    } else {
      variables[name] = value;
    }
  }
  return { variables, ignored };
}
