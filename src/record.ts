/**
 * Records whose keys a client or a producer chose: query parameters, cookies, header objects, form
 * fields, route parameters, message attributes, CloudEvent extensions. They have no prototype, so a
 * key such as `__proto__`, `constructor` or `toString` is an ordinary key: nothing is inherited, no
 * key is dropped, and no input can set the record's prototype (`{}` would drop `__proto__=x` and turn
 * `__proto__=a&__proto__=b` into the record's prototype). Schema validators read them as objects.
 *
 * Every parser that fills a record from input keys starts from `inputRecord()`.
 *
 * @example
 * const out = inputRecord<string>()
 * out['__proto__'] = 'sent'   // an own key, read back as sent
 */
export function inputRecord<T>(): Record<string, T> {
  return Object.create(null) as Record<string, T>;
}

/** An empty, frozen input record, shared where nothing was sent. */
export const EMPTY_RECORD: Readonly<Record<string, never>> = Object.freeze(inputRecord<never>());
