import { adapterConfig } from '../../tsup.adapter.js';

// The AWS SDK (and esbuild, for deploy builds) stay imports: a Lambda bundle carries neither.
export default adapterConfig([/^@aws-sdk\//, /^@smithy\//, 'esbuild']);
