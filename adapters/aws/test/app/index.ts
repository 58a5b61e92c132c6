// A small onefn module used by the build and real-runtime tests: one routed HTTP function and one
// SQS consumer.
import { defineHttp, defineQueue, json, setCookie } from 'onefn';

export const hello = defineHttp({
  method: 'POST',
  route: '/hello/:name',
  handler: (req, ctx) => {
    ctx.log.info('greeting', { name: req.params.name });
    return json(
      { message: `Hello, ${req.params.name}!`, body: req.body, requestId: ctx.requestId, functionName: ctx.functionName },
      { status: 201, headers: { 'x-powered-by': 'onefn' }, cookies: [setCookie('seen', '1'), setCookie('theme', 'dark')] },
    );
  },
});

export const health = defineHttp({ method: 'GET', route: '/health', handler: () => json({ ok: true }) });

// A handler that never answers (a promise that never settles leaves nothing in the event loop): the
// deadline cutoff must answer for it.
export const hang = defineHttp({ method: 'GET', route: '/hang', handler: () => new Promise<never>(() => {}) });

export const orders = defineQueue({
  queue: 'orders',
  handler: (message) => {
    const body = message.body as { fail?: boolean; hang?: boolean };
    if (body.fail) throw new Error(`order ${message.id} failed`);
    if (body.hang) return new Promise<never>(() => {});
    return undefined;
  },
});
