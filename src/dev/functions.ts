import type { EventDefinition, HttpDefinition } from '../onefn/definition.js';
import { OnefnError } from '../onefn/errors.js';
import type { PortableRequest } from '../onefn/http.js';
import { planFunctions, type FunctionPlan } from '../runtime/plan.js';
import { matchRoute } from '../onefn/route.js';
import { createRouter, type Router } from '../runtime/router.js';

/** What an invocation of a deployed function gets: its name, and its timeout as deployed. */
export interface DevFunction {
  readonly name: string;
  readonly timeoutMs: number;
  /** The definition's `env`: what the deployed function is given. */
  readonly env: Readonly<Record<string, string>> | undefined;
}

/** When a definition sets no timeout; what the dev server has always given. */
const DEFAULT_TIMEOUT_S = 60;

/** One loaded version of the module, ready to serve. */
export interface Served {
  readonly plans: readonly FunctionPlan[];
  /** Every HTTP definition, routed together: locally they share one server. */
  readonly router: Router;
  readonly events: ReadonlyMap<string, { readonly definition: EventDefinition; readonly fn: DevFunction }>;
  readonly maxBody: number;
  /** Which deployed function each HTTP definition belongs to. */
  readonly owners: ReadonlyMap<HttpDefinition, DevFunction>;
  /** The function that answers what no definition matches (a 404, say). */
  readonly fallback: DevFunction;
  /** Set when one function serves every HTTP definition: no need to look. */
  readonly only: DevFunction | undefined;
}

const fnOf = (plan: FunctionPlan): DevFunction => ({ name: plan.name, timeoutMs: (plan.settings.timeout ?? DEFAULT_TIMEOUT_S) * 1000, env: plan.settings.env });

/** Plans a module as deploy does, so that each invocation gets its deployed function's name and timeout. */
export function serve(moduleNamespace: Record<string, unknown>, entry: string): Served {
  const plans = planFunctions(moduleNamespace);
  const http: HttpDefinition[] = [];
  const owners = new Map<HttpDefinition, DevFunction>();
  const events = new Map<string, { definition: EventDefinition; fn: DevFunction }>();
  let httpFunctions = 0;
  for (const plan of plans) {
    if (plan.kind === 'http') {
      const fn = fnOf(plan);
      httpFunctions++;
      for (const def of plan.definitions) {
        http.push(def);
        owners.set(def, fn);
      }
    } else events.set(plan.name, { definition: plan.definition, fn: fnOf(plan) });
  }
  if (!http.length && !events.size) throw new OnefnError('NO_DEFINITIONS', `${entry} exports no onefn definition`);
  const router = createRouter(http);
  const fallback = owners.get(router.definitions[0] as HttpDefinition) ?? { name: 'http', timeoutMs: DEFAULT_TIMEOUT_S * 1000, env: undefined };
  return {
    plans,
    router,
    events,
    maxBody: Math.max(1024 * 1024, ...http.map((d) => d.trigger.bodyLimit)),
    owners,
    fallback,
    only: httpFunctions === 1 ? fallback : undefined,
  };
}

function methodMatches(def: HttpDefinition, method: string): boolean {
  const { methods } = def.trigger;
  return methods === 'ANY' || (methods as readonly string[]).includes(method) || (method === 'HEAD' && methods.includes('GET'));
}

/**
 * The function the router will run for a request: the first definition, in the router's order, whose
 * route and method match. Locally all HTTP definitions share one server, while deployed, standalone
 * ones are functions of their own with their own timeouts.
 */
export function functionFor(served: Served, req: PortableRequest): DevFunction {
  if (served.only) return served.only;
  try {
    for (const def of served.router.definitions) {
      const route = def.trigger.route;
      if ((!route || matchRoute(route, req.path)) && methodMatches(def, req.method)) return served.owners.get(def) ?? served.fallback;
    }
  } catch {
    // A path the router cannot decode: it answers 400 itself, at once.
  }
  return served.fallback;
}
