import { DefinitionError, type HttpDefinition, type Native } from 'onefn';
import { createRouter, problem } from 'onefn/runtime';
import { bodyOf, fromHttp } from './from-http.js';
import type { GcpRequest, GcpResponse } from './native.js';
import { httpRequestId, invocationContext, resolveConfig, type GcpOptions } from './options.js';
import { writeResponse } from './to-http.js';

/** A functions-framework HTTP function: `(req, res)`, registered with `http(name, fn)`. */
// Defined as true by the deploy build, whose generated entry passes planned, non-empty lists.
declare const __ONEFN_CHECKED__: true | undefined;

export type GcpHttpFunction = (req: GcpRequest, res: GcpResponse) => Promise<void>;

/**
 * Wraps HTTP definitions (routed together, as their deployed function does) into a functions-framework
 * HTTP function. The router is built once here; per request there is only the conversion, the
 * pipeline and the write. The pipeline never throws, and anything that fails around it answers a
 * generic 500 here, so the framework's own error answer (which sends the error's message) never runs.
 *
 * @example
 * import { http } from '@google-cloud/functions-framework'
 * import { toHttpFunction } from '@onefn/gcp'
 * import { getUser, createUser } from './api.js'
 * http('api', toHttpFunction([getUser, createUser]))
 */
export function toHttpFunction(definitions: HttpDefinition | readonly HttpDefinition[], options: GcpOptions & { name?: string } = {}): GcpHttpFunction {
  const defs = Array.isArray(definitions) ? (definitions as readonly HttpDefinition[]) : [definitions as HttpDefinition];
  if (typeof __ONEFN_CHECKED__ === 'undefined' && !defs.length) throw new DefinitionError('definitions', 'toHttpFunction needs at least one HTTP definition');
  const { name, ...rest } = options;
  const first = defs[0] as HttpDefinition;
  const timeout = defs.reduce<number | undefined>((max, d) => (d.settings.timeout === undefined ? max : Math.max(max ?? 0, d.settings.timeout)), undefined);
  const config = resolveConfig(rest, name ?? first.settings.name ?? 'function', timeout === undefined ? {} : { timeout });
  const router = createRouter(defs);

  return async (req, res) => {
    let ctx;
    try {
      const raw = bodyOf(req);
      const body = raw instanceof Promise ? await raw : raw;
      const native = { provider: 'gcp', event: req, context: res } as Native;
      const portable = fromHttp(req, body, native);
      ctx = invocationContext(config, httpRequestId(req), req, native);
      writeResponse(res, await router.handle(portable, ctx), portable.method === 'HEAD');
    } catch (error) {
      // Only a broken request stream or a failing write gets here; the details go to the logs.
      if (ctx) ctx.log.error('Request failed outside the handler', { error });
      // Before the context exists (a broken body stream), still leave a Cloud Logging line.
      else process.stderr.write(JSON.stringify({ severity: 'ERROR', message: 'Request failed outside the handler', error: String(error) }) + '\n');
      writeResponse(res, problem(500, 'The function failed. See its logs for details.'), false);
    }
  };
}
