// Deploy tests: a queue consumer and a schedule.
import { defineQueue, defineSchedule } from 'onefn';

export const orders = defineQueue({ queue: 'orders', handler: () => {} });
export const nightly = defineSchedule({ schedule: '30 2 * * MON-FRI', handler: () => {} });
