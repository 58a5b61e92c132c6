// The hello function that the bundle-weight target ("a bundled hello function is ≤ 10 KB gzip") is
// measured on, as `onefn build aws` bundles it:
//   GET /hello?name=Ada -> {"message":"Hello, Ada!"}
// examples/hello is the same greeting with zod/mini validation; bench/RESULTS.md gives both sizes.
import { defineHttp, json } from 'onefn';

export const hello = defineHttp({
  method: 'GET',
  route: '/hello',
  public: true,
  handler: (req) => json({ message: `Hello, ${String(req.query['name'] ?? 'world')}!` }),
});
