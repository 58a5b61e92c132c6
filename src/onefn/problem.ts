import { HttpError, ValidationError } from './errors.js';
import { foldHeaderCase } from './header-syntax.js';
import type { ResponseData } from './response.js';

const TITLES: Record<number, string> = {
  400: 'Bad Request', 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found', 405: 'Method Not Allowed',
  406: 'Not Acceptable', 409: 'Conflict', 410: 'Gone', 413: 'Content Too Large', 415: 'Unsupported Media Type',
  422: 'Unprocessable Content', 429: 'Too Many Requests', 500: 'Internal Server Error', 502: 'Bad Gateway',
  503: 'Service Unavailable', 504: 'Gateway Timeout',
};

/** The standard reason phrase of a status (ALB needs it), or a generic one. */
export function statusTitle(status: number): string {
  return TITLES[status] ?? (status >= 500 ? 'Server Error' : status >= 400 ? 'Client Error' : 'OK');
}

const NO_HEADERS: Record<string, string> = Object.freeze({}) as Record<string, string>;

/** An RFC 9457 problem document as a response. */
export function problem(status: number, detail: string, extra: Record<string, unknown> = {}, headers: Record<string, string> = NO_HEADERS): ResponseData {
  const body = { type: 'about:blank', title: statusTitle(status), status, detail, ...extra };
  // The error's own headers may spell Content-Type otherwise: folded, so that the problem's type wins everywhere.
  const all = { ...headers, 'content-type': 'application/problem+json' };
  return { status, headers: headers === NO_HEADERS ? all : foldHeaderCase(all), cookies: [], body: JSON.stringify(body) };
}

/** The response for an HttpError: its status and message, and every issue for a validation error. */
export function problemFromError(error: HttpError): ResponseData {
  const extra: Record<string, unknown> = { code: error.code };
  if (error instanceof ValidationError) extra['issues'] = error.issues;
  return problem(error.status, error.message, extra, { ...error.headers });
}
