/** What the Lambda wrappers take at wrap time. */
import type { LogSink } from 'onefn';
import type { ResourceDriverSource } from 'onefn/runtime';

/** Wrap-time options of the internal handlers (handler.ts). */
export interface HandlerOptions {
  /** Where log entries go. Default: Lambda JSON lines on stdout. */
  logSink?: LogSink;
  /** Where handlers that declare `uses` reach their resources: `awsResources` from `@onefn/aws/resources`. */
  resources?: ResourceDriverSource;
}

/** What `wrap` and `serve` take besides the definitions. */
export interface LambdaOptions {
  /**
   * Where handlers that declare `uses` reach their queues, topics and buckets: `awsResources` from
   * `@onefn/aws/resources`. `onefn build aws` passes it for every function that declares a use.
   */
  resources?: ResourceDriverSource;
}

export function handlerOptions(options: LambdaOptions | undefined): HandlerOptions {
  return options?.resources ? { resources: options.resources } : {};
}
