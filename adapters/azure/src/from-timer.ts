import type { InvocationContext } from '@azure/functions';
import { MalformedEventError, type ScheduleEvent } from 'onefn';
import { createScheduleEvent } from 'onefn/runtime';

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * The timer object (the library camel-cases the host's PascalCase one) as a schedule tick.
 * `scheduleStatus.next` is the occurrence that fired this run: the scheduler waits until Next and then
 * invokes, so during the invocation Next is the due time, not the following one (Microsoft Q&A 1459140,
 * "TimerInfo.ScheduleStatus.Next is not showing next trigger time"). Without schedule monitoring there
 * is no status and the invocation time stands in.
 */
export function fromTimer(input: unknown, context: InvocationContext, name: string): ScheduleEvent {
  if (!isObject(input)) throw new MalformedEventError('the timer trigger delivered no timer object');
  const pastDue = input['isPastDue'] ?? input['IsPastDue'];
  if (pastDue !== undefined && typeof pastDue !== 'boolean') throw new MalformedEventError('timer isPastDue is not a boolean');
  const status = input['scheduleStatus'] ?? input['ScheduleStatus'];
  const next = isObject(status) ? (status['next'] ?? status['Next']) : undefined;
  if (next !== undefined && typeof next !== 'string') throw new MalformedEventError('timer scheduleStatus.next is not a time string');
  return createScheduleEvent({
    id: context.invocationId,
    scheduledTime: next,
    name,
    pastDue: pastDue ?? false,
    native: { provider: 'azure', event: input, context },
  });
}
