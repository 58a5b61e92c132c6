/**
 * `@onefn/gcp/entry`: what the entry that `onefn build gcp` / `onefn deploy gcp` generates imports.
 * Internal: its names and signatures follow the build, not semver. Write `serve` or `wrap` from
 * `@onefn/gcp` by hand. Each wrapper here pulls in only its own path, so an HTTP-only archive carries
 * no event converters.
 */
export { toEventFunction, toHttpFunction } from './handler.js';
