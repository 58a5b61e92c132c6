// bench/hello.ts written directly against @azure/functions v4: the bundle-size comparison's native side.
import { app } from '@azure/functions';

app.http('hello', {
  route: 'hello',
  methods: ['GET'],
  authLevel: 'anonymous',
  handler: async (req) => ({ jsonBody: { message: `Hello, ${req.query.get('name') ?? 'world'}!` } }),
});
