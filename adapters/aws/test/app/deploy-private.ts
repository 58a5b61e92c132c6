// Deploy tests: the "api" function of deploy-v1.ts, no longer public.
import { defineHttp, json } from 'onefn';

export const hello = defineHttp({ name: 'api', method: 'GET', route: '/hello', handler: () => json({ v: 1 }) });
