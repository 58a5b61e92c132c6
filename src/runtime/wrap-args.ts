// What every adapter's `serve` and `wrap` check before they build anything, so that the same bad
// argument gets the same typed error on every provider.
import { DefinitionError } from '../onefn/errors.js';
import { isDefinition, type Definition, type HttpDefinition } from '../onefn/definition.js';

/**
 * The options object given to `serve` or `wrap`: undefined, or an object whose every key is one
 * `known` names. Anything else is a `DefinitionError` naming the key (and the known ones).
 */
export function checkWrapOptions(pkg: string, options: unknown, known: readonly string[]): void {
  if (options === undefined) return;
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw new DefinitionError('options', `${pkg} options must be an object, got ${options === null ? 'null' : Array.isArray(options) ? 'an array' : typeof options}`);
  }
  for (const key of Object.keys(options)) {
    if (!known.includes(key)) throw new DefinitionError(key, `${pkg} has no such option; known: ${known.join(', ')}`);
  }
}

/** A list `wrap` or `serve` routes together: non-empty, and every entry (holes included) an HTTP definition. */
export function httpListOf(value: readonly unknown[], verb: string): readonly HttpDefinition[] {
  if (value.length === 0) throw new DefinitionError('definitions', `a list given to ${verb} must hold at least one HTTP definition`);
  for (let i = 0; i < value.length; i++) {
    const d = value[i];
    if (!isDefinition(d) || d.kind !== 'http') throw new DefinitionError('definitions', `a list given to ${verb} must hold HTTP definitions only (entry ${i} is not one)`);
  }
  return value as readonly HttpDefinition[];
}

/** What `serve` takes: a module namespace, one definition, or HTTP definitions; as a module namespace. */
export function servedModule(target: unknown, fallbackName: string): Readonly<Record<string, unknown>> {
  if (Array.isArray(target)) return Object.fromEntries(httpListOf(target, 'serve').map((d, i) => [d.settings.name ?? `http${i}`, d]));
  if (isDefinition(target)) return { [(target as Definition).settings.name ?? fallbackName]: target };
  if (typeof target !== 'object' || target === null) {
    throw new DefinitionError('module', `serve needs a module's exports, a definition or a list of HTTP definitions, got ${target === null ? 'null' : typeof target}`);
  }
  return target as Readonly<Record<string, unknown>>;
}

/** What `wrap` takes: one definition, or HTTP definitions routed together. */
export function wrappedDefinition(target: unknown): Definition | readonly HttpDefinition[] {
  if (Array.isArray(target)) return httpListOf(target, 'wrap');
  if (!isDefinition(target)) throw new DefinitionError('definition', 'wrap needs a onefn definition (or a list of HTTP definitions)');
  return target;
}
