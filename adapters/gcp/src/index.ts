/**
 * `@onefn/gcp`: run onefn definitions on Google Cloud Functions (2nd gen) under functions-framework.
 * native request -> portable input (`from-*.ts`) -> the core pipeline -> native response (`to-http.ts`).
 *
 * @example
 * import { register } from '@onefn/gcp'
 * import * as api from './api.js'
 * register(api)   // then: functions-framework --target=<planned name>
 */
import type { GcpNative } from './native.js';

export { register } from './register.js';
export { toHttpFunction, type GcpHttpFunction } from './http-function.js';
export { toCloudEventFunction, toEventFunction, type GcpCloudEventFunction } from './event-function.js';
export { cloudLoggingSink, parseTrace, type LineWriter, type TraceContext } from './log-sink.js';
export type { GcpOptions } from './options.js';
export type { GcpCloudEventObject, GcpNative, GcpRequest, GcpResponse } from './native.js';
export { DELIVERY_FORMATS, type DeliveryFormat } from './from-delivery.js';

declare module 'onefn' {
  interface NativeRegistry {
    gcp: GcpNative;
  }
}
