import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { Plugin } from 'esbuild';
import { bundle, importBundle } from '../build/bundle.js';
import type { OnefnConfig } from '../config/index.js';
import { OnefnError } from '../onefn/errors.js';
import { closest } from './args.js';
import type { FlagSpec } from './types.js';

/** The project configuration is malformed: names the file and the setting. */
export class ConfigError extends OnefnError {
  constructor(message: string) {
    super('INVALID_CONFIG', message);
    this.name = 'ConfigError';
  }
}

/** Files tried, in order, when `--config` is not given. */
export const CONFIG_FILES = ['onefn.config.ts', 'onefn.config.mts', 'onefn.config.js', 'onefn.config.mjs'] as const;

const STAGE = /^[a-z][a-z0-9]{0,15}$/;
const SECTIONS = ['aws', 'gcp', 'azure'] as const;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A loaded configuration and where it came from (`undefined` when there is none). */
export interface LoadedConfig {
  readonly config: OnefnConfig;
  readonly source: string | undefined;
}

/**
 * Finds and loads the project configuration: `--config <file>`, else the first of `CONFIG_FILES` in
 * `cwd`, else the `onefn` key of `cwd`/package.json, else an empty one.
 */
export async function loadConfig(cwd: string, file?: string): Promise<LoadedConfig> {
  const path = file !== undefined ? resolve(cwd, file) : CONFIG_FILES.map((f) => join(cwd, f)).find((f) => existsSync(f));
  if (file !== undefined && !existsSync(path as string)) throw new ConfigError(`no config file ${file}`);
  if (path) {
    let mod: Record<string, unknown>;
    try {
      mod = await loadConfigModule(path);
    } catch (error) {
      throw new ConfigError(`cannot load ${path}: ${((error as Error).message ?? String(error)).split('\n')[0]}`);
    }
    return { config: checkConfig(mod['default'], path), source: path };
  }
  const pkgPath = join(cwd, 'package.json');
  if (existsSync(pkgPath)) {
    let pkg: unknown;
    try {
      pkg = JSON.parse(readFileSync(pkgPath, 'utf8')) as unknown;
    } catch (error) {
      throw new ConfigError(`${pkgPath} is not JSON: ${(error as Error).message}`);
    }
    if (isRecord(pkg) && Object.hasOwn(pkg, 'onefn')) return { config: checkConfig(pkg['onefn'], `${pkgPath} "onefn"`), source: `${pkgPath} "onefn"` };
  }
  return { config: {}, source: undefined };
}

// `defineConfig` returns its argument; it is inlined, so a config loads wherever onefn is installed
// (or not yet built), and nothing else of onefn is imported to read it.
const inlineDefineConfig: Plugin = {
  name: 'onefn-config',
  setup(build) {
    build.onResolve({ filter: /^onefn\/config$/ }, () => ({ path: 'onefn/config', namespace: 'onefn-config' }));
    build.onLoad({ filter: /.*/, namespace: 'onefn-config' }, () => ({ contents: 'export const defineConfig = (config) => config;', loader: 'js' }));
  },
};

async function loadConfigModule(path: string): Promise<Record<string, unknown>> {
  const { code } = await bundle({ entry: path, minify: false, packagesExternal: true, sourcemap: false, plugins: [inlineDefineConfig] });
  return importBundle(code, dirname(path));
}

/** Checks the shape: sections and stages are objects, values are strings, numbers or booleans. */
function checkConfig(value: unknown, where: string): OnefnConfig {
  if (!isRecord(value)) throw new ConfigError(`${where} must export a config object (export default defineConfig({...}))`);
  const known = ['entry', 'stages', ...SECTIONS];
  for (const key of Object.keys(value)) {
    if (!known.includes(key)) {
      const near = closest(key, known);
      throw new ConfigError(`${where}: unknown key "${key}"${near ? `; did you mean "${near}"?` : ''} (known: ${known.join(', ')})`);
    }
  }
  if (value['entry'] !== undefined && (typeof value['entry'] !== 'string' || !value['entry'])) throw new ConfigError(`${where}: "entry" must be a module path`);
  const section = (owner: Record<string, unknown>, label: string): void => {
    for (const name of SECTIONS) {
      const settings = owner[name];
      if (settings === undefined) continue;
      if (!isRecord(settings)) throw new ConfigError(`${where}: "${label}${name}" must be an object of settings`);
      for (const [k, v] of Object.entries(settings)) {
        if (!['string', 'number', 'boolean'].includes(typeof v)) throw new ConfigError(`${where}: "${label}${name}.${k}" must be a string, a number or a boolean`);
      }
    }
  };
  section(value, '');
  if (value['stages'] !== undefined) {
    if (!isRecord(value['stages'])) throw new ConfigError(`${where}: "stages" must be an object of named stages`);
    for (const [stage, body] of Object.entries(value['stages'])) {
      if (!STAGE.test(stage)) throw new ConfigError(`${where}: stage name "${stage.slice(0, 40)}" must be 1-16 lower-case letters and digits, starting with a letter`);
      if (!isRecord(body)) throw new ConfigError(`${where}: stage "${stage}" must be an object`);
      for (const key of Object.keys(body)) if (!(SECTIONS as readonly string[]).includes(key)) throw new ConfigError(`${where}: stage "${stage}" has an unknown key "${key}" (known: ${SECTIONS.join(', ')})`);
      section(body, `stages.${stage}.`);
    }
  }
  return value as OnefnConfig;
}

/** `serviceAccount` -> `service-account`. */
export function flagName(setting: string): string {
  return setting.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}

/** Checks a `--stage` name against the config (when it names stages) and the naming rule. */
export function checkStage(stage: string, config: OnefnConfig): void {
  if (!STAGE.test(stage)) throw new ConfigError(`--stage must be 1-16 lower-case letters and digits, starting with a letter, got ${JSON.stringify(stage.slice(0, 40))}`);
  const stages = config.stages ? Object.keys(config.stages) : [];
  if (config.stages && !stages.includes(stage)) {
    const near = closest(stage, stages);
    throw new ConfigError(`no stage "${stage}" in the config${near ? `; did you mean "${near}"?` : ''} (stages: ${stages.join(', ') || 'none'})`);
  }
}

/**
 * The options a provider's section (and the stage's) gives a command, as flag values: only settings
 * the command has a flag for, and only those the command line did not give (flags win).
 * A setting no command of the provider knows is a `ConfigError` naming the close one.
 */
export function configOptions(
  config: OnefnConfig,
  provider: string,
  stage: string | undefined,
  flags: Readonly<Record<string, FlagSpec>>,
  providerFlags: readonly string[],
): Record<string, string | boolean> {
  const base = (config as Record<string, unknown>)[provider];
  const staged = stage ? (config.stages?.[stage] as Record<string, unknown> | undefined)?.[provider] : undefined;
  const merged: Record<string, unknown> = { ...(isRecord(base) ? base : {}), ...(isRecord(staged) ? staged : {}) };
  const out: Record<string, string | boolean> = Object.create(null) as Record<string, string | boolean>;
  for (const [setting, value] of Object.entries(merged)) {
    const flag = flagName(setting);
    if (!providerFlags.includes(flag)) {
      const near = closest(flag, providerFlags);
      throw new ConfigError(`unknown ${provider} setting "${setting}" in the config${near ? `; did you mean "${near.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase())}"?` : ''}`);
    }
    const spec = flags[flag];
    if (!spec) continue; // a setting for another command of this provider
    if (spec.type === 'boolean') {
      if (typeof value !== 'boolean') throw new ConfigError(`${provider}.${setting} must be true or false`);
      if (value) out[flag] = true;
    } else {
      if (typeof value === 'boolean') throw new ConfigError(`${provider}.${setting} must be a string or a number`);
      out[flag] = String(value);
    }
  }
  return out;
}
