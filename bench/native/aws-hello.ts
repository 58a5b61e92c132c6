// bench/hello.ts written by hand for a Function URL: the bundle-size comparison's native side.
import type { FunctionUrlEvent, FunctionUrlResult } from './aws-types.js';

export const handler = async (event: FunctionUrlEvent): Promise<FunctionUrlResult> => {
  if (event.rawPath !== '/hello') return { statusCode: 404, body: '' };
  const name = event.queryStringParameters?.['name'] ?? 'world';
  return { statusCode: 200, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ message: `Hello, ${name}!` }) };
};
