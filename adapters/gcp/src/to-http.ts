import { sendStream, type ResponseData } from 'onefn/runtime';
import type { GcpResponse } from './native.js';

declare const __ONEFN_STREAMS__: boolean | undefined;

/**
 * Writes a portable response through Node's ServerResponse (what Express's `res` is). Express's own
 * `res.send` is skipped on purpose: it would re-guess the content type and add an ETag; the core has
 * already decided both. Every Set-Cookie value goes out as its own header line.
 */
export function writeResponse(res: GcpResponse, response: ResponseData, head: boolean): void {
  if (res.headersSent) return;
  res.statusCode = response.status;
  const { headers, cookies, body } = response;
  for (const name in headers) {
    const value = headers[name];
    if (value !== undefined) res.setHeader(name, value as string | string[]);
  }
  if (cookies.length) {
    const existing = res.getHeader('set-cookie');
    const before = existing === undefined ? [] : Array.isArray(existing) ? existing : [String(existing)];
    res.setHeader('set-cookie', [...before, ...cookies]);
  }
  // A build without streaming definitions defines __ONEFN_STREAMS__ false, which drops sendStream.
  // The stream is sent on its own: sendStream never rejects, and the response ends when it does.
  if ((typeof __ONEFN_STREAMS__ === 'undefined' || __ONEFN_STREAMS__) && response.stream) return void sendStream(res, response.stream, head || response.status === 204 || response.status === 205 || response.status === 304);
  const chunk = typeof body === 'string' ? body : Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  const length = typeof chunk === 'string' ? Buffer.byteLength(chunk) : chunk.byteLength;
  // 204, 205 and 304 carry no body by definition; HEAD answers with GET's headers and no body.
  const noBody = response.status === 204 || response.status === 205 || response.status === 304;
  if (!noBody) res.setHeader('content-length', length);
  res.end(head || noBody ? undefined : chunk);
}

