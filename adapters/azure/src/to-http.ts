import type { Cookie, HttpResponseInit } from '@azure/functions';
import type { Context } from 'onefn';
import type { BodyStream, ResponseData } from 'onefn/runtime';

declare const __ONEFN_STREAMS__: boolean | undefined;

function decode(value: string): string {
  if (value.indexOf('%') === -1) return value;
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

/**
 * Parses one Set-Cookie value into the library's Cookie. The value is percent-decoded because the host
 * encodes cookie values itself (ASP.NET's response cookies in RPC mode, `cookie.serialize` in stream
 * mode); passing it encoded would encode it twice (seen in Azure/static-web-apps#1140). Attributes the
 * Cookie type cannot carry (Partitioned, Priority, and any other) cannot reach the client, in either
 * of the library's modes: each is dropped and named to `dropped`. Returns undefined for a value
 * without a name.
 *
 * @example
 * parseSetCookie('sid=a%20b; Path=/; HttpOnly; SameSite=Lax')
 * // { name: 'sid', value: 'a b', path: '/', httpOnly: true, sameSite: 'Lax' }
 */
export function parseSetCookie(header: string, dropped?: (attribute: string, cookie: string) => void): Cookie | undefined {
  const parts = header.split(';');
  const first = parts[0] ?? '';
  const eq = first.indexOf('=');
  const name = (eq === -1 ? '' : first.slice(0, eq)).trim();
  if (!name) return undefined;
  let raw = first.slice(eq + 1).trim();
  if (raw.length >= 2 && raw.startsWith('"') && raw.endsWith('"')) raw = raw.slice(1, -1);
  const cookie: Cookie = { name, value: decode(raw) };
  for (let i = 1; i < parts.length; i++) {
    const part = parts[i] as string;
    const at = part.indexOf('=');
    const key = (at === -1 ? part : part.slice(0, at)).trim().toLowerCase();
    const value = at === -1 ? '' : part.slice(at + 1).trim();
    switch (key) {
      case 'domain':
        if (value) cookie.domain = value;
        break;
      case 'path':
        if (value) cookie.path = value;
        break;
      case 'expires': {
        const time = Date.parse(value);
        if (!Number.isNaN(time)) cookie.expires = new Date(time);
        break;
      }
      case 'max-age': {
        const seconds = Number(value);
        if (value !== '' && Number.isFinite(seconds)) cookie.maxAge = Math.trunc(seconds);
        break;
      }
      case 'secure':
        cookie.secure = true;
        break;
      case 'httponly':
        cookie.httpOnly = true;
        break;
      case 'samesite': {
        const v = value.toLowerCase();
        if (v === 'strict' || v === 'lax' || v === 'none') cookie.sameSite = v === 'strict' ? 'Strict' : v === 'lax' ? 'Lax' : 'None';
        break;
      }
      default:
        if (key && dropped) dropped(key, name);
    }
  }
  return cookie;
}

/** What the function's log is told of a cookie attribute that the library has no field for (Partitioned, say). */
const warnDropped =
  (ctx: Pick<Context, 'log'>) =>
  (attribute: string, cookie: string): void =>
    ctx.log.warn('Cookie attribute not sent: Azure Functions has no field for it', { cookie, attribute });

/**
 * The core's response as the library's HttpResponseInit: repeated headers as [name, value] pairs,
 * Set-Cookie values as Cookie objects (a Set-Cookie header would keep only its last value on the way
 * to the host), and binary bodies as bytes. A cookie attribute the library cannot send is logged as a
 * warning through `ctx` (never lost without a word); the warning is built only for a response with
 * cookies.
 */
export function toHttpResponse(response: ResponseData, ctx?: Pick<Context, 'log'>): HttpResponseInit {
  const headers: [string, string][] = [];
  const cookies: Cookie[] = [];
  let dropped: ((attribute: string, cookie: string) => void) | undefined;
  for (const name in response.headers) {
    const value = response.headers[name] as string | readonly string[];
    const isCookie = name.length === 10 && name.toLowerCase() === 'set-cookie';
    for (const one of typeof value === 'string' ? [value] : value) {
      if (isCookie) {
        const cookie = parseSetCookie(one, (dropped ??= ctx && warnDropped(ctx)));
        if (cookie) cookies.push(cookie);
      } else headers.push([name, one]);
    }
  }
  for (const one of response.cookies) {
    const cookie = parseSetCookie(one, (dropped ??= ctx && warnDropped(ctx)));
    if (cookie) cookies.push(cookie);
  }
  const init: HttpResponseInit = { status: response.status, headers };
  if (cookies.length) init.cookies = cookies;
  // A build whose definitions do not stream defines __ONEFN_STREAMS__ false: the core then never
  // answers with a stream, and this branch (with webStream) drops out of the bundle.
  if ((typeof __ONEFN_STREAMS__ === 'undefined' || __ONEFN_STREAMS__) && response.stream) {
    // 204, 205 and 304 carry no body: the library drops one unread (HttpResponse.ts, nullBodyStatuses),
    // so the handler's stream is released here rather than left open until the deadline.
    if (response.status === 204 || response.status === 205 || response.status === 304) {
      response.stream.cancel();
      return init;
    }
    // The DOM's ReadableStream type and Node's (which the library's types name) describe the same object.
    init.body = webStream(response.stream) as unknown as HttpResponseInit['body'];
    return init;
  }
  const body = response.body;
  if (typeof body === 'string' ? body.length > 0 : body.byteLength > 0) init.body = body;
  return init;
}

/**
 * A streamed body as the web ReadableStream the library sends: with `app.setup({ enableHttpStream:
 * true })` (which `register` calls for an app with a streaming definition) it goes to the host chunk
 * by chunk over the library's HTTP proxy; without it, the library reads it whole (buffered). Pulled,
 * so a chunk is read only when the library asks for one; a consumer that cancels cancels the
 * handler's stream. A stream failing after it started errors this one: the library then fails the
 * invocation, and the handler's error stays in the logs.
 */
function webStream(stream: BodyStream): ReadableStream<Uint8Array> {
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        try {
          // The library writes each chunk without waiting for the socket to drain: with HTTP streams,
          // the handler wraps the stream to wait for it (proxy.ts, followConnection); one turn of the
          // event loop per chunk still lets the socket write out before the next chunk is read.
          await new Promise((resolve) => setImmediate(resolve));
          const chunk = await stream.read();
          if (chunk === undefined) controller.close();
          else controller.enqueue(chunk);
        } catch (error) {
          controller.error(error);
        }
      },
      cancel() {
        stream.cancel();
      },
    },
    { highWaterMark: 0 },
  );
}
