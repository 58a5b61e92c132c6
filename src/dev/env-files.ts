import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseEnv } from 'node:util';
import { OnefnError } from '../onefn/errors.js';

/** Read in this order; a later file overrides an earlier one (`.env.local` is the machine's own). */
export const ENV_FILES = ['.env', '.env.local'] as const;

export interface EnvFiles {
  /** The variables the files set, later files winning. */
  readonly values: Readonly<Record<string, string>>;
  /** The files found, for the start-up line. */
  readonly found: readonly string[];
}

/**
 * Reads `.env` and `.env.local` from a directory with Node's own parser (`util.parseEnv`, the one
 * behind `node --env-file`). They are read by the dev server only: no build reads them, so nothing in
 * them reaches a bundle. A missing file is no error; an unreadable one is named.
 */
export function readEnvFiles(dir: string): EnvFiles {
  const values: Record<string, string> = Object.create(null) as Record<string, string>;
  const found: string[] = [];
  for (const name of ENV_FILES) {
    let text: string;
    try {
      text = readFileSync(join(dir, name), 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') continue;
      throw new OnefnError('ENV_FILE_UNREADABLE', `cannot read ${name}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
    }
    found.push(name);
    for (const [key, value] of Object.entries(parseEnv(text))) if (value !== undefined) values[key] = value;
  }
  return { values, found };
}

/**
 * What an invocation's `ctx.env` holds locally, from weakest to strongest: the definition's `env`
 * (what the deployed function gets), then `.env` and `.env.local`, then the shell's environment. The
 * local files and the shell are this machine's overrides of what deploys.
 */
export function layeredEnv(
  definitionEnv: Readonly<Record<string, string>> | undefined,
  files: Readonly<Record<string, string>>,
  shell: Readonly<Record<string, string | undefined>>,
): Record<string, string | undefined> {
  return Object.assign(Object.create(null) as Record<string, string | undefined>, definitionEnv, files, shell);
}
