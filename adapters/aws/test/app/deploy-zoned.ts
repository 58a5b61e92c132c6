// Deploy tests: the schedule of deploy-events.ts, in a time zone (EventBridge Scheduler).
import { defineSchedule } from 'onefn';

export const nightly = defineSchedule({ schedule: '30 2 * * MON-FRI', timeZone: 'Europe/Paris', handler: () => {} });
