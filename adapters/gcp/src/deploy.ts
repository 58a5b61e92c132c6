/**
 * `@onefn/gcp/deploy`: build the source archive and deploy it to Cloud Functions (2nd gen). Build
 * time only; the runtime entry never imports it.
 *
 * @example
 * import { buildArchive } from '@onefn/gcp/deploy'
 * const { zip, plans } = await buildArchive({ entry: 'src/api.ts' })
 */
export { buildArchive, type BuildOptions, type BuiltArchive } from './deploy/archive.js';
