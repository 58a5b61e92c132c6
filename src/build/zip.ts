import { zipSync, type Zippable } from 'fflate';
import { BuildError } from './errors.js';

/** Files for an archive: path inside the archive to content. */
export type ArchiveFiles = Readonly<Record<string, string | Uint8Array>>;

// DOS time cannot go below 1980; a fixed stamp keeps archives byte-identical between builds.
const FIXED_TIME = new Date('1980-01-01T00:00:00Z');

/**
 * A deterministic zip: entries sorted by path, one fixed timestamp, regular-file permissions (0644),
 * so that the same files give the same bytes and the same hash (Lambda's CodeSha256, say).
 *
 * @example
 * const zip = zipFiles({ 'index.mjs': code, 'package.json': '{"type":"module"}' })
 */
export function zipFiles(files: ArchiveFiles): Uint8Array {
  const tree: Zippable = {};
  for (const path of Object.keys(files).sort()) {
    if (!path || path.startsWith('/') || path.split('/').includes('..')) throw new BuildError('BAD_ARCHIVE_PATH', `Bad archive path: ${path}`);
    const content = files[path] as string | Uint8Array;
    const data = typeof content === 'string' ? new TextEncoder().encode(content) : content;
    // attrs: Unix mode 0100644 in the high 16 bits, as zip tools read it.
    tree[path] = [data, { mtime: FIXED_TIME, level: 9, os: 3, attrs: (0o100644 << 16) >>> 0 }];
  }
  return zipSync(tree);
}
