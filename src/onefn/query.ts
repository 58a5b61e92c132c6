import { inputRecord } from './record.js';

/** Decoded query parameters: a repeated name gives an array, in the order sent. */
export type QueryRecord = Readonly<Record<string, string | readonly string[]>>;

function decode(part: string): string {
  const spaced = part.replaceAll('+', ' ');
  if (spaced.indexOf('%') === -1) return spaced;
  try {
    return decodeURIComponent(spaced);
  } catch {
    return spaced; // a stray "%" is kept as sent, as URLSearchParams does
  }
}

/** Parses a raw (still encoded) query string, decoding each name and value exactly once. */
export function parseQueryString(raw: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  if (raw.startsWith('?')) raw = raw.slice(1);
  if (!raw) return out;
  for (const pair of raw.split('&')) {
    if (!pair) continue;
    const eq = pair.indexOf('=');
    const name = decode(eq === -1 ? pair : pair.slice(0, eq));
    const value = eq === -1 ? '' : decode(pair.slice(eq + 1));
    const list = out.get(name);
    if (list) list.push(value);
    else out.set(name, [value]);
  }
  return out;
}

/**
 * Parses a raw (still encoded) query string straight into an input record (see record.ts): each name
 * and value decoded once, a repeated name giving an array in the order sent. What `req.query` is
 * without a schema, made without the Map that `parseQueryString` builds.
 */
export function parseQueryRecord(raw: string): Record<string, string | string[]> {
  const out = inputRecord<string | string[]>();
  // Read in place, pair by pair between "&"s, rather than split into an array of pairs first: this runs
  // for every request that reads its query, and the array and its strings were most of its cost.
  const end = raw.length;
  let start = raw.startsWith('?') ? 1 : 0;
  while (start < end) {
    let amp = raw.indexOf('&', start);
    if (amp === -1) amp = end;
    if (amp > start) {
      const eq = raw.indexOf('=', start);
      const hasValue = eq !== -1 && eq < amp;
      const name = decode(raw.slice(start, hasValue ? eq : amp));
      const value = hasValue ? decode(raw.slice(eq + 1, amp)) : '';
      const seen = out[name];
      if (seen === undefined) out[name] = value;
      else if (typeof seen === 'string') out[name] = [seen, value];
      else seen.push(value);
    }
    start = amp + 1;
  }
  return out;
}

/** The parameters as a prototype-free record (see record.ts): `?__proto__=x` is a key like any other. */
export function queryMapToRecord(map: ReadonlyMap<string, readonly string[]>): QueryRecord {
  const out = inputRecord<string | readonly string[]>();
  for (const [name, values] of map) out[name] = values.length === 1 ? (values[0] as string) : values;
  return out;
}

export function queryRecordToMap(record: Readonly<Record<string, string | readonly string[] | undefined>>): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const name of Object.keys(record)) {
    const value = record[name];
    if (value === undefined) continue;
    out.set(name, typeof value === 'string' ? [value] : [...value]);
  }
  return out;
}

/** Serializes decoded parameters back into an encoded query string (no leading "?"). */
export function formatQuery(map: ReadonlyMap<string, readonly string[]>): string {
  const parts: string[] = [];
  for (const [name, values] of map) {
    for (const value of values) parts.push(`${encodeURIComponent(name)}=${encodeURIComponent(value)}`);
  }
  return parts.join('&');
}
