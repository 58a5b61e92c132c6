import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';

/**
 * The request functions-framework hands an HTTP function: an Express request. Only what onefn reads
 * is declared here (structurally, as Hono does for Lambda), so users need not install Express types.
 */
export interface GcpRequest extends IncomingMessage {
  /** The URL as received, path and query (Express keeps it even when `url` is rewritten). */
  readonly originalUrl?: string;
  /** The body as the framework's body parsers left it: JSON, text, a form record or a Buffer. */
  readonly body?: unknown;
  /** The exact body bytes, saved by the framework's parsers (absent when no parser ran). */
  readonly rawBody?: Buffer;
  /** The client address (the framework trusts X-Forwarded-For). */
  readonly ip?: string;
  /** The framework's execution id (the `function-execution-id` header, or one it made up). */
  readonly executionId?: string;
  /** Set by the framework when it runs with a timeout; aborts on timeout or a closed connection. */
  readonly abortController?: AbortController;
  readonly headers: IncomingHttpHeaders;
}

/** The response object: a Node ServerResponse (Express adds to it; onefn needs nothing more). */
export type GcpResponse = ServerResponse;

/** A CloudEvent as functions-framework's `cloudEvent()` signature passes it: attributes and `data`. */
export interface GcpCloudEventObject {
  readonly specversion?: string;
  readonly id?: string;
  readonly source?: string;
  readonly type?: string;
  readonly data?: unknown;
  readonly [attribute: string]: unknown;
}

/**
 * `ctx.native` on Google Cloud: the request (or, through `toCloudEventFunction`, the CloudEvent
 * object the framework parsed) and the response, when there is one to write to.
 */
export interface GcpNative {
  readonly event: GcpRequest | GcpCloudEventObject;
  readonly context: GcpResponse | undefined;
}
/** functions-framework's rule for registered names (src/function_registry.ts, isValidFunctionName). */
export const FRAMEWORK_NAME = /^[A-Za-z](?:[-_A-Za-z0-9]{0,61}[A-Za-z0-9])?$/;
