import { inputRecord } from './record.js';

/** Header values as providers and users give them: single, repeated, or absent. */
export type HeadersInit = Readonly<Record<string, string | readonly string[] | undefined>>;

/**
 * A web-standard Headers object, or one shaped like it (what @azure/functions' requests carry): names
 * lower-case, repeated values folded by the platform, each Set-Cookie apart when iterated.
 */
export interface WebHeadersLike {
  get(name: string): string | null;
  forEach(callback: (value: string, name: string) => void): void;
}

/**
 * Request headers: case-insensitive and multi-valued. Read-only; built over the provider's own object
 * (a record, or web Headers) without copying until a lookup needs a lower-cased index.
 *
 * @example
 * req.headers.get('Content-Type')   // 'application/json'
 * req.headers.getAll('x-forwarded-for') // ['203.0.113.1', '10.0.0.1']
 */
export class HttpHeaders implements Iterable<[string, string]> {
  private index: Map<string, string[]> | undefined;
  /**
   * @param raw the provider's headers
   * @param lowerCased true when every name in `raw` is already lower-case (API Gateway v2, Node's
   *   http server), which lets lookups skip building an index
   * @param web the platform's web Headers, read in place of `raw`: a lookup asks it for one name, and
   *   only iterating copies it
   */
  constructor(
    private readonly raw: HeadersInit = {},
    private readonly lowerCased = false,
    private readonly web?: WebHeadersLike,
  ) {}

  private lookup(name: string): string | readonly string[] | undefined {
    const key = name.toLowerCase();
    if (this.web) return this.webLookup(key);
    // Own keys only: the provider's object inherits `constructor`, `toString`, `__proto__`, which are
    // no headers (and are not strings, which crashed `get`).
    if (this.lowerCased) return Object.hasOwn(this.raw, key) ? this.raw[key] : undefined;
    return this.build().get(key);
  }

  private webLookup(key: string): string | readonly string[] | undefined {
    // Set-Cookie values stay apart, as iterating gives them.
    if (key === 'set-cookie') return this.build().get(key);
    try {
      return (this.web as WebHeadersLike).get(key) ?? undefined;
    } catch {
      // Web Headers throw on a name HTTP does not allow, which no request can carry.
      return undefined;
    }
  }

  private build(): Map<string, string[]> {
    if (this.index) return this.index;
    const index = new Map<string, string[]>();
    if (this.web) {
      this.web.forEach((value, name) => {
        const list = index.get(name);
        if (list) list.push(value);
        else index.set(name, [value]);
      });
      return (this.index = index);
    }
    for (const name of Object.keys(this.raw)) {
      const value = this.raw[name];
      if (value === undefined) continue;
      const key = name.toLowerCase();
      const list = index.get(key) ?? [];
      if (typeof value === 'string') list.push(value);
      else list.push(...value);
      index.set(key, list);
    }
    return (this.index = index);
  }

  /** The value, repeated values joined with ", " (as HTTP folds them), or undefined. */
  get(name: string): string | undefined {
    const value = this.lookup(name);
    if (value === undefined || typeof value === 'string') return value;
    return value.length ? value.join(', ') : undefined;
  }

  /** Every value sent under this name, in order. */
  getAll(name: string): string[] {
    const value = this.lookup(name);
    if (value === undefined) return [];
    return typeof value === 'string' ? [value] : [...value];
  }

  has(name: string): boolean {
    return this.lookup(name) !== undefined;
  }

  /** Lower-cased names with folded values. */
  *entries(): IterableIterator<[string, string]> {
    for (const [name, values] of this.build()) yield [name, values.join(', ')];
  }

  [Symbol.iterator](): IterableIterator<[string, string]> {
    return this.entries();
  }

  /**
   * A prototype-free record (see record.ts) of lower-cased names to folded values: what a headers
   * schema validates.
   */
  toObject(): Record<string, string> {
    const out = inputRecord<string>();
    for (const [name, value] of this.entries()) out[name] = value;
    return out;
  }
}
