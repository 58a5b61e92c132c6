import { adapterConfig } from '../../tsup.adapter.js';

// functions-framework and Google's API clients stay imports.
export default adapterConfig([/^@google-cloud\//, 'google-auth-library', /^@onefn\//]);
