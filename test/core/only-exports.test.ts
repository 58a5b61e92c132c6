import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { bundle, markUnusedPure, onlyExports } from 'onefn/build';

const PURE = '/* @__PURE__ */ (() => (';

describe('markUnusedPure', () => {
  it('marks the top-level initializers that run code, except the kept exports', async () => {
    const js = await markUnusedPure(
      "const shared = make('s');\nexport const a = define(shared);\nexport const b = define('b');\nlet c = new Map();\nexport const d = 1;\n",
      '/x/app.ts', new Set(['a']),
    );
    expect(js).toContain(`const shared = ${PURE}make("s")))()`);
    // esbuild writes exports as `const a = ...; export { a }`.
    expect(js).toContain('const a = define(shared);');
    expect(js).toContain(`const b = ${PURE}define("b")))()`);
    // Marked once: esbuild marks `new Map()` itself.
    expect(js).toContain('let c = /* @__PURE__ */ new Map();');
    // Nothing to drop: literals, functions and the like are dropped by the bundler anyway.
    expect(js).toContain('const d = 1;');
  });

  it('leaves statements, var, and initializers with a top-level await as written (they run in every bundle)', async () => {
    const source = "init();\nvar v = make();\nexport const t = await load();\nexport const f = make(async () => await x());\n";
    const js = await markUnusedPure(source, '/x/app.mjs', new Set());
    expect(js).toContain('init();');
    expect(js).toContain('var v = make();');
    expect(js).toContain('const t = await load();');
    // An await inside a function is the function's own.
    expect(js).toContain(`const f = ${PURE}make(async () => await x())))()`);
  });

  it('strips TypeScript first, and keeps export names that are prototype keys apart', async () => {
    const js = await markUnusedPure("export const __proto__: number = make();\nexport const constructor = make() as unknown;\n", '/x/app.ts', new Set(['constructor']));
    expect(js).toContain(`const __proto__ = ${PURE}make()))()`);
    expect(js).toContain('const constructor = make();');
  });
});

describe('onlyExports in a bundle', () => {
  // A path with characters a regular expression would misread.
  const dir = mkdtempSync(join(tmpdir(), 'onefn only (exports) [x]+'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('drops the definitions (and what only they use) that the kept exports do not need; keeps side-effect statements', async () => {
    const entry = join(dir, 'app.ts');
    writeFileSync(entry, [
      "const register = (name: string, uses?: unknown) => ({ name, uses, at: (globalThis as { order?: string[] }).order?.push(name) });",
      "const heavy = serve('HEAVY_SCHEMA');",
      "const light = serve('LIGHT_SCHEMA');",
      "export const one = serve('ONE', light);",
      "export const two = serve('TWO', heavy);",
      "console.log('STATEMENT_STAYS');",
      '',
    ].join('\n'));
    const { code } = await bundle({ entry: { contents: `export { one } from ${JSON.stringify(entry)};`, resolveDir: dir }, plugins: [onlyExports(entry, ['one'])] });
    expect(code).toContain('ONE');
    expect(code).toContain('LIGHT_SCHEMA');
    expect(code).toContain('STATEMENT_STAYS');
    expect(code).not.toContain('TWO');
    expect(code).not.toContain('HEAVY_SCHEMA');
    // Without the plugin, everything stays.
    const whole = (await bundle({ entry: { contents: `export { one } from ${JSON.stringify(entry)};`, resolveDir: dir } })).code;
    expect(whole).toContain('HEAVY_SCHEMA');
  });
});

describe('markUnusedPure and tsconfig.json', () => {
  const dir = mkdtempSync(join(tmpdir(), 'onefn-only-exports-tsconfig-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('reads the nearest tsconfig.json (a JSX factory here), and goes on without one it cannot read', async () => {
    writeFileSync(join(dir, 'tsconfig.json'), '{ "compilerOptions": { "jsxFactory": "h" } } // a comment');
    const js = await markUnusedPure('export const view = <p>hi</p>;\n', join(dir, 'app.tsx'), new Set(['view']));
    expect(js).toContain('h("p", null, "hi")');
    writeFileSync(join(dir, 'tsconfig.json'), '{ "compilerOptions": ');
    const plain = await markUnusedPure('export const view = make();\n', join(dir, 'app.ts'), new Set());
    expect(plain).toContain(`const view = ${PURE}make()))()`);
  });

  it('reports the module\'s own syntax error', async () => {
    await expect(markUnusedPure('export const = ;\n', join(dir, 'broken.ts'), new Set())).rejects.toThrow(/Expected/);
  });
});
