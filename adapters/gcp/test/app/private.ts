// The routed "api" function of app.ts, no longer public, with an environment that asks for
// development mode (which the deploy must not grant).
import { defineHttp, json } from 'onefn';

export const hello = defineHttp({ name: 'api', method: 'GET', route: '/hello', env: { NODE_ENV: 'development' }, handler: () => json({ message: 'Hello' }) });
