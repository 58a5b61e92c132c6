// Deploy tests: version 1 of a module with one public routed HTTP function named "api".
import { defineHttp, json } from 'onefn';

export const hello = defineHttp({ name: 'api', method: 'GET', route: '/hello', public: true, handler: () => json({ v: 1 }) });
