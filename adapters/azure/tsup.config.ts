import { adapterConfig } from '../../tsup.adapter.js';

// @azure/functions (a peer dependency) and the deploy-time Azure SDKs stay imports.
// `resources` is the resource driver, a subpath of its own so that only functions that use one import it.
export default adapterConfig([/^@azure\//], { resources: 'src/resources.ts' });
