// Deploy tests: version 2 of the "api" module: new code, more memory, an environment variable.
import { defineHttp, json } from 'onefn';

export const hello = defineHttp({ name: 'api', method: 'GET', route: '/hello', public: true, memory: 512, env: { GREETING: 'hi' }, handler: () => json({ v: 2 }) });
