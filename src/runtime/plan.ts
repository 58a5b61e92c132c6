import { type Definition, type EventDefinition, type FunctionSettings, type HttpDefinition, isDefinition } from '../onefn/definition.js';
import { DefinitionError } from '../onefn/errors.js';
import { hasSchemas } from './warm.js';
import type { ResourceAction, ResourceUse } from '../resources/handles.js';

/** One deployable function: a routed group of HTTP definitions, or one event definition. */
export type FunctionPlan =
  | {
      readonly kind: 'http';
      readonly name: string;
      readonly exportNames: readonly string[];
      readonly definitions: readonly HttpDefinition[];
      readonly settings: Readonly<FunctionSettings>;
      readonly public: boolean;
    }
  | {
      readonly kind: EventDefinition['kind'];
      readonly name: string;
      readonly exportNames: readonly [string];
      readonly definition: EventDefinition;
      readonly settings: Readonly<FunctionSettings>;
    };

/** Every definition a module exports, with its export name, in export order. */
export function collectDefinitions(moduleNamespace: Readonly<Record<string, unknown>>): Array<{ exportName: string; definition: Definition }> {
  const out: Array<{ exportName: string; definition: Definition }> = [];
  for (const [exportName, value] of Object.entries(moduleNamespace)) {
    if (exportName !== 'default' && isDefinition(value)) out.push({ exportName, definition: value });
  }
  // A default export that repeats a named definition is the same function, not a second one.
  const fallback = moduleNamespace['default'];
  if (isDefinition(fallback) && !out.some((d) => d.definition === fallback)) out.push({ exportName: 'default', definition: fallback });
  return out;
}

function mergeSettings(defs: ReadonlyArray<{ exportName: string; definition: Definition }>, name: string): FunctionSettings {
  const env: Record<string, string> = {};
  let memory: number | undefined;
  let timeout: number | undefined;
  for (const { exportName, definition } of defs) {
    const s = definition.settings;
    if (s.memory !== undefined) memory = Math.max(memory ?? 0, s.memory);
    if (s.timeout !== undefined) timeout = Math.max(timeout ?? 0, s.timeout);
    for (const [key, value] of Object.entries(s.env ?? {})) {
      if (key in env && env[key] !== value) {
        throw new DefinitionError('env', `${key} differs between the definitions routed together in "${name}" (${exportName}); make one standalone`);
      }
      env[key] = value;
    }
  }
  const out: FunctionSettings = { name };
  if (memory !== undefined) out.memory = memory;
  if (timeout !== undefined) out.timeout = timeout;
  if (Object.keys(env).length) out.env = env;
  return out;
}

/**
 * Splits a module's definitions into deployable functions. HTTP definitions form one routed function
 * named `routedName` (or the `name` they agree on), except `standalone` ones; every event definition
 * is a function of its own, named by its `name` setting or its export name. Deploy helpers and the dev
 * server all plan through this, so they agree on what a module deploys as.
 *
 * @example
 * const plans = planFunctions(await import('./api.js'), { routedName: 'api' })
 */
export function planFunctions(moduleNamespace: Readonly<Record<string, unknown>>, options: { routedName?: string } = {}): FunctionPlan[] {
  const found = collectDefinitions(moduleNamespace);
  const plans: FunctionPlan[] = [];
  const routed = found.filter((d): d is { exportName: string; definition: HttpDefinition } => d.definition.kind === 'http' && !d.definition.trigger.standalone);
  if (routed.length) {
    const names = new Set(routed.map((d) => d.definition.settings.name).filter((n): n is string => !!n));
    if (names.size > 1) throw new DefinitionError('name', `HTTP definitions routed together name different functions: ${[...names].join(', ')}`);
    const name = [...names][0] ?? (routed.length === 1 ? (routed[0] as { exportName: string }).exportName : options.routedName ?? 'http');
    const publics = new Set(routed.map((d) => d.definition.trigger.public));
    if (publics.size > 1) {
      throw new DefinitionError('public', `"${name}" routes public and non-public definitions together, but access is set per function; mark the odd ones standalone`);
    }
    plans.push({
      kind: 'http',
      name,
      exportNames: routed.map((d) => d.exportName),
      definitions: routed.map((d) => d.definition),
      settings: mergeSettings(routed, name),
      public: publics.has(true),
    });
  }
  for (const entry of found) {
    const { exportName, definition } = entry;
    if (definition.kind === 'http' && !definition.trigger.standalone) continue;
    const name = definition.settings.name ?? exportName;
    if (definition.kind === 'http') {
      plans.push({ kind: 'http', name, exportNames: [exportName], definitions: [definition], settings: mergeSettings([entry], name), public: definition.trigger.public });
    } else {
      plans.push({ kind: definition.kind, name, exportNames: [exportName], definition, settings: { ...definition.settings, name } });
    }
  }
  const seen = new Set<string>();
  for (const plan of plans) {
    if (seen.has(plan.name)) throw new DefinitionError('name', `two functions are named "${plan.name}"`);
    seen.add(plan.name);
  }
  return plans;
}

/**
 * What a planned function uses: each resource once, with every action any of its definitions
 * declared, sorted by kind and name. Deploy grants exactly these and writes their settings; builds
 * wire the resource driver only into functions that have some.
 *
 * @example
 * planUses(plan) // [{ kind: 'bucket', name: 'reports', actions: ['read', 'write'] }, { kind: 'queue', name: 'orders', actions: ['send'] }]
 */
export function planUses(plan: FunctionPlan): ResourceUse[] {
  const definitions: readonly Definition[] = plan.kind === 'http' ? plan.definitions : [plan.definition];
  const merged = new Map<string, { kind: ResourceUse['kind']; name: string; actions: Set<ResourceAction> }>();
  for (const definition of definitions) {
    for (const use of Object.values(definition.uses ?? {})) {
      const id = `${use.kind}:${use.name}`;
      const entry = merged.get(id) ?? { kind: use.kind, name: use.name, actions: new Set<ResourceAction>() };
      for (const action of use.actions) entry.actions.add(action);
      merged.set(id, entry);
    }
  }
  return [...merged.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([, e]) => ({ kind: e.kind, name: e.name, actions: [...e.actions].sort() }));
}

/** Which of the HTTP request path's optional parts the functions of a bundle need. */
export interface HttpFeatures {
  /** Some definition sets `stream: true`. */
  readonly streams: boolean;
  /** Some definition sets `cors`. */
  readonly cors: boolean;
  /** Some definition validates a part of the request (body, query, params or headers). */
  readonly requestSchemas: boolean;
}

/**
 * What the HTTP definitions among `plans` use of the request path: the builds pass it to `bundle`, so
 * that a bundle carries the stream, CORS and validation code only when one of its functions needs it.
 *
 * @example
 * await bundle({ entry, checkedDefinitions: true, ...httpFeatures(plans) })
 */
export function httpFeatures(plans: readonly FunctionPlan[]): HttpFeatures {
  const defs = plans.flatMap((p) => (p.kind === 'http' ? p.definitions : []));
  return {
    streams: defs.some((d) => d.trigger.stream),
    cors: defs.some((d) => d.trigger.cors !== undefined),
    requestSchemas: defs.some(hasSchemas),
  };
}
