import type { CliArgs } from './types.js';

/** Options that never take a value. */
const FLAGS = new Set(['json', 'dry-run', 'help', 'watch', 'no-watch', 'create-role', 'public']);

/** Parses `a b --name value --flag --key=value` into positionals and options. */
export function parseArgs(argv: readonly string[]): CliArgs {
  const positionals: string[] = [];
  const options: Record<string, string | boolean> = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg === '--') {
      positionals.push(...argv.slice(i + 1));
      break;
    }
    if (!arg.startsWith('--')) {
      positionals.push(arg);
      continue;
    }
    const eq = arg.indexOf('=');
    if (eq !== -1) {
      options[arg.slice(2, eq)] = arg.slice(eq + 1);
      continue;
    }
    const name = arg.slice(2);
    const next = argv[i + 1];
    if (FLAGS.has(name) || next === undefined || next.startsWith('--')) options[name] = true;
    else {
      options[name] = next;
      i++;
    }
  }
  return { positionals, options };
}

/** A string option, or undefined; `true` (given without a value) is an error the caller names. */
export function stringOption(args: CliArgs, name: string): string | undefined {
  const value = args.options[name];
  if (value === undefined) return undefined;
  if (value === true) throw new UsageError(`--${name} needs a value`);
  return value as string;
}

/** Bad command-line usage: reported in one line, exit code 1. */
export class UsageError extends Error {}
