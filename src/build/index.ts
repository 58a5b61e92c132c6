/**
 * `onefn/build`: build-time helpers shared by every provider's deploy helper: esbuild bundling, a
 * deterministic zip, and loading a user's module to read its definitions. Never imported at runtime.
 *
 * @example
 * import { bundle, zipFiles } from 'onefn/build'
 * const { code } = await bundle({ entry: 'src/api.ts' })
 * const zip = zipFiles({ 'index.mjs': code })
 */
export { bundle, loadModule, type BundleOptions, type BundleOutput } from './bundle.js';
export { markUnusedPure, onlyExports } from './only-exports.js';
export { linkSourceMap, SOURCE_MAP_NODE_OPTIONS, withSourceMaps } from './sourcemap.js';
export { zipFiles, type ArchiveFiles } from './zip.js';
export { sha256Base64 } from './hash.js';
export { DeployOptionError } from '../onefn/errors.js';
export { CredentialsError } from './credentials.js';
export { BuildError } from './errors.js';
export { loadOptional, missingPackage, MissingPackageError, type OptionalPackage } from '../runtime/optional-package.js';
