import { sendStream } from '../runtime/send-stream.js';
import { STATUS_CODES, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { problem } from '../onefn/problem.js';
import type { ResponseData } from '../onefn/response.js';

/** The body, or why there is none: larger than the limit, or the client went away first. */
export function readBody(req: IncomingMessage, limit: number): Promise<Uint8Array | 'too-large' | 'gone'> {
  return new Promise((resolveBody) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        req.pause();
        resolveBody('too-large');
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolveBody(Buffer.concat(chunks)));
    // A client that hangs up mid-body is no failure of anyone's; 'close' comes last either way.
    req.on('error', () => resolveBody('gone'));
    req.on('close', () => resolveBody('gone'));
  });
}

/** The path and query of a request target; the absolute form (`GET http://host/p`) is read by its path. */
export function splitTarget(url: string): { path: string; query: string } {
  let target = url;
  if (!target.startsWith('/')) {
    const authority = /^[a-z][a-z0-9+.-]*:\/\/[^/?#]*/i.exec(target);
    if (authority) target = target.slice(authority[0].length) || '/';
  }
  const q = target.indexOf('?');
  return q === -1 ? { path: target, query: '' } : { path: target.slice(0, q), query: target.slice(q + 1) };
}

export function send(res: ServerResponse, data: ResponseData, head: boolean): void {
  const headers: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(data.headers)) headers[name] = typeof value === 'string' ? value : [...value];
  if (data.cookies.length) headers['set-cookie'] = [...data.cookies];
  res.writeHead(data.status, headers);
  if (data.stream) return void sendStream(res, data.stream, head || data.status === 204 || data.status === 304);
  res.end(head ? undefined : data.body);
}

/** Forgets headers a failed `send` left set, so that a problem document can go out clean. */
export function resetHeaders(res: ServerResponse): void {
  for (const name of res.getHeaderNames()) res.removeHeader(name);
}

/**
 * Answers a request Node's HTTP parser refused (a raw CR or LF in the request line, a bad header,
 * a request line or headers too long) with a problem document, as every other refusal gets, instead
 * of Node's bare status line. Node leaves the socket to the 'clientError' listener.
 */
export function refuseMalformed(error: Error & { code?: string }, socket: Duplex): void {
  if (error.code === 'ECONNRESET' || !socket.writable) {
    socket.destroy();
    return;
  }
  const status = error.code === 'HPE_HEADER_OVERFLOW' ? 431 : error.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 408 : 400;
  const detail =
    status === 431 ? 'The request line or headers are too large' : status === 408 ? 'The request took too long to arrive' : `The request is not well-formed HTTP (${error.code ?? 'parse error'})`;
  const answer = problem(status, detail);
  const body = Buffer.from(answer.body as string);
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ''}\r\ncontent-type: application/problem+json\r\ncontent-length: ${body.byteLength}\r\nconnection: close\r\n\r\n${body.toString('latin1')}`,
    'latin1',
  );
}
