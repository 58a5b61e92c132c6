import type { CorsOptions, FunctionSettings } from './definition.js';
import { DefinitionError } from './errors.js';
import { isToken } from './header-syntax.js';
import { HTTP_METHODS, type HttpMethod } from './http.js';
import { EMPTY_RECORD } from './record.js';
import type { ResourceUse, Uses, UsesWrapper } from '../resources/handles.js';
import { isSchema, type StandardSchemaV1 } from './schema.js';

// Option checks for the define* functions: a typo must fail loudly, when the definition is made,
// with a DefinitionError naming the option.
//
// Checks and deploy bundles: the deploy helpers load the user's module while planning, which makes
// (and so checks) every definition before anything is bundled. Their bundles define
// `__ONEFN_CHECKED__` as `true` (`bundle({ checkedDefinitions: true })` in `onefn/build`), so every
// guard `typeof __ONEFN_CHECKED__ === 'undefined'` folds to false and the bundler drops the check and
// its message: the deployed function keeps only the code that normalizes the options. The guard is
// written out at each site, because a constant holding it is not inlined across the modules of a
// built package. Files that guard declare the name for themselves, so that it never becomes a global
// in users' types.
declare const __ONEFN_CHECKED__: true | undefined;

export const SETTINGS_KEYS = ['name', 'memory', 'timeout', 'env'] as const;
const NAME = /^[A-Za-z][A-Za-z0-9_-]{0,62}$/;

/** Refuses an option that is neither one of `allowed` nor a setting every definition takes (SETTINGS_KEYS). */
export function checkKeys(options: object, allowed: readonly string[], what: string): void {
  if (typeof __ONEFN_CHECKED__ !== 'undefined') return;
  if (typeof options !== 'object' || options === null) throw new DefinitionError(what, 'options must be an object');
  const settings: readonly string[] = SETTINGS_KEYS;
  for (const key of Object.keys(options)) {
    if (!allowed.includes(key) && !settings.includes(key)) {
      throw new DefinitionError(key, `unknown option for ${what}; known options: ${[...allowed, ...settings].join(', ')}`);
    }
  }
  if (typeof (options as { handler?: unknown }).handler !== 'function') throw new DefinitionError('handler', 'must be a function');
}

export function checkInt(option: string, value: unknown, min: number, max: number): void {
  if (typeof __ONEFN_CHECKED__ !== 'undefined' || value === undefined) return;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new DefinitionError(option, `must be a whole number from ${min} to ${max}, got ${JSON.stringify(value)}`);
  }
}

export function checkSchema(option: string, value: unknown): StandardSchemaV1 | undefined {
  if (typeof __ONEFN_CHECKED__ === 'undefined' && value !== undefined && !isSchema(value)) {
    throw new DefinitionError(option, 'must be a Standard Schema (a zod schema, for example)');
  }
  return value as StandardSchemaV1 | undefined;
}

export function checkName(option: string, value: unknown): string {
  if (typeof __ONEFN_CHECKED__ === 'undefined' && (typeof value !== 'string' || !value.trim())) throw new DefinitionError(option, 'must be a non-empty string');
  return value as string;
}

const USE_NAME = /^[A-Za-z_$][A-Za-z0-9_$]{0,62}$/;

function checkUses(value: unknown): void {
  if (typeof value !== 'object' || value === null || Array.isArray(value) || !Object.keys(value).length) {
    throw new DefinitionError('uses', 'must be an object of one or more grants, such as { orders: orders.send } (leave it out when the handler uses none)');
  }
  for (const [name, grant] of Object.entries(value)) {
    if (!USE_NAME.test(name)) throw new DefinitionError('uses', `${JSON.stringify(name.slice(0, 80))} is not a usable name (letters, digits, _ and $, not starting with a digit)`);
    if (typeof grant !== 'object' || grant === null || (grant as { '~onefn'?: unknown })['~onefn'] !== 'grant') {
      throw new DefinitionError(`uses.${name}`, 'must be a grant from a queue, topic or bucket handle (orders.send, events.publish, uploads.read, uploads.allow(...))');
    }
  }
}

/**
 * What every definition holds besides its kind and trigger: its settings, its declared uses (plain
 * data for deploy; each grant is a `ResourceUse`), and its handler: the user's, or, when it declares
 * uses, the user's wrapped so that its context carries `resources`. The wrapper comes from the grants
 * themselves, so the resource code reaches only the bundles of functions that declare a use.
 */
export function commonOf<H>(options: FunctionSettings & { uses?: unknown; handler: unknown }): { settings: FunctionSettings; uses: Readonly<Record<string, ResourceUse>>; handler: H } {
  const uses = options.uses as Uses | undefined;
  if (typeof __ONEFN_CHECKED__ === 'undefined' && uses !== undefined) checkUses(uses);
  return {
    settings: settingsOf(options),
    // Kept as given (deploy reads it; the handler reaches only the clients made from it at definition time).
    uses: uses ?? EMPTY_RECORD,
    // checkUses made sure a declared `uses` holds at least one grant.
    handler: (uses ? ((Object.values(uses)[0] as Uses[string])['~wrap'] as UsesWrapper)(uses, options.handler as never) : options.handler) as H,
  };
}

function checkSettings(options: FunctionSettings): void {
  if (options.name !== undefined && (typeof options.name !== 'string' || !NAME.test(options.name))) {
    throw new DefinitionError('name', `must be 1-63 letters, digits, "-" or "_", starting with a letter; got ${JSON.stringify(options.name)}`);
  }
  checkInt('memory', options.memory, 128, 32768);
  checkInt('timeout', options.timeout, 1, 3600);
  if (options.env !== undefined) {
    if (typeof options.env !== 'object' || options.env === null) throw new DefinitionError('env', 'must be an object of strings');
    for (const [key, value] of Object.entries(options.env)) {
      if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(key)) throw new DefinitionError('env', `bad variable name ${JSON.stringify(key)}`);
      if (typeof value !== 'string') throw new DefinitionError('env', `${key} must be a string`);
    }
  }
}

export function settingsOf(options: FunctionSettings): FunctionSettings {
  if (typeof __ONEFN_CHECKED__ === 'undefined') checkSettings(options);
  const out: FunctionSettings = {};
  for (const key of SETTINGS_KEYS) if (options[key] !== undefined) (out as Record<string, unknown>)[key] = options[key];
  return Object.freeze(out);
}

export function checkMethods(value: unknown): readonly HttpMethod[] | 'ANY' {
  if (value === undefined) return 'ANY';
  const list = typeof value === 'string' ? [value] : value;
  if (typeof __ONEFN_CHECKED__ === 'undefined' && (!Array.isArray(list) || list.length === 0)) {
    throw new DefinitionError('method', 'must be a method or a non-empty list of methods');
  }
  return (list as unknown[]).map((m: unknown) => {
    const upper = typeof m === 'string' ? m.toUpperCase() : m;
    if (typeof __ONEFN_CHECKED__ === 'undefined' && !(HTTP_METHODS as readonly unknown[]).includes(upper)) {
      throw new DefinitionError('method', `${JSON.stringify(m)} is not one of ${HTTP_METHODS.join(', ')}`);
    }
    return upper as HttpMethod;
  });
}

function checkCorsOptions(value: unknown): void {
  checkKeysOnly(value, ['origins', 'methods', 'allowHeaders', 'exposeHeaders', 'credentials', 'maxAge'], 'cors');
  const cors = value as CorsOptions;
  if (cors.origins !== '*' && (!Array.isArray(cors.origins) || cors.origins.some((o) => typeof o !== 'string'))) {
    throw new DefinitionError('cors.origins', 'must be "*" or a list of origins');
  }
  if (cors.credentials && cors.origins === '*') {
    throw new DefinitionError('cors.credentials', 'browsers refuse credentials with origin "*"; list the origins');
  }
  checkInt('cors.maxAge', cors.maxAge, 0, 86400);
  checkCorsLists(cors);
}

// An origin as browsers send it (scheme://host[:port], no path); anything else never matches, or
// could not be sent back as a header.
const ORIGIN = /^[A-Za-z][A-Za-z0-9+.-]*:\/\/[A-Za-z0-9.:[\]_~%!$&'()*+=-]+$/;

function checkList(option: string, list: unknown, valid: (item: string) => boolean, what: string): void {
  if (list === undefined) return;
  if (!Array.isArray(list)) throw new DefinitionError(option, `must be a list of ${what}`);
  for (const item of list as unknown[]) {
    if (typeof item !== 'string' || !valid(item)) throw new DefinitionError(option, `must be a list of ${what}; got ${JSON.stringify(item)}`);
  }
}

/** Every value CORS puts in a response header comes from here, so each is checked to be sendable. */
function checkCorsLists(cors: CorsOptions): void {
  if (cors.origins !== '*') checkList('cors.origins', cors.origins, (o) => ORIGIN.test(o), 'origins like "https://example.com" (scheme, host, optional port; no path)');
  checkList('cors.methods', cors.methods, (m) => (HTTP_METHODS as readonly string[]).includes(m), `methods (${HTTP_METHODS.join(', ')})`);
  checkList('cors.allowHeaders', cors.allowHeaders, (h) => h === '*' || isToken(h), 'header names');
  checkList('cors.exposeHeaders', cors.exposeHeaders, (h) => h === '*' || isToken(h), 'header names');
}

export function checkCors(value: unknown): CorsOptions | undefined {
  if (value === undefined || value === false) return undefined;
  if (value === true) return { origins: '*' };
  if (typeof __ONEFN_CHECKED__ === 'undefined') checkCorsOptions(value);
  return Object.freeze({ ...(value as CorsOptions) });
}

function checkKeysOnly(value: unknown, allowed: readonly string[], what: string): void {
  if (typeof value !== 'object' || value === null) throw new DefinitionError(what, 'must be an object');
  for (const key of Object.keys(value)) {
    if (!allowed.includes(key)) throw new DefinitionError(`${what}.${key}`, `unknown option; known: ${allowed.join(', ')}`);
  }
}

export function checkBoolean(option: string, value: unknown): boolean {
  if (typeof __ONEFN_CHECKED__ === 'undefined' && value !== undefined && typeof value !== 'boolean') {
    throw new DefinitionError(option, `must be true or false, got ${JSON.stringify(value)}`);
  }
  return value === true;
}
