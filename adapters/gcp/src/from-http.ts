import type { Native } from 'onefn';
import { createRequest, type PortableRequest, type RawBody } from 'onefn/runtime';
import type { GcpRequest } from './native.js';

/**
 * The body bytes. functions-framework's parsers save them on `rawBody` for every content type they
 * accept (JSON, text, forms, and `*\/*` raw); only a body without a content type is left unread in
 * the stream, so that case is read here (rare: a CloudEvent in binary mode without content type).
 */
export function bodyOf(req: GcpRequest): RawBody | undefined | Promise<RawBody | undefined> {
  if (req.rawBody) return { data: req.rawBody };
  if (typeof req.body === 'string') return { data: req.body };
  if (req.readableEnded || !hasBody(req)) return undefined;
  return readStream(req);
}

function hasBody(req: GcpRequest): boolean {
  const length = req.headers['content-length'];
  return req.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
}

async function readStream(req: GcpRequest): Promise<RawBody> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer));
  return { data: Buffer.concat(chunks) };
}

/**
 * The portable request from the framework's Express request. The path and query come from the URL
 * exactly as sent (still percent-encoded: the core decodes), headers are Node's lower-cased ones, and
 * the body is the raw bytes, so a signature check or a binary upload sees what the client sent.
 */
export function fromHttp(req: GcpRequest, body: RawBody | undefined, native: Native): PortableRequest {
  const url = req.originalUrl ?? req.url ?? '/';
  const q = url.indexOf('?');
  return createRequest({
    method: req.method ?? 'GET',
    path: q === -1 ? url : url.slice(0, q),
    query: q === -1 ? undefined : url.slice(q + 1),
    headers: req.headers,
    headersLowerCased: true,
    body,
    ip: req.ip ?? req.socket?.remoteAddress,
    native,
  });
}
