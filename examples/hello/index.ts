// The hello example: two HTTP definitions on one route, which deploy as one routed function.
//   GET  /hello?name=Ada           -> {"message":"Hello, Ada!"}
//   POST /hello {"name":"Ada"}     -> {"message":"Hello, Ada!"}, anything else a 400 problem+json
import { defineHttp, json } from 'onefn';
import { z } from 'zod';

const greet = (name: string | undefined): { message: string } => ({ message: `Hello, ${name ?? 'world'}!` });

export const sayHello = defineHttp({
  method: 'GET',
  route: '/hello',
  query: z.object({ name: z.string().min(1).max(100).optional() }),
  public: true,
  handler: (req) => json(greet(req.query.name)),
});

export const postHello = defineHttp({
  method: 'POST',
  route: '/hello',
  body: z.object({ name: z.string().min(1).max(100) }),
  public: true,
  handler: (req, ctx) => {
    ctx.log.info('greeting', { name: req.body.name });
    return json(greet(req.body.name));
  },
});
