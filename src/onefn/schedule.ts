import { DefinitionError } from './errors.js';

/**
 * The portable schedule syntax, the same on every provider:
 * - five-field cron, `minute hour day-of-month month day-of-week` (unix cron: `*`, lists, ranges,
 *   steps, month names JAN-DEC, day names SUN-SAT, 0 or 7 for Sunday), e.g. `0 9 * * MON-FRI`;
 * - `rate(N minute|minutes|hour|hours|day|days)`, or the same as `every N minutes`, where N divides
 *   its unit evenly (every 15 minutes, every 6 hours, every 1 day) so that each provider's cron can
 *   express it.
 *
 * Adapters translate it with `toAwsSchedule`, `toUnixCron` and `toNcrontab`.
 */
export interface ParsedSchedule {
  readonly expression: string;
  /** The five cron fields, upper-cased and validated (rates are turned into cron too). */
  readonly fields: readonly [minute: string, hour: string, dayOfMonth: string, month: string, dayOfWeek: string];
  /** Set when the schedule was written as a rate. */
  readonly rate?: { readonly value: number; readonly unit: 'minute' | 'hour' | 'day' };
}

const MONTHS = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];
const DAYS = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'];

interface FieldSpec {
  name: string;
  min: number;
  max: number;
  names?: readonly string[];
  nameBase?: number;
}
const SPECS: readonly FieldSpec[] = [
  { name: 'minute', min: 0, max: 59 },
  { name: 'hour', min: 0, max: 23 },
  { name: 'day-of-month', min: 1, max: 31 },
  { name: 'month', min: 1, max: 12, names: MONTHS, nameBase: 1 },
  { name: 'day-of-week', min: 0, max: 7, names: DAYS, nameBase: 0 },
];

function fail(expression: string, why: string): never {
  throw new DefinitionError('schedule', `${JSON.stringify(expression)}: ${why}`);
}

function checkValue(expression: string, spec: FieldSpec, token: string): void {
  if (/^\d+$/.test(token)) {
    const n = Number(token);
    if (n < spec.min || n > spec.max) fail(expression, `${spec.name} ${n} is outside ${spec.min}-${spec.max}`);
    return;
  }
  if (spec.names?.includes(token)) return;
  fail(expression, `"${token}" is not a valid ${spec.name}`);
}

function checkField(expression: string, spec: FieldSpec, field: string): void {
  for (const item of field.split(',')) {
    const [range, step, extra] = item.split('/');
    if (extra !== undefined || range === undefined || range === '') fail(expression, `bad ${spec.name} "${item}"`);
    if (step !== undefined && !/^[1-9]\d*$/.test(step)) fail(expression, `bad step "${step}" in ${spec.name}`);
    if (range === '*') continue;
    const bounds = range.split('-');
    if (bounds.length > 2) fail(expression, `bad range "${range}" in ${spec.name}`);
    for (const b of bounds) checkValue(expression, spec, b);
  }
}

const RATE = /^(?:rate\(\s*(\d+)\s+(minutes?|hours?|days?)\s*\)|every\s+(\d+)\s+(minutes?|hours?|days?))$/i;

/** Parses and validates a portable schedule; throws a DefinitionError naming `schedule`. */
export function parseSchedule(expression: string): ParsedSchedule {
  if (typeof expression !== 'string' || !expression.trim()) fail(String(expression), 'a schedule is required');
  const trimmed = expression.trim();
  const rate = RATE.exec(trimmed);
  if (rate) {
    const value = Number(rate[1] ?? rate[3]);
    const unit = (rate[2] ?? rate[4] ?? '').toLowerCase().replace(/s$/, '') as 'minute' | 'hour' | 'day';
    if (value < 1) fail(expression, 'a rate must be at least 1');
    const per = { minute: 60, hour: 24, day: 1 }[unit];
    if (per % value !== 0 && !(unit === 'day' && value === 1)) {
      fail(expression, `every ${value} ${unit}s cannot be written as cron on every provider; use a value that divides ${per}`);
    }
    const step = (n: number): string => (n === 1 ? '*' : `*/${n}`);
    const fields: ParsedSchedule['fields'] =
      unit === 'minute' ? [step(value), '*', '*', '*', '*'] : unit === 'hour' ? ['0', step(value), '*', '*', '*'] : ['0', '0', '*', '*', '*'];
    return { expression: trimmed, fields, rate: { value, unit } };
  }
  const parts = trimmed.toUpperCase().split(/\s+/);
  if (parts.length !== 5) {
    fail(expression, `expected 5 cron fields (minute hour day-of-month month day-of-week) or rate(...), got ${parts.length}`);
  }
  parts.forEach((field, i) => checkField(expression, SPECS[i] as FieldSpec, field));
  return { expression: trimmed, fields: parts as unknown as ParsedSchedule['fields'] };
}

/** Unix cron, for Cloud Scheduler: the five fields as they are. */
export function toUnixCron(schedule: ParsedSchedule): string {
  return schedule.fields.join(' ');
}

/** The days of week a field selects, 0-6 from Sunday (7 folds into 0). */
function expandDays(field: string): number[] {
  const days = new Set<number>();
  const num = (t: string): number => (/^\d+$/.test(t) ? Number(t) : DAYS.indexOf(t));
  for (const item of field.split(',')) {
    const [range = '*', stepText] = item.split('/');
    const step = stepText ? Number(stepText) : 1;
    const [lo, hi] = range === '*' ? [0, 6] : range.includes('-') ? (range.split('-').map(num) as [number, number]) : [num(range), stepText ? 7 : num(range)];
    for (let d = lo; d <= hi; d += step) days.add(d % 7);
  }
  return [...days].sort((a, b) => a - b);
}

/**
 * Azure's NCRONTAB: six fields, seconds first; days of week 0-6 with Sunday 0.
 */
export function toNcrontab(schedule: ParsedSchedule): string {
  const [minute, hour, dom, month, dow] = schedule.fields;
  const days = dow === '*' ? [] : expandDays(dow);
  const dayOfWeek = dow === '*' || days.length === 7 ? '*' : days.join(',');
  return ['0', minute, hour, dom, month, dayOfWeek].join(' ');
}

/**
 * EventBridge: `rate(...)` for rates, else `cron(min hour dom month dow year)` where one of the day
 * fields must be `?` and days of week run 1-7 from Sunday. A cron that restricts both day fields means
 * "either" in unix cron and has no EventBridge equivalent, so it is refused.
 */
export function toAwsSchedule(schedule: ParsedSchedule): string {
  if (schedule.rate) {
    const { value, unit } = schedule.rate;
    return `rate(${value} ${value === 1 ? unit : unit + 's'})`;
  }
  const [minute, hour, dom, month, dow] = schedule.fields;
  if (dom !== '*' && dow !== '*') {
    fail(schedule.expression, 'AWS cannot restrict both day-of-month and day-of-week; set one of them to *');
  }
  // Unix days run 0-7 (0 and 7 Sunday), AWS's 1-7 (1 Sunday): names mean the same on both sides, so
  // the selected days are written out as names.
  const days = dow === '*' ? [] : expandDays(dow);
  const awsDow = dow === '*' ? '?' : days.length === 7 ? '*' : days.map((d) => DAYS[d]).join(',');
  const awsDom = dow === '*' ? dom : '?';
  return `cron(${minute} ${hour} ${awsDom} ${month} ${awsDow} *)`;
}
