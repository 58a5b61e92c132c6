// Deploy tests: the "api" function of deploy-v1.ts, now with a streaming definition.
import { defineHttp, stream } from 'onefn';

export const hello = defineHttp({
  name: 'api',
  method: 'GET',
  route: '/hello',
  public: true,
  stream: true,
  handler: () => stream((async function* () { yield 'v'; yield '2'; })()),
});
