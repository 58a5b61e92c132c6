// The query and Cookie parsers read their input in place (no split into arrays): they must give
// exactly what the split-based reading gave, for any input, and setCookie's lines skip a second check
// only when they are setCookie's own.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseCookieHeader } from '../../src/onefn/cookies.js';
import { checkCookies } from '../../src/onefn/header-syntax.js';
import { parseQueryRecord } from '../../src/onefn/query.js';
import { inputRecord } from '../../src/onefn/record.js';
import { HeaderError, setCookie } from 'onefn';

function decode(part: string): string {
  const spaced = part.replace(/\+/g, ' ');
  try {
    return decodeURIComponent(spaced);
  } catch {
    return spaced;
  }
}

/** The reading the parsers had before: split into pairs, then each pair at its first "=". */
function splitQuery(raw: string): Record<string, string | string[]> {
  const out = inputRecord<string | string[]>();
  if (raw.startsWith('?')) raw = raw.slice(1);
  for (const pair of raw.split('&')) {
    if (!pair) continue;
    const eq = pair.indexOf('=');
    const name = decode(eq === -1 ? pair : pair.slice(0, eq));
    const value = eq === -1 ? '' : decode(pair.slice(eq + 1));
    const seen = out[name];
    if (seen === undefined) out[name] = value;
    else if (typeof seen === 'string') out[name] = [seen, value];
    else seen.push(value);
  }
  return out;
}

function splitCookies(header: string): Record<string, string> {
  const out = inputRecord<string>();
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq === -1) continue;
    const name = part.slice(0, eq).trim();
    if (!name || Object.hasOwn(out, name)) continue;
    let value = part.slice(eq + 1).trim();
    if (value.startsWith('"') && value.endsWith('"') && value.length >= 2) value = value.slice(1, -1);
    try {
      out[name] = value.indexOf('%') === -1 ? value : decodeURIComponent(value);
    } catch {
      out[name] = value;
    }
  }
  return out;
}

const plain = (record: object): Record<string, unknown> => Object.fromEntries(Object.entries(record));
// Strings made mostly of the characters that matter to the parsers.
const syntax = fc.string({ unit: fc.constantFrom('a', 'b', '=', '&', ';', '?', '%', '%2', '%41', '+', ' ', '"', '_', '_proto_', '__proto__', 'é') as fc.Arbitrary<string>, maxLength: 30 });

describe('parseQueryRecord reads in place what the split reading gave', () => {
  it.each([
    ['', {}],
    ['?', {}],
    ['?a=1', { a: '1' }],
    ['a=1&&b=2&', { a: '1', b: '2' }],
    ['a&b=', { a: '', b: '' }],
    ['a=1=2&a=3&a', { a: ['1=2', '3', ''] }],
    ['x+y=%41+b&bad=%E0%A4%A', { 'x y': 'A b', bad: '%E0%A4%A' }],
    ['=v&__proto__=p&constructor=c', { '': 'v', ['__proto__']: 'p', constructor: 'c' }],
  ])('%j', (raw, expected) => {
    const got = parseQueryRecord(raw);
    expect(plain(got)).toEqual(plain(expected));
    expect(Object.getPrototypeOf(Object.getPrototypeOf(got))).toBeNull();
  });

  it('holds for any query string', () => {
    fc.assert(fc.property(syntax, (raw) => void expect(plain(parseQueryRecord(raw))).toEqual(plain(splitQuery(raw)))), { numRuns: 2000 });
  });
});

describe('parseCookieHeader reads in place what the split reading gave', () => {
  it.each([
    ['', {}],
    ['a=1', { a: '1' }],
    [' a = 1 ; b="two words" ;c=%41;;d', { a: '1', b: 'two words', c: 'A' }],
    ['a=1; a=2; =x; e="', { a: '1', e: '"' }],
    ['__proto__=p; toString=t; bad=%E0%A4%A', { ['__proto__']: 'p', toString: 't', bad: '%E0%A4%A' }],
  ])('%j', (header, expected) => {
    expect(plain(parseCookieHeader(header))).toEqual(plain(expected));
  });

  it('holds for any Cookie header, and keeps what an earlier header set', () => {
    fc.assert(
      fc.property(syntax, syntax, (first, header) => {
        const into = parseCookieHeader(first);
        const expected = splitCookies(first);
        for (const [k, v] of Object.entries(splitCookies(header))) if (!Object.hasOwn(expected, k)) expected[k] = v;
        expect(plain(parseCookieHeader(header, into))).toEqual(plain(expected));
      }),
      { numRuns: 2000 },
    );
  });
});

describe('Set-Cookie lines are checked unless setCookie made them', () => {
  it('passes every line setCookie makes, which the full check passes too', () => {
    const lines = [setCookie('a', 'x y;z', { path: '/', httpOnly: true }), setCookie('__Host-s', 'v', { secure: true, path: '/', sameSite: 'Lax', maxAge: 60 })];
    expect(checkCookies(lines)).toBe(lines);
    // The same text made elsewhere (not by setCookie) passes the full check.
    expect(checkCookies(lines.map((l) => `${l} `.trimEnd()))).toEqual(lines);
  });

  it('still refuses a bad line, whatever setCookie made just before', () => {
    const made = setCookie('a', '1', { path: '/' });
    expect(() => checkCookies([made, `${made}\r\nx-injected: 1`])).toThrow(HeaderError);
    expect(() => checkCookies(['', made])).toThrow(HeaderError);
    expect(() => checkCookies([made.slice(0, 1) + '\n'])).toThrow(HeaderError);
    expect(() => checkCookies([42])).toThrow(HeaderError);
  });
});
