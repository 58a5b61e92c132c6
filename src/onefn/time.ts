import { MalformedEventError } from './errors.js';

/**
 * A provider's time (a Date, an ISO string, or epoch milliseconds as a number or digits) as a Date;
 * an unreadable one is a malformed event, naming the field (and not repeating the value: the error
 * can become a 400 problem, which never echoes input).
 */
export function toDate(value: Date | string | number | undefined, field: string): Date | undefined {
  if (value === undefined) return undefined;
  const date = value instanceof Date ? value : new Date(typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : value);
  if (Number.isNaN(date.getTime())) throw new MalformedEventError(`${field} is not a valid time`);
  return date;
}
