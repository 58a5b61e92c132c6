import { adapterConfig } from '../../tsup.adapter.js';

// The AWS SDK (and esbuild, for deploy builds) stay imports: a Lambda bundle carries neither.
// `resources` is the resource driver, a subpath of its own so that only functions that use a queue,
// topic or bucket import it.
export default adapterConfig([/^@aws-sdk\//, /^@smithy\//, 'esbuild'], { resources: 'src/resources.ts' });
