// Deploy tests: an environment naming keys Lambda reserves (and sets itself) beside one of its own.
import { defineHttp, json } from 'onefn';

export const hello = defineHttp({ name: 'api', method: 'GET', route: '/hello', public: true, env: { AWS_REGION: 'eu-west-1', _HANDLER: 'other.handler', GREETING: 'hi' }, handler: () => json({ v: 1 }) });
