// The streaming conformance suite on Azure, in a file (so a process) of its own: HTTP streams are a
// process-wide setting of @azure/functions (app.setup({ enableHttpStream: true }), which `register`
// calls for an app with a streaming definition), fixed when the worker starts. Requests go through
// the library's own HTTP proxy, as the host forwards them, and the answer is read from it as it comes.
import { register } from '@onefn/azure';
import { azureHost, rpcHttp } from '@onefn/azure/testing';
import { streamAnswer } from './stream-client.js';
import { streamConformance } from './stream-suite.js';

const host = azureHost();

streamConformance({
  provider: 'azure',
  // The proxy's connection closing (the host dropping the request of a client that left) is followed
  // through Node's http.server.request.start diagnostics channel (adapters/azure/src/proxy.ts).
  seesDisconnect: true,
  async stream(definitions, request) {
    host.reset();
    const [spec] = register(Object.fromEntries(definitions.map((d, i) => [`s${i}`, d])), { routedName: 'api' });
    const { response, done } = host.stream(spec!.name, rpcHttp({ method: request.method ?? 'GET', url: `/api${request.path}`, headers: request.headers }));
    const res = await response;
    const logs: string[] = [];
    void done.then((r) => logs.push(...r.logs.map((l) => `${l.level} ${l.message}`)));
    const answer = streamAnswer(res, () => res.destroy(), () => logs);
    const end = Promise.all([answer.end, done]).then(([ended, result]) =>
      result.status === 'failure' ? { how: 'aborted' as const, errorType: (result.error as Error).name } : ended,
    );
    return { ...answer, end };
  },
});
