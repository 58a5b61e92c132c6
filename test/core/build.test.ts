import { unzipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { bundle, sha256Base64, zipFiles } from 'onefn/build';

const hello = new URL('../../examples/hello/index.ts', import.meta.url).pathname;

describe('deterministic artifacts', () => {
  it('zips the same files to the same bytes whatever their order, with fixed times and modes', () => {
    const a = zipFiles({ 'index.mjs': 'export const a = 1', 'lib/x.json': new Uint8Array([1, 2]) });
    const b = zipFiles({ 'lib/x.json': new Uint8Array([1, 2]), 'index.mjs': 'export const a = 1' });
    expect(sha256Base64(a)).toBe(sha256Base64(b));
    const files = unzipSync(a);
    expect(Object.keys(files)).toEqual(['index.mjs', 'lib/x.json']);
    expect(new TextDecoder().decode(files['index.mjs'])).toBe('export const a = 1');
    expect(sha256Base64(zipFiles({ 'index.mjs': 'export const a = 2' }))).not.toBe(sha256Base64(a));
  });

  it.each(['../escape', '/abs', ''])('refuses the archive path %j', (path) => {
    expect(() => zipFiles({ [path]: 'x' })).toThrow(/Bad archive path/);
  });

  it('bundles a handler module identically twice', async () => {
    const first = await bundle({ entry: hello });
    const second = await bundle({ entry: hello });
    expect(first.code).toBe(second.code);
    expect(first.code).toContain('Hello, ');
    expect(first.code).not.toContain(new URL('../../', import.meta.url).pathname);
  });
});
