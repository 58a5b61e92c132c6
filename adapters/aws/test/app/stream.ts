// The streaming example as one routed function, plus a handler whose stream fails after its first
// chunk: built into a zip and run under aws-lambda-ric by the real-runtime streaming test.
import { defineHttp, stream } from 'onefn';

export { clock, exportCsv } from '../../../../examples/stream/index.js';

export const late = defineHttp({
  method: 'GET',
  route: '/late',
  stream: true,
  handler: () =>
    stream(
      (async function* () {
        yield 'row 1\n';
        await new Promise((resolve) => setTimeout(resolve, 20));
        throw new Error('db password is hunter2');
      })(),
    ),
});
