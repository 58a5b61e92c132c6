import { context, type BuildResult, type Message } from 'esbuild';
import { existsSync } from 'node:fs';
import { dirname } from 'node:path';
import { esbuildOptions, importBundle } from '../build/bundle.js';
import { BuildError } from '../build/errors.js';

export interface ModuleHooks {
  /** Takes a freshly imported module; throwing rejects that version. */
  loaded(moduleNamespace: Record<string, unknown>): void;
  /** A later version failed to build, import or load; the previous one stays. */
  failed(error: unknown): void;
  /** Runs the import, so that work the module's top level starts can be told apart. */
  importing<T>(load: () => Promise<T>): Promise<T>;
}

export interface WatchedModule {
  /** Builds again now; the outcome goes to the hooks. */
  reload(): Promise<void>;
  close(): Promise<void>;
}

function buildError(errors: readonly Message[]): BuildError {
  const lines = errors.map((e) => (e.location ? `${e.location.file}:${e.location.line}:${e.location.column}: ${e.text}` : e.text));
  return new BuildError('BUILD_FAILED', `build failed: ${lines.join('; ')}`);
}

/**
 * Loads a module as `loadModule` does, but through one esbuild context kept for the server's life.
 * With `watch`, esbuild's own watcher rebuilds when the entry or any file it imports changes. It
 * compares file contents rather than trusting `fs.watch`, which loses a file replaced by rename (how
 * `sed -i` and many editors save); it watches exactly the module's graph, wherever those files are,
 * and not unrelated files beside the entry (the bundles written below it, a handler's own output).
 * Resolves once the first version is loaded; rejects, keeping nothing open, when it cannot be.
 */
export async function openModule(entry: string, watch: boolean, hooks: ModuleHooks): Promise<WatchedModule> {
  if (!existsSync(entry)) throw new BuildError('ENTRY_NOT_FOUND', `No such module: ${entry}`);
  let lastCode: string | undefined;
  let lastError: unknown;
  let started = false;

  async function built(result: BuildResult): Promise<void> {
    lastError = undefined;
    try {
      if (result.errors.length) throw buildError(result.errors);
      const code = result.outputFiles?.find((f) => f.path.endsWith('.js'))?.text;
      if (code === undefined) throw new BuildError('BUILD_FAILED', 'esbuild produced no output');
      // A save that changes nothing, or watch mode's first build, would only pile up module records.
      if (code === lastCode) return;
      hooks.loaded(await hooks.importing(() => importBundle(code, dirname(entry))));
      lastCode = code;
    } catch (error) {
      lastError = error;
      if (started) hooks.failed(error);
    }
  }

  const ctx = await context({
    // `onefn` itself stays external even where a tsconfig `paths` entry maps it to sources (this
    // repository's examples): one copy of it in the process, so that the context the dev server makes
    // is the one the module's handlers recognize (`ctx.resources` reads the server's local driver).
    ...esbuildOptions({ entry, minify: false, packagesExternal: true, sourcemap: false, external: ['onefn', 'onefn/*', '@onefn/*'] }),
    plugins: [{ name: 'onefn-dev', setup: (build) => void build.onEnd(built) }],
  });
  // Failures reach `built` as results; the rejection repeats them.
  const rebuild = (): Promise<void> => ctx.rebuild().then(
    () => undefined,
    () => undefined,
  );
  await rebuild();
  if (lastError !== undefined) {
    await ctx.dispose();
    throw lastError;
  }
  started = true;
  if (watch) await ctx.watch();
  return { reload: rebuild, close: () => ctx.dispose() };
}
