import { adapterConfig } from '../../tsup.adapter.js';

// functions-framework and Google's API clients stay imports.
// `resources` is the resource driver, a subpath of its own so that only functions that use one import it.
export default adapterConfig([/^@google-cloud\//, 'google-auth-library', /^@onefn\//], { resources: 'src/resources.ts' });
