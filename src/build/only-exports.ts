import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, extname, resolve } from 'node:path';
import { parse, type Expression, type Node, type Program } from 'acorn';
import { transform, type Loader, type Plugin } from 'esbuild';

const LOADERS: Readonly<Record<string, Loader>> = { '.ts': 'ts', '.mts': 'ts', '.cts': 'ts', '.tsx': 'tsx', '.jsx': 'jsx', '.js': 'js', '.mjs': 'js', '.cjs': 'js' };

/** Initializers that run code (and so stay in a bundle whether used or not, unless marked pure). */
const RUNS_CODE = new Set(['CallExpression', 'NewExpression', 'TaggedTemplateExpression']);

const ALREADY_PURE = /\/\*\s*[@#]__PURE__\s*\*\/\s*$/;

function containsAwait(node: Node): boolean {
  let found = false;
  const visit = (value: unknown): void => {
    if (found || value === null || typeof value !== 'object') return;
    if (Array.isArray(value)) return value.forEach(visit);
    const n = value as Node;
    if (n.type === 'AwaitExpression' || (n.type === 'ForOfStatement' && (n as { await?: boolean }).await)) {
      found = true;
      return;
    }
    // Functions have their own await; only the initializer's own level matters.
    if (n.type === 'FunctionExpression' || n.type === 'ArrowFunctionExpression' || n.type === 'FunctionDeclaration') return;
    for (const key of Object.keys(n)) if (key !== 'type' && key !== 'start' && key !== 'end') visit((n as unknown as Record<string, unknown>)[key]);
  };
  visit(node);
  return found;
}

function nearestTsconfig(from: string): string | undefined {
  for (let dir = from; ; dir = dirname(dir)) {
    const file = resolve(dir, 'tsconfig.json');
    if (existsSync(file)) return file;
    if (dirname(dir) === dir) return undefined;
  }
}

/**
 * Marks the module's top-level `const`/`let` initializers that run code (a `defineHttp(...)`, a
 * `z.object(...)`) as pure, except the exports in `keep`, so that the bundler drops every one that no
 * kept code uses, and with it what only it imports (its schemas, its validator). An initializer a kept
 * definition uses still runs, in its place, before the definitions that follow it. A top-level
 * statement that is not a declaration (`init()`) and every initializer with a top-level `await` are left
 * as written, and run in every bundle.
 *
 * Returns the JavaScript (TypeScript is stripped first).
 */
export async function markUnusedPure(source: string, path: string, keep: ReadonlySet<string>, sourcemap = false): Promise<string> {
  const loader = LOADERS[extname(path)] ?? 'ts';
  // The nearest tsconfig.json, as the bundler would read it for this file (decorators, class fields, JSX).
  const tsconfig = nearestTsconfig(dirname(path));
  const options = { loader, format: 'esm', target: 'esnext', sourcefile: path, sourcemap: sourcemap ? 'inline' : false } as const;
  let js: string;
  try {
    js = (await transform(source, { ...options, ...(tsconfig === undefined ? {} : { tsconfigRaw: await readFile(tsconfig, 'utf8') }) })).code;
  } catch (error) {
    // A tsconfig.json esbuild cannot read is the bundler's to report (as a warning); the module's own
    // syntax errors are reported by the transform without it.
    if (tsconfig === undefined) throw error;
    js = (await transform(source, options)).code;
  }
  let program: Program;
  try {
    program = parse(js, { ecmaVersion: 'latest', sourceType: 'module', allowHashBang: true });
  } catch {
    // Syntax acorn does not know yet: bundle the module as written (every definition stays).
    return js;
  }
  // The local names of the kept exports (esbuild writes `const a = ...; export { a as b }`).
  const kept = new Set<string>();
  for (const statement of program.body) {
    if (statement.type !== 'ExportNamedDeclaration' || statement.source) continue;
    for (const spec of statement.specifiers) {
      const exported = spec.exported.type === 'Identifier' ? spec.exported.name : String(spec.exported.value);
      if (keep.has(exported) && spec.local.type === 'Identifier') kept.add(spec.local.name);
    }
    if (statement.declaration?.type === 'VariableDeclaration') {
      for (const d of statement.declaration.declarations) if (d.id.type === 'Identifier' && keep.has(d.id.name)) kept.add(d.id.name);
    }
  }
  const wraps: Expression[] = [];
  for (const statement of program.body) {
    const declaration = statement.type === 'ExportNamedDeclaration' ? statement.declaration : statement;
    if (declaration?.type !== 'VariableDeclaration' || declaration.kind === 'var') continue;
    for (const declarator of declaration.declarations) {
      const init = declarator.init;
      if (!init || !RUNS_CODE.has(init.type) || containsAwait(init)) continue;
      if (declarator.id.type === 'Identifier' && kept.has(declarator.id.name)) continue;
      // Already marked (esbuild marks `new Map()` and the like itself).
      if (ALREADY_PURE.test(js.slice(Math.max(0, init.start - 40), init.start))) continue;
      wraps.push(init);
    }
  }
  let out = js;
  for (const init of wraps.sort((a, b) => b.start - a.start)) {
    out = `${out.slice(0, init.start)}/* @__PURE__ */ (() => (${out.slice(init.start, init.end)}))()${out.slice(init.end)}`;
  }
  return out;
}

/**
 * An esbuild plugin that, in the module at `entry` only, lets the bundler drop the top-level
 * declarations that the exports in `keep` do not use (see `markUnusedPure`). A module that plans into
 * four functions then gives four bundles that each carry one function's definitions and schemas.
 *
 * @example
 * await bundle({ entry: { contents: "export { api } from './app.ts'", resolveDir }, plugins: [onlyExports('app.ts', ['api'])] })
 */
export function onlyExports(entry: string, keep: readonly string[], options: { sourcemap?: boolean } = {}): Plugin {
  const path = resolve(entry);
  const escaped = path.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
  return {
    name: 'onefn-only-exports',
    setup(build) {
      build.onLoad({ filter: new RegExp(`^${escaped}$`) }, async (args) => {
        const source = await readFile(args.path, 'utf8');
        return { contents: await markUnusedPure(source, args.path, new Set(keep), options.sourcemap), loader: 'js', resolveDir: dirname(args.path) };
      });
    },
  };
}
