import { OnefnError } from '../onefn/errors.js';

/**
 * Building a user's module failed: its entry is missing (`ENTRY_NOT_FOUND`), esbuild gave no output
 * (`BUILD_FAILED`), or an archive was asked to hold a path outside itself (`BAD_ARCHIVE_PATH`).
 *
 * @example
 * try { await loadModule('src/api.ts') } catch (e) { if (e instanceof BuildError && e.code === 'ENTRY_NOT_FOUND') ... }
 */
export class BuildError extends OnefnError {
  constructor(code: 'ENTRY_NOT_FOUND' | 'BUILD_FAILED' | 'BAD_ARCHIVE_PATH', message: string, options?: { cause?: unknown }) {
    super(code, message, options);
    this.name = 'BuildError';
  }
}
