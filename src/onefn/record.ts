/**
 * Records whose keys a client or a producer chose: query parameters, cookies, header objects, form
 * fields, route parameters, message attributes, CloudEvent extensions. They inherit nothing (their
 * prototype is one shared, frozen, empty object that has no prototype itself), so a key such as
 * `__proto__`, `constructor` or `toString` is an ordinary key: nothing is inherited, no key is
 * dropped, and no input can set the record's prototype (`{}` would drop `__proto__=x` and turn
 * `__proto__=a&__proto__=b` into the record's prototype). Schema validators read them as objects.
 *
 * Every parser that fills a record from input keys starts from `inputRecord()`.
 *
 * @example
 * const out = inputRecord<string>()
 * out['__proto__'] = 'sent'   // an own key, read back as sent
 */
export function inputRecord<T>(): Record<string, T> {
  return new (InputRecord as unknown as new () => Record<string, T>)();
}

// Not Object.create(null): V8 keeps such objects as hash tables, and every store of a key read off
// input (a cookie's or a parameter's name) went through the runtime, at several times the cost of a
// store into an ordinary object; two cookies, two query parameters and a route parameter made that a
// measurable part of a request. A constructor's instances stay in fast mode and share hidden classes
// for the same keys, and their prototype, empty and without a prototype, leaves nothing to inherit.
function InputRecord(): void {}
InputRecord.prototype = Object.freeze(Object.create(null) as object);

/** True when `value` was made by `inputRecord()` (it then inherits nothing). */
export function isInputRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && Object.getPrototypeOf(value) === InputRecord.prototype;
}

/** An empty, frozen input record, shared where nothing was sent. */
export const EMPTY_RECORD: Readonly<Record<string, never>> = Object.freeze(inputRecord<never>());
