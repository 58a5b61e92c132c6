import { BRIDGE_PROVIDERS } from './bridge.js';

/** Where the dashboard lives; its JSON API is under `${DASHBOARD_PATH}/api/v1`. */
export const DASHBOARD_PATH = '/_onefn';
export const API_PATH = `${DASHBOARD_PATH}/api/v1`;
/** What a request can be sent through: the portable pipeline, or a provider's adapter. */
export const THROUGH = ['local', ...BRIDGE_PROVIDERS] as const;
