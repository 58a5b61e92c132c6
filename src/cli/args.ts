import { parseArgs as parseNodeArgs, type ParseArgsConfig } from 'node:util';
import { OnefnError } from '../onefn/errors.js';
import type { CliArgs, FlagSpec } from './types.js';

/**
 * Bad command-line usage (an unknown command or flag, a missing value or entry): one line on stderr,
 * exit code 2.
 */
export class UsageError extends OnefnError {
  constructor(message: string) {
    super('USAGE', message);
    this.name = 'UsageError';
  }
}

/** Edit distance, for "did you mean": small inputs only (flag and command names). */
function distance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) row[j] = Math.min((prev[j] as number) + 1, (row[j - 1] as number) + 1, (prev[j - 1] as number) + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = row;
  }
  return prev[b.length] as number;
}

/** The known name closest to `name`, when it is close enough to be a typo (or `name` is a prefix of it). */
export function closest(name: string, known: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestScore = Infinity;
  for (const candidate of known) {
    const score = candidate.startsWith(name) && name.length >= 2 ? 0.5 : distance(name, candidate);
    if (score < bestScore) [best, bestScore] = [candidate, score];
  }
  return bestScore <= Math.max(1, Math.floor(name.length / 3)) ? best : undefined;
}

const shown = (text: string): string => JSON.stringify(text.length > 40 ? `${text.slice(0, 40)}...` : text);

/**
 * Parses `argv` with node:util's parseArgs in strict mode against `flags`: an unknown flag, a boolean
 * given a value or a string flag without one is a `UsageError` naming the flag (and the close flag, for
 * a typo). `where` names the command in the message, e.g. `onefn deploy aws`.
 */
export function parseCommandLine(argv: readonly string[], flags: Readonly<Record<string, FlagSpec>>, where: string, maxPositionals = Infinity): CliArgs {
  const options: NonNullable<ParseArgsConfig['options']> = {};
  for (const [name, spec] of Object.entries(flags)) options[name] = { type: spec.type, ...(name === 'help' ? { short: 'h' } : {}) };
  let parsed: { values: Record<string, unknown>; positionals: string[] };
  try {
    parsed = parseNodeArgs({ args: [...argv], options, strict: true, allowPositionals: true }) as typeof parsed;
  } catch (error) {
    throw new UsageError(explain(error, flags, where));
  }
  if (parsed.positionals.length > maxPositionals) {
    const extra = parsed.positionals[maxPositionals] as string;
    throw new UsageError(`unexpected argument ${shown(extra)} for ${where}; see ${where} --help`);
  }
  const values: Record<string, string | boolean> = Object.create(null) as Record<string, string | boolean>;
  for (const [name, value] of Object.entries(parsed.values)) if (typeof value === 'string' || typeof value === 'boolean') values[name] = value;
  return { positionals: parsed.positionals, options: values };
}

/** parseArgs' own messages name the rule, not the command; this one-liner names both and a way out. */
function explain(error: unknown, flags: Readonly<Record<string, FlagSpec>>, where: string): string {
  const code = (error as { code?: string }).code;
  const message = (error as Error).message ?? String(error);
  const quoted = /'(-[^'\s]*)/.exec(message)?.[1] ?? '';
  const flag = quoted.replace(/^-+/, '').replace(/=.*$/, '');
  if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') {
    const near = closest(flag, Object.keys(flags));
    return `unknown flag ${shown(quoted.replace(/=.*$/, ''))} for ${where}${near ? `; did you mean --${near}?` : ''} (${where} --help lists the flags)`;
  }
  if (code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') {
    const spec = flags[flag];
    if (spec?.type === 'boolean') return `--${flag} takes no value`;
    // parseArgs will not take a value that starts with "-" unless it is joined with "=".
    if (/ambiguous/.test(message)) return `--${flag} needs a value; to give one that starts with "-", write --${flag}=<value>`;
    return `--${flag} needs a value${spec?.placeholder ? ` (<${spec.placeholder}>)` : ''}`;
  }
  return `${message.split('\n')[0]} (${where} --help lists the flags)`;
}

/** A string option, or undefined. */
export function stringOption(args: CliArgs, name: string): string | undefined {
  const value = args.options[name];
  if (value === undefined || value === false) return undefined;
  if (value === true) throw new UsageError(`--${name} needs a value`);
  return value;
}

/** A whole-number option, or undefined; anything else is a `UsageError` naming the flag. */
export function intOption(args: CliArgs, name: string): number | undefined {
  const value = stringOption(args, name);
  if (value === undefined) return undefined;
  if (!/^\d{1,15}$/.test(value)) throw new UsageError(`--${name} must be a whole number, got ${shown(value)}`);
  return Number(value);
}

const DURATION_UNITS = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

/** The furthest back `onefn logs --since` reaches on every provider: 30 days. */
export const MAX_SINCE_MS = 30 * DURATION_UNITS.d;

/**
 * A duration as `onefn logs --since` takes it on every provider: a whole number and one unit (s, m, h,
 * d), more than zero and at most 30 days, in milliseconds; undefined for anything else.
 *
 * @example
 * parseDuration('15m') // 900000
 */
export function parseDuration(text: string): number | undefined {
  const match = /^(\d{1,7})([smhd])$/.exec(text);
  if (!match) return undefined;
  const ms = Number(match[1]) * DURATION_UNITS[match[2] as keyof typeof DURATION_UNITS];
  return ms > 0 && ms <= MAX_SINCE_MS ? ms : undefined;
}

/** A duration option (see `parseDuration`) in milliseconds, or undefined; anything else is a `UsageError` naming the flag. */
export function durationOption(args: CliArgs, name: string): number | undefined {
  const value = stringOption(args, name);
  if (value === undefined) return undefined;
  const ms = parseDuration(value);
  if (ms === undefined) throw new UsageError(`--${name} takes a duration such as 30s, 15m, 2h or 1d, up to 30d; got ${shown(value)}`);
  return ms;
}

/** A boolean option: true only when given. */
export function flagOption(args: CliArgs, name: string): boolean {
  return args.options[name] === true;
}
