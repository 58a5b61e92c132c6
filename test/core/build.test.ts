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

describe('bundle({ cors: false, requestSchemas: false })', () => {
  // One routed function without CORS or request schemas: what such a bundle must still answer.
  const source = [
    "import { defineHttp, json } from 'onefn';",
    "import { createContext, createRequest, createRouter } from 'onefn/runtime';",
    "const echo = defineHttp({ method: 'POST', route: '/echo', bodyLimit: 8, handler: (req) => json({ got: req.body }) });",
    'const router = createRouter([echo]);',
    'export async function call(method, path, body, headers = {}) {',
    "  const answer = await router.handle(createRequest({ method, path, headers: { 'content-type': 'application/json', ...headers }, body: body === undefined ? undefined : { data: body } }), createContext());",
    '  return { status: answer.status, headers: answer.headers, body: answer.body };',
    '}',
  ].join('\n');
  const entry = { contents: source, resolveDir: new URL('../../examples/hello', import.meta.url).pathname, sourcefile: 'lean.ts' };
  type Call = (method: string, path: string, body?: string, headers?: Record<string, string>) => Promise<{ status: number; headers: Record<string, unknown>; body: string }>;
  const load = async (code: string): Promise<{ call: Call }> =>
    (await import(`data:text/javascript;base64,${Buffer.from(code.replace(/^import \{ createRequire[^;]*;[^;]*;/, '')).toString('base64')}`)) as never;

  it('leaves out the CORS headers, the preflight and request validation, and answers every request as the full bundle does', async () => {
    const lean = await bundle({ entry, cors: false, requestSchemas: false, checkedDefinitions: true, packagesExternal: false });
    const full = await bundle({ entry, checkedDefinitions: true, packagesExternal: false });
    for (const part of ['access-control-allow-origin', 'access-control-max-age', 'Expected a JSON or form body']) {
      expect(full.code).toContain(part);
      expect(lean.code).not.toContain(part);
    }
    expect(lean.code.length).toBeLessThan(full.code.length - 1500);
    const [a, b] = [await load(lean.code), await load(full.code)];
    const preflight = { origin: 'https://a.example', 'access-control-request-method': 'POST' };
    for (const [method, path, body, headers] of [
      ['POST', '/echo', '[1]', {}],
      ['POST', '/echo', '[1,2,3,4]', {}], // over the body limit: 413 with or without validation
      ['POST', '/echo', '{', {}],
      ['GET', '/echo', undefined, {}],
      ['OPTIONS', '/echo', undefined, preflight], // no definition sets cors: a 405 in both
      ['POST', '/nowhere', '1', { origin: 'https://a.example' }],
    ] as const) {
      const [x, y] = [await a.call(method, path, body, headers), await b.call(method, path, body, headers)];
      expect(x, `${method} ${path}`).toEqual(y);
    }
    expect((await a.call('POST', '/echo', '[1,2,3,4]')).status).toBe(413);
    expect((await a.call('POST', '/echo', '{')).status).toBe(400);
  });
});

describe('a build that left a feature out, given a definition that uses it at run time', () => {
  // Planned at build time without cors, a schema or stream (say, set from an environment variable
  // that was unset where it was built), and then run where the definition sets it.
  const entryFor = (option: string) => ({
    contents: [
      "import { z } from 'zod';",
      "import { defineHttp, text } from 'onefn';",
      "import { createRouter } from 'onefn/runtime';",
      `export const make = () => createRouter([defineHttp({ method: 'POST', route: '/a', ${option}, handler: () => text('a') })]);`,
    ].join('\n'),
    resolveDir: new URL('../../examples/hello', import.meta.url).pathname,
    sourcefile: 'late.ts',
  });
  const load = async (code: string): Promise<{ make(): unknown }> =>
    (await import(`data:text/javascript;base64,${Buffer.from(code.replace(/^import \{ createRequire[^;]*;[^;]*;/, '')).toString('base64')}`)) as never;

  it.each([
    ['cors: true', 'cors'],
    ['body: z.object({ n: z.number() })', 'a request schema'],
    ['stream: true', 'stream'],
  ])('stops at start-up with %s, naming the option, rather than serving without it', async (option, named) => {
    const lean = await load((await bundle({ entry: entryFor(option), cors: false, requestSchemas: false, streams: false, packagesExternal: false })).code);
    expect(() => lean.make()).toThrow(expect.objectContaining({ name: 'OnefnError', code: 'INVALID_DEFINITION', message: `A definition sets ${named} at run time but not at build time, which left its code out` }));
    const full = await load((await bundle({ entry: entryFor(option), packagesExternal: false })).code);
    expect(() => full.make()).not.toThrow();
  });
});
