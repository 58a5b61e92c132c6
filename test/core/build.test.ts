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

describe('bundles of checked definitions', () => {
  // A module whose definitions need normalizing: a lower-case method list, a route with a parameter,
  // a CORS object, settings.
  const source = [
    "import { defineHttp, json } from 'onefn';",
    "export const item = defineHttp({ method: ['get', 'put'], route: '/items/:id', cors: { origins: ['https://a.example'] }, memory: 256, handler: (req) => json({ id: req.params.id }) });",
  ].join('\n');
  const entry = { contents: source, resolveDir: new URL('../../examples/hello', import.meta.url).pathname, sourcefile: 'checked.ts' };

  it('leaves out the definition checks and their messages, and keeps the normalizing code', async () => {
    const checked = await bundle({ entry, checkedDefinitions: true, packagesExternal: false });
    const full = await bundle({ entry, packagesExternal: false });
    for (const message of ['unknown option for', 'must be a whole number', 'bad parameter', 'is not one of']) {
      expect(full.code).toContain(message);
      expect(checked.code).not.toContain(message);
    }
    expect(checked.code.length).toBeLessThan(full.code.length);

    const load = async (code: string): Promise<Record<string, { trigger: Record<string, unknown>; settings: unknown }>> =>
      (await import(`data:text/javascript;base64,${Buffer.from(code.replace(/^import \{ createRequire[^;]*;[^;]*;/, '')).toString('base64')}`)) as never;
    const a = (await load(checked.code))['item'];
    const b = (await load(full.code))['item'];
    expect(a?.trigger['methods']).toEqual(['GET', 'PUT']);
    expect(JSON.stringify(a?.trigger)).toBe(JSON.stringify(b?.trigger));
    expect(a?.settings).toEqual({ memory: 256 });
  });
});

describe('bundle({ noBase64Bodies: true })', () => {
  const source = [
    "import { createRequest } from 'onefn/runtime';",
    'export function read(data, base64) {',
    "  try { return createRequest({ method: 'POST', path: '/', body: { data, base64 } }).text(); } catch (error) { return `refused: ${error.code}`; }",
    '}',
  ].join('\n');
  const entry = { contents: source, resolveDir: new URL('../../examples/hello', import.meta.url).pathname, sourcefile: 'bodies.ts' };
  const load = async (code: string): Promise<{ read(data: string, base64?: boolean): string }> =>
    (await import(`data:text/javascript;base64,${Buffer.from(code).toString('base64')}`)) as never;

  it('leaves the base64 decoder out; a body marked base64 is then refused as malformed, and plain bodies read as before', async () => {
    const lean = await bundle({ entry, noBase64Bodies: true, packagesExternal: false });
    const full = await bundle({ entry, packagesExternal: false });
    expect(full.code).toContain('"base64"');
    expect(lean.code).not.toContain('"base64"');
    expect(lean.code.length).toBeLessThan(full.code.length);
    const [a, b] = [await load(lean.code), await load(full.code)];
    expect(b.read('aGk=', true)).toBe('hi');
    expect(a.read('aGk=', true)).toBe('refused: MALFORMED_BASE64');
    expect(a.read('plain')).toBe('plain');
    expect(b.read('plain')).toBe('plain');
  });
});
