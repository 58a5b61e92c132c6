import type { ValidationIssue } from './schema.js';

/**
 * The base of every error onefn raises. `code` is stable and machine-readable; `cause` chains the
 * error that led to it.
 *
 * @example
 * try { await invoke(def, input) } catch (e) { if (e instanceof OnefnError) console.log(e.code) }
 */
export class OnefnError extends Error {
  readonly code: string;
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    // Named explicitly, not from the constructor: minifiers rename classes, and a bundled Lambda would
    // then report errorType "w" instead of "UnsupportedEventError".
    this.name = 'OnefnError';
    this.code = code;
  }
}

/**
 * Thrown by a handler to answer with an HTTP status. The message is sent to the client (it is meant
 * for them); any other thrown value becomes a generic 500.
 *
 * @example
 * if (!user) throw new HttpError(404, `No user ${req.params.id}`)
 */
export class HttpError extends OnefnError {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  constructor(
    status: number,
    message: string,
    options?: { cause?: unknown; code?: string; headers?: Record<string, string> },
  ) {
    if (!Number.isInteger(status) || status < 400 || status > 599) {
      throw new StatusError(`HttpError status must be an integer from 400 to 599, got ${String(status)}`);
    }
    super(options?.code ?? 'HTTP_ERROR', message, options);
    this.name = 'HttpError';
    this.status = status;
    this.headers = options?.headers ?? {};
  }
}

/**
 * Input failed its schema. Over HTTP it becomes a 400 problem+json listing every issue; for a message
 * it marks that message as failed.
 */
export class ValidationError extends HttpError {
  readonly issues: readonly ValidationIssue[];
  constructor(issues: readonly ValidationIssue[]) {
    const first = issues[0];
    const where = first ? `${first.location}${first.path.length ? '.' + first.path.join('.') : ''}` : 'input';
    super(400, `Invalid ${where}: ${first?.message ?? 'validation failed'}`, { code: 'VALIDATION_FAILED' });
    this.name = 'ValidationError';
    this.issues = issues;
  }
}

/**
 * A handler was still running when the invocation's deadline came near, so onefn answered without it:
 * over HTTP a 504 problem, for events a failed outcome per unfinished item (retried like any failure).
 * `unfinished` names the items that had not finished, for events.
 */
export class DeadlineExceededError extends HttpError {
  readonly unfinished: readonly string[];
  constructor(unfinished: readonly string[] = []) {
    const which = unfinished.length ? `; unfinished: ${unfinished.join(', ')}` : '';
    super(504, `The function did not finish before its deadline${which}`, { code: 'DEADLINE_EXCEEDED' });
    this.name = 'DeadlineExceededError';
    this.unfinished = unfinished;
  }
}

/** A definition was made with invalid options. Raised when the definition is made, never later. */
export class DefinitionError extends OnefnError {
  readonly option: string;
  constructor(option: string, message: string) {
    super('INVALID_DEFINITION', `Invalid option "${option}": ${message}`);
    this.name = 'DefinitionError';
    this.option = option;
  }
}

/**
 * A deploy helper was given an invalid option. Raised before any call to the provider, naming the
 * option, by every adapter's deploy helper.
 *
 * @example
 * if (memory > 10240) throw new DeployOptionError('memory', `must be at most 10240 MB, got ${memory}`)
 */
export class DeployOptionError extends OnefnError {
  readonly option: string;
  constructor(option: string, message: string) {
    super('INVALID_DEPLOY_OPTION', `Invalid option "${option}": ${message}`);
    this.name = 'DeployOptionError';
    this.option = option;
  }
}

/**
 * An adapter received an event the definition does not serve (or no event kind it knows). Raised before
 * any user code runs; `received` names what arrived.
 */
export class UnsupportedEventError extends OnefnError {
  readonly received: string;
  constructor(received: string, expected: string, options?: { cause?: unknown }) {
    super('UNSUPPORTED_EVENT', `Unsupported event: received ${received}, this function serves ${expected}`, options);
    this.name = 'UnsupportedEventError';
    this.received = received;
  }
}

/** An event of a known kind was malformed (a missing field, undecodable data). */
export class MalformedEventError extends OnefnError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('MALFORMED_EVENT', `Malformed event: ${message}`, options);
    this.name = 'MalformedEventError';
  }
}

/**
 * `setCookie` was given an invalid name, value or attribute. Raised at the call, naming the attribute
 * and the rule it broke but never the value (cookie values are often secrets).
 *
 * @example
 * setCookie('sid', id, { path: '/; Domain=evil.example' }) // throws CookieError (code INVALID_COOKIE, attribute 'path')
 */
export class CookieError extends OnefnError {
  readonly attribute: string;
  constructor(attribute: string, message: string, options?: { cause?: unknown }) {
    super('INVALID_COOKIE', message, options);
    this.name = 'CookieError';
    this.attribute = attribute;
  }
}

/**
 * An HTTP handler's result has a header that cannot go on the wire: a name that is not an HTTP token,
 * or a value (a Set-Cookie string too) with CR, LF or another character HTTP forbids. Raised before
 * the result leaves the pipeline; it is logged and the client gets the generic 500. It names the
 * header, never its value.
 *
 * @example
 * return redirect(`/search?q=${q}`) // q with CR/LF: HeaderError (code INVALID_HEADER, header 'location'); encodeURIComponent(q) instead
 */
export class HeaderError extends OnefnError {
  readonly header: string;
  constructor(header: string, message: string, options?: { cause?: unknown }) {
    super('INVALID_HEADER', message, options);
    this.name = 'HeaderError';
    this.header = header;
  }
}

/**
 * An HTTP handler's result has a status that is not an integer from 200 to 599; logged, answered with
 * the generic 500.
 *
 * @example
 * return { status: 1000 } // logged as StatusError (code INVALID_STATUS); the client gets the generic 500
 */
export class StatusError extends OnefnError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('INVALID_STATUS', message, options);
    this.name = 'StatusError';
  }
}

/** Names a thrown value in one line, for errors and logs that must not leak a stack. */
export function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return `an array of ${value.length}`;
  if (typeof value === 'object') {
    const keys = Object.keys(value).slice(0, 6);
    return keys.length ? `an object with keys ${keys.join(', ')}` : 'an empty object';
  }
  if (typeof value === 'string') return `a string (${value.length} characters)`;
  return `a ${typeof value}`;
}

/**
 * A streamed response that could not finish: the handler's stream failed after its first chunk, was
 * cut at the deadline, or the client went away. Its message is generic on purpose: it is what an
 * adapter reports to its platform (Lambda's error trailers, say); the handler's own error is in the
 * function's logs. `code` is `STREAM_FAILED`, `STREAM_DEADLINE` or `CLIENT_CLOSED`.
 *
 * @example
 * // ctx.signal's reason when the client of a streamed answer disconnects
 * if (ctx.signal.reason instanceof StreamError && ctx.signal.reason.code === 'CLIENT_CLOSED') return
 */
export class StreamError extends OnefnError {
  constructor(code: 'STREAM_FAILED' | 'STREAM_DEADLINE' | 'CLIENT_CLOSED', message: string, options?: { cause?: unknown }) {
    super(code, message, options);
    this.name = 'StreamError';
  }
}

/**
 * An `sse()` event that cannot be sent: an `event` or `id` holding CR, LF or NUL (it would start
 * another field), or a `retry` that is not a non-negative integer. Code `INVALID_SSE_EVENT`.
 */
export class SseError extends OnefnError {
  readonly field: string;
  constructor(field: string, message: string) {
    super('INVALID_SSE_EVENT', message);
    this.name = 'SseError';
    this.field = field;
  }
}
