// The hello example: two HTTP definitions on one route, which deploy as one routed function.
//   GET  /hello?name=Ada           -> {"message":"Hello, Ada!"}
//   POST /hello {"name":"Ada"}     -> {"message":"Hello, Ada!"}, anything else a 400 problem+json
//
// It validates with `zod/mini`, zod 4's tree-shakable build: the same schemas and messages as `zod`,
// written as functions, so that the deployed function stays small (see bench/RESULTS.md).
import { defineHttp, json } from 'onefn';
import * as z from 'zod/mini';
import { en } from 'zod/locales';

// zod/mini carries no messages until a locale is chosen; English costs about 1 KB gzip.
z.config(en());

const Name = z.string().check(z.minLength(1), z.maxLength(100));
const greet = (name: string | undefined): { message: string } => ({ message: `Hello, ${name ?? 'world'}!` });

export const sayHello = defineHttp({
  method: 'GET',
  route: '/hello',
  query: z.object({ name: z.optional(Name) }),
  public: true,
  handler: (req) => json(greet(req.query.name)),
});

export const postHello = defineHttp({
  method: 'POST',
  route: '/hello',
  body: z.object({ name: Name }),
  public: true,
  handler: (req, ctx) => {
    ctx.log.info('greeting', { name: req.body.name });
    return json(greet(req.body.name));
  },
});
