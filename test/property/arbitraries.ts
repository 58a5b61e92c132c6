// Shared generators for the property suite: hostile names and values, raw query strings and cookie
// headers, and mutations of real native events. Every suite runs with a fixed seed, so a failure is
// repeatable; `npm run fuzz` multiplies the run counts by ONEFN_FUZZ_FACTOR (100) and may set another seed.
import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';

export const FACTOR = Math.max(1, Math.floor(Number(process.env['ONEFN_FUZZ_FACTOR'] ?? 1)) || 1);
export const SEED = Number(process.env['ONEFN_FUZZ_SEED'] ?? 20261204) | 0;

/** fast-check parameters: `runs` scaled by the fuzz factor, the fixed seed, and no shrinking noise. */
export function runs(numRuns: number): fc.Parameters<unknown> {
  return { numRuns: numRuns * FACTOR, seed: SEED };
}

/** A test timeout that grows with the fuzz factor. */
export function timeoutFor(baseMs: number): number {
  return baseMs * FACTOR;
}

/** What handlers put in their errors and logs; it must never reach a client. */
export const SECRET = 'hunter2-secret-marker';

/** Names that collide with Object.prototype or Array.prototype members. */
export const PROTO_NAMES = ['__proto__', 'constructor', 'prototype', 'toString', 'valueOf', 'hasOwnProperty', 'length', 'isPrototypeOf', '__defineGetter__'] as const;

const tokenChars = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789!#$%&'*+-.^_`|~";
/** An RFC 7230 token (a valid header or cookie name). */
export const token = fc.string({ unit: fc.constantFrom(...tokenChars), minLength: 1, maxLength: 12 });

/** A name a parser must keep as given: prototype names, tokens, and odd text. */
export const hostileName = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...PROTO_NAMES) },
  { weight: 3, arbitrary: token },
  { weight: 1, arbitrary: fc.string({ minLength: 1, maxLength: 12 }) },
);

/** Values that break naive code: CR/LF, NUL, stray percent signs, non-ASCII, very long text. */
export const hostileText = fc.oneof(
  { weight: 4, arbitrary: fc.string({ maxLength: 40 }) },
  { weight: 2, arbitrary: fc.constantFrom('\r\n', 'a\r\nSet-Cookie: evil=1', 'x\nLocation: //evil', '\0', '%zz', '%0d%0a', '%', '"quoted"', '; Domain=evil.com', '../..', '') },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 30 }) },
  { weight: 1, arbitrary: fc.string({ minLength: 2000, maxLength: 20000, unit: fc.constantFrom('a', 'é', '%', '&', '=', ';') }) },
);

/** A value that is safe to send in an HTTP header over a real socket (visible ASCII and spaces). */
export const headerSafeText = fc.string({ unit: fc.constantFrom(...' abcxyzABC0123456789-_.,;:=/"%'), maxLength: 30 }).map((s) => s.trim());

/** Query pairs with names a parser must keep, and the encoded query string that carries them. */
export const queryPairs = fc.array(fc.tuple(hostileName, hostileText), { maxLength: 6 });
export function encodeQuery(pairs: ReadonlyArray<readonly [string, string]>): string {
  return pairs.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join('&');
}

/** Cookie pairs (token names, prototype names included) and their Cookie header. */
export const cookiePairs = fc.array(fc.tuple(fc.oneof(fc.constantFrom(...PROTO_NAMES), token), headerSafeText.map((s) => s.replace(/[;",\s]/g, ''))), { maxLength: 6 });
export function cookieHeader(pairs: ReadonlyArray<readonly [string, string]>): string {
  return pairs.map(([k, v]) => `${k}=${v}`).join('; ');
}

/** Request headers whose names collide with prototype members. */
export const headerPairs = fc.array(fc.tuple(fc.oneof(fc.constantFrom('constructor', 'toString', 'valueOf', 'hasOwnProperty', '__proto__'), token.map((t) => `x-${t}`)), headerSafeText), { maxLength: 6 });

/** A JSON value with hostile keys, for replacing parts of native events. */
export const hostileJson: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.constant(null),
    fc.boolean(),
    fc.double(),
    fc.integer(),
    hostileText,
    fc.array(tie('value'), { maxLength: 3 }),
    fc.array(fc.tuple(hostileName, tie('value')), { maxLength: 3 }).map(ownRecord),
  ),
})).value;

/** A record whose keys are all own properties, `__proto__` included (as JSON.parse makes them). */
export function ownRecord(pairs: ReadonlyArray<readonly [string, unknown]>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of pairs) Object.defineProperty(out, k, { value: v, enumerable: true, writable: true, configurable: true });
  return out;
}

type Path = ReadonlyArray<string | number>;

function pathsOf(value: unknown, prefix: Path = [], out: Path[] = []): Path[] {
  out.push(prefix);
  if (Array.isArray(value)) value.forEach((v, i) => pathsOf(v, [...prefix, i], out));
  else if (typeof value === 'object' && value !== null) for (const k of Object.keys(value)) pathsOf((value as Record<string, unknown>)[k], [...prefix, k], out);
  return out;
}

interface Mutation {
  readonly at: number;
  readonly op: 'delete' | 'replace' | 'protoKey' | 'stringify' | 'wrongType';
  readonly value: unknown;
  readonly key: string;
}

const mutation: fc.Arbitrary<Mutation> = fc.record({
  at: fc.nat(),
  op: fc.constantFrom('delete', 'replace', 'protoKey', 'stringify', 'wrongType'),
  value: hostileJson,
  key: hostileName,
});

function apply(root: unknown, m: Mutation): unknown {
  const paths = pathsOf(root);
  const path = paths[m.at % paths.length] as Path;
  if (path.length === 0) return m.op === 'replace' ? m.value : root;
  const parent = path.slice(0, -1).reduce<unknown>((v, k) => (v as Record<string | number, unknown>)[k], root) as Record<string | number, unknown>;
  const last = path[path.length - 1] as string | number;
  const current = parent[last];
  switch (m.op) {
    case 'delete':
      if (Array.isArray(parent)) parent.splice(last as number, 1);
      else delete parent[last];
      break;
    case 'replace':
      parent[last] = m.value;
      break;
    case 'protoKey': {
      const isRecord = (v: unknown): v is object => typeof v === 'object' && v !== null && !Array.isArray(v);
      const target = isRecord(current) ? current : isRecord(parent) ? parent : undefined;
      if (target) Object.defineProperty(target, m.key, { value: m.value, enumerable: true, writable: true, configurable: true });
      else parent[last] = ownRecord([[m.key, m.value]]);
      break;
    }
    case 'stringify':
      parent[last] = typeof current === 'string' ? `${current}\r\n${current}` : JSON.stringify(current) ?? 'undefined';
      break;
    case 'wrongType':
      parent[last] = Array.isArray(current) ? {} : typeof current === 'object' && current !== null ? [current] : typeof current === 'number' ? String(current) : 0;
      break;
  }
  return root;
}

/**
 * A native event mutated one to three times (a field deleted, replaced, given a prototype-named key,
 * turned to text or to another type), then serialized and parsed afresh, as a runtime hands it over.
 */
export function mutated(event: unknown): fc.Arbitrary<unknown> {
  const text = JSON.stringify(event);
  return fc.array(mutation, { minLength: 1, maxLength: 3 }).map((ms) => {
    let root: unknown = JSON.parse(text);
    for (const m of ms) root = apply(root, m);
    const out = JSON.stringify(root);
    return out === undefined ? undefined : (JSON.parse(out) as unknown);
  });
}

/** The shared fixtures of one provider: file name and parsed JSON (parsed again for each use). */
export function fixtures(provider: 'aws' | 'gcp' | 'azure' | 'cloudevents'): Array<{ name: string; text: string }> {
  const dir = fileURLToPath(new URL(`../../../shared/fixtures/${provider}/`, import.meta.url));
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => ({ name: f.replace(/\\/g, '/'), text: readFileSync(dir + f, 'utf8') }));
}

/** What a message handler is told to do, carried in the message body. */
export type Act = 'ok' | 'throw' | 'reject-late' | 'throw-untyped';
export const act = fc.constantFrom<Act>('ok', 'ok', 'ok', 'throw', 'reject-late', 'throw-untyped');
