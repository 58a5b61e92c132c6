import { adapterConfig } from '../../tsup.adapter.js';

// @azure/functions (a peer dependency) and the deploy-time Azure SDKs stay imports.
export default adapterConfig([/^@azure\//]);
