/** What `NODE_OPTIONS` carries for a function built with a source map: Node's own source-map support. */
export const SOURCE_MAP_NODE_OPTIONS = '--enable-source-maps';

/**
 * `NODE_OPTIONS` with Node's source-map support added after what is already there (once).
 *
 * @example
 * withSourceMaps('--max-old-space-size=200') // '--max-old-space-size=200 --enable-source-maps'
 */
export function withSourceMaps(nodeOptions: string | undefined): string {
  const given = (nodeOptions ?? '').trim();
  if (given.split(/\s+/).includes(SOURCE_MAP_NODE_OPTIONS)) return given;
  return given ? `${given} ${SOURCE_MAP_NODE_OPTIONS}` : SOURCE_MAP_NODE_OPTIONS;
}

/** The bundle with the comment through which Node finds its map (`mapFile`, beside it in the archive). */
export function linkSourceMap(code: string, mapFile: string): string {
  return `${code}${code.endsWith('\n') ? '' : '\n'}//# sourceMappingURL=${mapFile}\n`;
}
