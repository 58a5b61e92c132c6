// bench/hello.ts written directly against functions-framework.
import { http } from '@google-cloud/functions-framework';

http('hello', (req, res) => {
  if (req.path !== '/hello') return void res.status(404).end();
  res.status(200).json({ message: `Hello, ${String(req.query['name'] ?? 'world')}!` });
});
