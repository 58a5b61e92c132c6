import { http } from '@google-cloud/functions-framework';
import { DefinitionError, isDefinition, type Definition } from 'onefn';
import { planFunctions, type FunctionPlan } from 'onefn/runtime';
import { toEventFunction } from './event-function.js';
import { toHttpFunction } from './http-function.js';
import type { GcpOptions } from './options.js';
import { FRAMEWORK_NAME } from './target-name.js';


/**
 * Registers every function a module plans to (see `planFunctions`) with functions-framework, under
 * its planned name: the name to pass as `--target` (and the deploy helper's entry point). HTTP
 * definitions go in as one routed HTTP function; each event definition as an HTTP function that
 * accepts CloudEvents, push envelopes and legacy events (see `toEventFunction` for why).
 *
 * @example
 * // index.ts, the deployed entry
 * import { register } from '@onefn/gcp'
 * import * as api from './api.js'
 * register(api)   // functions-framework --target=api
 */
export function register(source: Readonly<Record<string, unknown>> | Definition, options: GcpOptions & { routedName?: string } = {}): FunctionPlan[] {
  const { routedName, ...rest } = options;
  const namespace = isDefinition(source) ? { [source.settings.name ?? 'function']: source } : source;
  const plans = planFunctions(namespace, { routedName: routedName ?? 'http' });
  if (!plans.length) throw new DefinitionError('source', 'register() found no onefn definitions in what it was given');
  for (const plan of plans) {
    if (!FRAMEWORK_NAME.test(plan.name)) {
      throw new DefinitionError('name', `"${plan.name}" cannot be a functions-framework target (letters, digits, "-" and "_", ending in a letter or digit)`);
    }
  }
  for (const plan of plans) {
    const fn = plan.kind === 'http' ? toHttpFunction(plan.definitions, { ...rest, name: plan.name }) : toEventFunction(plan.definition, { ...rest, name: plan.name });
    http(plan.name, fn as Parameters<typeof http>[1]);
  }
  return plans;
}
